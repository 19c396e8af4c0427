package vae

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/svi"
)

// DataParallel makes a fit rank Rank of a data-parallel fit over
// Reducer.Ranks() = P processes (MPI ranks; see svi.Reducer). Every rank
// calls Fit with the whole training set and the same Config and Settings;
// the zero value (no Reducer) is a fit in one process.
//
// Shard rule (as in models/bnn): with N training rows, rank r trains on
// the contiguous rows [r·N/P, (r+1)·N/P) and draws B_r = (r+1)·B/P − r·B/P
// of the total minibatch B a step from its shard, with its likelihood
// scaled by P·N_r/B_r; the ranks average their losses and gradients
// (svi.Config.Reduce), and every rank starts from rank 0's weights. The
// steps are those planned for N rows in batches of B. Rank r deals its
// batches from its own stream of the seed. The noise comes from the
// state's source, the same on every rank: the k-th row of every rank's
// batch gets the same draw of ε. Each rank's estimate is unbiased, and so
// is their mean, but the ranks' noise is shared, not independent as in one
// process with the union of the batches.
//
// Checkpoints: every rank holds the same state but its own minibatch
// dealer; the Driver of rank 0 alone should write them. A resumed rank
// keeps the checkpoint's dealer if it is rank 0 and the dealer fits, and
// otherwise replays its own to the checkpoint's step
// (svi.State.SetRankBatches): a resume on the same P continues exactly.
// A checkpoint of another P (one process included) resumes too, from its
// weights, optimizer state and noise source, with the batches the new P
// deals from that step on: the local latent site z has the rows of the
// rank's minibatch B_r, which svi.Trainer.LoadCheckpoint does not compare
// (svi.SiteDescription.Local), and the encoder's and decoder's parameters
// do not depend on them. The total batch B and the seed stay in the
// fingerprint: they are refused when they differ.
type DataParallel struct {
	Rank    int
	Reducer svi.Reducer
}

// ranks returns P: 1 without a Reducer.
func (dp DataParallel) ranks() int { return svi.RanksOf(dp.Reducer) }

// shard returns this rank's rows of train and its share br of the total
// minibatch b (b ≤ train.Rows).
func (dp DataParallel) shard(train *Dataset, b int) (*Dataset, int, error) {
	p := dp.ranks()
	switch {
	case p == 1 && dp.Rank == 0:
		return train, b, nil
	case p < 1 || dp.Rank < 0 || dp.Rank >= p:
		return nil, 0, fmt.Errorf("vae: rank %d of %d ranks", dp.Rank, p)
	case train.Rows < p || b < p:
		return nil, 0, fmt.Errorf("vae: %d training rows in minibatches of %d cannot be shared out over %d ranks (each needs at least one row of each)", train.Rows, b, p)
	}
	lo, hi := svi.ShardRows(train.Rows, p, dp.Rank)
	rows := make([]int, hi-lo)
	for i := range rows {
		rows[i] = lo + i
	}
	blo, bhi := svi.ShardRows(b, p, dp.Rank)
	return train.Select(rows), min(bhi-blo, hi-lo), nil
}

// minibatches returns this rank's dealer of batches of br rows of shard:
// that of a one-process fit, or with P > 1 rank r's stream of the seed.
func (dp DataParallel) minibatches(shard *Dataset, br int, seed uint64) (*svi.Minibatches, error) {
	if dp.ranks() == 1 {
		return Minibatches(shard, br, seed)
	}
	return svi.NewMinibatches(shard.Rows, br, rand.NewPCG(seed, 0x72616e6b+uint64(dp.Rank)))
}
