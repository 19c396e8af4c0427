package svi

import (
	"math/rand/v2"
)

// State is everything that changes while fitting: the variational
// parameters, the optimizer's state, the step count and the random source
// that draws the reparameterization noise. Two States may share a Trainer.
type State struct {
	Iter   int       // steps taken
	Params *Params   // variational parameters φ (unconstrained)
	Opt    *OptState // optimizer state
	RNG    *rand.PCG // source of the noise ε
	Trace  []float64 // loss (−ELBO estimate) of every step taken
	// Avg is the running mean of the parameters over the last AvgN steps,
	// kept by Run when Settings.Average is set.
	Avg  *Params
	AvgN int
	// AvgFrom is the step after which Run averages the iterates when it
	// has no stopping rule: the middle of the first run that averaged
	// (0 until one did). It is part of the state so that a resumed run
	// averages the steps the uninterrupted run would.
	AvgFrom int
	// Iterate is the optimizer's last iterate while Params holds the
	// average a run ended with; the next run continues from it, so that a
	// run cut in two (by a step limit, a signal) and resumed takes the
	// same steps as one that was not.
	Iterate *Params
	// Batches, when set, deals the run's minibatches; its position and
	// random source are part of the state (see Minibatches).
	Batches *Minibatches

	rnd    *rand.Rand // wraps rndSrc
	rndSrc *rand.PCG  // the RNG rnd was made for
}

// rand returns a rand.Rand drawing from st.RNG (rebuilt if RNG was
// replaced since the last call).
func (st *State) rand() *rand.Rand {
	if st.rnd == nil || st.rndSrc != st.RNG {
		st.rnd, st.rndSrc = rand.New(st.RNG), st.RNG
	}
	return st.rnd
}

// Clone returns a deep copy of st; the copy's random source continues from
// the same point independently.
func (st *State) Clone() *State {
	pcg := *st.RNG
	c := &State{Iter: st.Iter, Params: st.Params.Clone(), RNG: &pcg, Opt: cloneOpt(st.Opt),
		Trace: append([]float64(nil), st.Trace...), AvgN: st.AvgN, AvgFrom: st.AvgFrom}
	if st.Avg != nil {
		c.Avg = st.Avg.Clone()
	}
	if st.Iterate != nil {
		c.Iterate = st.Iterate.Clone()
	}
	if st.Batches != nil {
		c.Batches = st.Batches.Clone()
	}
	return c
}

// CopyFrom makes st a copy of src, reusing st's storage where it can: after
// it st holds everything Clone would copy.
func (st *State) CopyFrom(src *State) {
	st.Iter = src.Iter
	if st.Params == nil || st.Params.sameLayout(src.Params) != nil {
		st.Params = src.Params.Clone()
	} else {
		_ = st.Params.CopyFrom(src.Params)
	}
	if st.Opt == nil || len(st.Opt.Slots) != len(src.Opt.Slots) {
		st.Opt = cloneOpt(src.Opt)
	} else {
		copyOpt(st.Opt, src.Opt)
	}
	if st.RNG == nil {
		st.RNG = new(rand.PCG)
	}
	*st.RNG = *src.RNG
	st.Trace = append(st.Trace[:0], src.Trace...)
	st.AvgN, st.AvgFrom = src.AvgN, src.AvgFrom
	st.Avg = copyParams(st.Avg, src.Avg)
	st.Iterate = copyParams(st.Iterate, src.Iterate)
	switch {
	case src.Batches == nil:
		st.Batches = nil
	case st.Batches == nil:
		st.Batches = src.Batches.Clone()
	default:
		st.Batches.CopyFrom(src.Batches)
	}
}

func (st *State) accumulateAverage() {
	if st.Avg == nil {
		st.Avg = st.Params.ZerosLike()
	}
	st.AvgN++
	w := 1 / float64(st.AvgN)
	for i, v := range st.Params.values {
		a := st.Avg.values[i]
		for j, x := range v {
			a[j] += (x - a[j]) * w
		}
	}
}

func (st *State) resetAverage() { st.AvgN = 0 }

// applyAverage replaces the parameters by their running mean, if any,
// keeping the last iterate in Iterate for the next run.
func (st *State) applyAverage() {
	if st.Avg == nil || st.AvgN == 0 {
		return
	}
	st.Iterate = copyParams(st.Iterate, st.Params)
	_ = st.Params.CopyFrom(st.Avg)
}

// resumeIterate puts back the last iterate a previous run's average
// replaced: the run goes on from where the optimizer stood.
func (st *State) resumeIterate() {
	if st.Iterate != nil {
		_ = st.Params.CopyFrom(st.Iterate)
		st.Iterate = nil
	}
}

// copyParams returns a copy of src, in dst's storage when it has the same
// layout; nil for a nil src.
func copyParams(dst, src *Params) *Params {
	switch {
	case src == nil:
		return nil
	case dst == nil || dst.sameLayout(src) != nil:
		return src.Clone()
	}
	_ = dst.CopyFrom(src)
	return dst
}

// Rand returns a generator over the state's random source, for batch
// sampling that must be reproducible and resumable with the state.
func (st *State) Rand() *rand.Rand { return st.rand() }

func cloneOpt(o *OptState) *OptState {
	if o == nil {
		return nil
	}
	c := *o
	c.Slots = make([]*Params, len(o.Slots))
	for i, s := range o.Slots {
		c.Slots[i] = s.Clone()
	}
	return &c
}

func copyOpt(dst, src *OptState) {
	dst.Step, dst.LRScale, dst.Backoff, dst.vouched = src.Step, src.LRScale, src.Backoff, src.vouched
	for i, s := range src.Slots {
		_ = dst.Slots[i].CopyFrom(s)
	}
}

// streamID is the PCG stream govi seeds every state with.
const streamID = 0x676f7669 // "govi"

// NewRNG returns the random source govi uses for seed.
func NewRNG(seed uint64) *rand.PCG { return rand.NewPCG(seed, streamID) }
