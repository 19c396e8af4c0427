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

	rnd *rand.Rand // wraps RNG
}

func (st *State) rand() *rand.Rand {
	if st.rnd == nil {
		st.rnd = rand.New(st.RNG)
	}
	return st.rnd
}

// Clone returns a deep copy of st; the copy's random source continues from
// the same point independently.
func (st *State) Clone() *State {
	pcg := *st.RNG
	c := &State{Iter: st.Iter, Params: st.Params.Clone(), RNG: &pcg}
	if st.Opt != nil {
		o := *st.Opt
		o.Slots = make([]*Params, len(st.Opt.Slots))
		for i, s := range st.Opt.Slots {
			o.Slots[i] = s.Clone()
		}
		c.Opt = &o
	}
	return c
}

// streamID is the PCG stream govi seeds every state with.
const streamID = 0x676f7669 // "govi"

// NewRNG returns the random source govi uses for seed.
func NewRNG(seed uint64) *rand.PCG { return rand.NewPCG(seed, streamID) }
