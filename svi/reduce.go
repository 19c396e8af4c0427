package svi

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
)

// A Reducer combines each step's loss and gradient over the P processes
// (ranks) of a data-parallel fit, such as the MPI ranks of cmd/train built
// with -tags mpi. Every rank runs the same Trainer on its own shard of the
// data and calls AllReduce the same number of times, in the same order.
//
// A non-finite loss or gradient on one rank makes the reduced values
// non-finite on every rank, so all refuse the same step alike. An error
// that Step returns before the all-reduce (a batch Feed refuses, a failing
// graph) happens on that rank alone while the others wait in AllReduce:
// the caller must then end them all, as cmd/train does with MPI_Abort.
type Reducer interface {
	// AllReduce replaces vals, on every rank, by the elementwise sum of
	// the ranks' vals. All ranks pass slices of the same length.
	AllReduce(vals []float64) error
	// Ranks returns P, the number of processes taking part.
	Ranks() int
}

// A Broadcaster is a [Reducer] that can also copy rank 0's values to every
// rank. [Trainer.Init] uses it, when the Reducer has it, to start every rank
// from rank 0's parameters.
type Broadcaster interface {
	// Broadcast replaces vals, on every rank, by rank 0's vals.
	Broadcast(vals []float64) error
}

// reduce replaces the step's loss and gradient t.grads by their mean over
// the ranks of t.cfg.Reduce. With one rank it does nothing.
//
// The mean is the data-parallel rule: rank r's model sees its N_r rows as
// if they were the whole data set repeated P times (minibatch scale
// P·N_r/B_r, where B_r is its minibatch), so each rank's loss is
// L_r = G + P·(N_r/B_r)·Σ_{i∈batch_r} −log p(y_i | z), with G the terms of the
// global sites (prior, entropy or KL, log q), the same on every rank because
// every rank draws the same noise from the same State. Their mean
//
//	(1/P)·Σ_r L_r = G + Σ_r (N_r/B_r)·Σ_{i∈batch_r} −log p(y_i | z)
//
// counts G once and is an unbiased estimate of the full-data −ELBO; with
// equal shards (N_r = N/P, B_r = B/P) it is exactly the single-process
// estimate of a minibatch of B rows that is the union of the ranks'
// batches, and with every rank's whole shard as its batch it is the
// full-data −ELBO of one process. The gradient is the mean's gradient.
func (t *Trainer) reduce(loss float64) (float64, error) {
	r := t.cfg.Reduce
	if r == nil {
		return loss, nil
	}
	p := r.Ranks()
	if p < 1 {
		return math.NaN(), fmt.Errorf("svi: Reduce reports %d ranks", p)
	}
	n := t.grads.Size()
	if cap(t.flat) < n+1 {
		t.flat = make([]float64, n+1)
	}
	buf := t.flat[:n+1]
	k := 0
	for _, v := range t.grads.values {
		k += copy(buf[k:], v)
	}
	buf[n] = loss
	if err := r.AllReduce(buf); err != nil {
		return math.NaN(), fmt.Errorf("svi: all-reduce of the gradient: %w", err)
	}
	inv := 1 / float64(p)
	k = 0
	for _, v := range t.grads.values {
		for j := range v {
			v[j] = buf[k] * inv
			k++
		}
	}
	return buf[n] * inv, nil
}

// broadcast copies rank 0's parameters to every rank, when the Reducer is
// a [Broadcaster].
func (t *Trainer) broadcast(ps *Params) error {
	b, ok := t.cfg.Reduce.(Broadcaster)
	if !ok || t.cfg.Reduce.Ranks() == 1 {
		return nil
	}
	buf := make([]float64, ps.Size())
	k := 0
	for _, v := range ps.values {
		k += copy(buf[k:], v)
	}
	if err := b.Broadcast(buf); err != nil {
		return fmt.Errorf("svi: broadcast of the initial parameters: %w", err)
	}
	k = 0
	for _, v := range ps.values {
		k += copy(v, buf[k:])
	}
	return nil
}

// CheckReplicas checks that st is the same on every rank of the Reducer:
// its step count, parameters, optimizer state, random source and loss
// trace (not its minibatch dealer, which is each rank's own). Ranks that
// resume a data-parallel fit each load a checkpoint; they must have loaded
// the same one. Each rank all-reduces a 32-bit FNV-1a hash of its state
// (exact in a float64 sum of up to 2²¹ ranks) and compares the mean with
// its own, so at least one rank of a world that disagrees returns an error
// (and must end the others, which may wait in the next collective call).
// Without a Reducer, or with one rank, it does nothing.
func (t *Trainer) CheckReplicas(st *State) error {
	r := t.cfg.Reduce
	if r == nil || r.Ranks() == 1 {
		return nil
	}
	if err := t.checkState(st); err != nil {
		return err
	}
	h := fnv.New32a()
	var b [8]byte
	put := func(vs ...float64) {
		for _, v := range vs {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			h.Write(b[:])
		}
	}
	put(float64(st.Iter), float64(st.Opt.Step), st.Opt.LRScale, st.Opt.Backoff)
	put(st.Trace...)
	for _, ps := range append([]*Params{st.Params}, st.Opt.Slots...) {
		for _, v := range ps.values {
			put(v...)
		}
	}
	rng, err := st.RNG.MarshalBinary()
	if err != nil {
		return fmt.Errorf("svi: CheckReplicas: %w", err)
	}
	h.Write(rng)
	own := float64(h.Sum32())
	v := []float64{own}
	if err := r.AllReduce(v); err != nil {
		return fmt.Errorf("svi: CheckReplicas: %w", err)
	}
	if v[0] != own*float64(r.Ranks()) {
		return fmt.Errorf("svi: the %d ranks hold different states (step %d here): every rank must resume from the same checkpoint", r.Ranks(), st.Iter)
	}
	return nil
}

// ShardRows returns rank r's rows [lo, hi) of n among p ranks: the shard
// rule of govi's data-parallel fits, contiguous rows with integer division,
// so that shards differ by at most one row.
func ShardRows(n, p, r int) (lo, hi int) { return r * n / p, (r + 1) * n / p }

// RanksOf returns r.Ranks(), or 1 for a nil Reducer (one process).
func RanksOf(r Reducer) int {
	if r == nil {
		return 1
	}
	return r.Ranks()
}
