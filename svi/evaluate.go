package svi

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ELBO estimates the ELBO at st's parameters on the data in b by averaging
// at least draws particle draws (whole steps' worth of S particles), with
// noise from a source seeded by seed so that st's own random source is left
// alone. It returns the estimate and its Monte Carlo standard error (from
// the spread of the per-step estimates; 0 when one step suffices).
func (t *Trainer) ELBO(st *State, b Batch, draws int, seed uint64) (elbo, stderr float64, err error) {
	if draws < 1 {
		return 0, 0, fmt.Errorf("svi: ELBO needs at least one draw, got %d", draws)
	}
	if err := t.checkState(st); err != nil {
		return 0, 0, err
	}
	if err := t.Feed(b); err != nil {
		return 0, 0, err
	}
	r := rand.New(NewRNG(seed))
	runs := (draws + t.cfg.Particles - 1) / t.cfg.Particles
	var sum, sumsq float64
	for i := 0; i < runs; i++ {
		for _, p := range t.progs {
			p.fillNoise(r)
		}
		loss, err := t.runAll(st.Params)
		if err != nil {
			return 0, 0, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return 0, 0, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "loss", Index: -1}
		}
		sum += -loss
		sumsq += loss * loss
	}
	n := float64(runs)
	elbo = sum / n
	if runs > 1 {
		v := (sumsq - n*elbo*elbo) / (n - 1)
		stderr = math.Sqrt(math.Max(v, 0) / n)
	}
	return elbo, stderr, nil
}
