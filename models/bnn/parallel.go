package bnn

import (
	"fmt"

	"github.com/govi/govi/svi"
)

// DataParallel makes a fit rank Rank of a data-parallel fit over
// Reducer.Ranks() = P processes (MPI ranks; see svi.Reducer). Every rank
// calls Fit with the whole training set and the same Config and Settings;
// the zero value (no Reducer) is a fit in one process.
//
// Shard rule: with N training rows, rank r trains on the contiguous rows
// [r·N/P, (r+1)·N/P) (integer division: shards differ by at most one row)
// and Settings.Batch is the total minibatch B, of which rank r draws
// B_r = (r+1)·B/P − r·B/P rows a step from its shard (all of it when
// B ≥ N). The steps per epoch are those of N rows in batches of B, the same
// on every rank. Rank r's likelihood is scaled by P·N_r/B_r and the ranks'
// losses and gradients are averaged by the Reducer, which counts the
// prior and entropy terms once (see svi.Config.Reduce). The standardization
// is fitted on the whole training set, so every rank has the same one.
//
// Each rank draws its minibatch orders from its own stream (the Settings'
// seed and the rank); the weight noise is drawn from the same stream on
// every rank. A full-batch fit on P ranks therefore follows the
// one-process fit up to the order of the sums; a minibatch fit draws
// stratified batches (B_r from each shard), a different but equally
// unbiased estimate.
//
// Checkpoints: every rank holds the same state (weights, Adam moments,
// step, noise source, loss trace) but its own minibatch dealer. Rank 0
// alone writes Settings.Checkpoint, with its dealer; the others write
// nothing. On Settings.Resume every rank loads the checkpoint (the ranks
// check that they loaded the same state, svi.Trainer.CheckReplicas) and
// deals from the position its own stream reaches after the checkpoint's
// step count: rank 0 keeps the checkpoint's dealer when it deals from the
// same rows in batches of the same size, and every other dealer is replayed
// from its seed (its position is a function of the step alone, as the
// guard rolls it back with the state). So a resume on the same P continues
// exactly as the uninterrupted run, and a resume on another P (1 included)
// continues from the same weights and optimizer state with the batches an
// uninterrupted run on that P would deal from that step on: a different
// but valid stream. The checkpoint's fingerprint records the total
// minibatch and the seed, not P.
//
// Selection ([Protocol.Select]): each candidate's fit on the training
// cut is data-parallel in the same way (the cut is sharded), and every
// rank scores the whole validation cut with the weights all ranks share,
// so all choose alike; they check it before the refit.
type DataParallel struct {
	Rank    int
	Reducer svi.Reducer
}

// ranks returns P: 1 without a Reducer.
func (dp DataParallel) ranks() int { return svi.RanksOf(dp.Reducer) }

// shard returns this rank's rows [lo, hi) of the n training rows and its
// share br of the total minibatch b (b ≤ n).
func (dp DataParallel) shard(n, b int) (lo, hi, br int, err error) {
	p := dp.ranks()
	switch {
	case p < 1 || dp.Rank < 0 || dp.Rank >= p:
		return 0, 0, 0, fmt.Errorf("bnn: rank %d of %d ranks", dp.Rank, p)
	case n < p:
		return 0, 0, 0, fmt.Errorf("bnn: %d training rows cannot be shared out over %d ranks", n, p)
	case b < p:
		return 0, 0, 0, fmt.Errorf("bnn: a minibatch of %d rows cannot be shared out over %d ranks (each needs at least one row)", b, p)
	}
	lo, hi = svi.ShardRows(n, p, dp.Rank)
	blo, bhi := svi.ShardRows(b, p, dp.Rank)
	return lo, hi, min(bhi-blo, hi-lo), nil
}

// validate checks the rank against the Reducer.
func (dp DataParallel) validate() error {
	if dp.Reducer == nil && dp.Rank != 0 {
		return fmt.Errorf("bnn: DataParallel.Rank %d without a Reducer", dp.Rank)
	}
	return nil
}

// writes reports whether this rank writes the checkpoints: rank 0.
func (dp DataParallel) writes() bool { return dp.Rank == 0 }

// agree checks that every rank reached the same values vals (small
// integers such as a selection's candidate and epochs): each all-reduces
// them and compares the means with its own, so at least one rank of a
// world that disagrees returns an error naming what. Without a Reducer it
// does nothing.
func (dp DataParallel) agree(what string, vals ...float64) error {
	if dp.ranks() == 1 {
		return nil
	}
	sum := append([]float64(nil), vals...)
	if err := dp.Reducer.AllReduce(sum); err != nil {
		return fmt.Errorf("bnn: %s: %w", what, err)
	}
	for i, v := range vals {
		if sum[i] != v*float64(dp.ranks()) {
			return fmt.Errorf("bnn: the %d ranks reached different %s (this is rank %d)", dp.ranks(), what, dp.Rank)
		}
	}
	return nil
}
