package lfm

import (
	"context"
	"fmt"
	"time"

	"github.com/govi/govi/svi"
)

// A Driver runs the optimization of a fit that [FitSVI] or [LearnSVI] has
// built, in place of Init and svi.Run: a caller's loop with checkpoints, a
// divergence guard, a stopping rule, iterate averaging or a schedule.
type Driver interface {
	// Start returns the state the fit begins from: t.Init(seed), or a
	// state loaded from a checkpoint. The fit gives a new state its
	// minibatches (State.Batches); a resumed one keeps those of its
	// checkpoint, so it sees the batches an uninterrupted fit would.
	Start(t *svi.Trainer, seed uint64) (*svi.State, error)
	// Run advances st to steps steps in all (counting those st has taken)
	// with the batches of next. On failure st holds the last good state.
	Run(ctx context.Context, t *svi.Trainer, st *svi.State, steps int, next func() (svi.Batch, error)) error
}

// plain is the Driver of SVISettings without one: Init and svi.Run for at
// most runtime (0: no limit).
type plain struct{ runtime time.Duration }

func (plain) Start(t *svi.Trainer, seed uint64) (*svi.State, error) { return t.Init(seed) }

func (p plain) Run(ctx context.Context, t *svi.Trainer, st *svi.State, steps int, next func() (svi.Batch, error)) error {
	_, err := svi.Run(ctx, t, st, next, &svi.Settings{Steps: steps - st.Iter, Runtime: p.runtime})
	return err
}

// fingerprint names the data, the model and the settings of a fit that
// fix its trainer's graph and its steps, so that a Driver resuming from a
// checkpoint of another fit is refused (svi.Config.Fingerprint).
func fingerprint(model SVIModel, flat []float64, set SVISettings) svi.Fingerprint {
	p := model.P
	fp := svi.Fingerprint{
		"model":       "lfm",
		"data":        svi.HashFloats(flat),
		"k":           fmt.Sprint(p.K()),
		"likelihood":  p.Likelihood.String(),
		"estimator":   set.Estimator.String(),
		"particles":   fmt.Sprint(set.Particles),
		"baseline":    set.Baseline.String(),
		"temperature": fmt.Sprint(set.Temperature),
		"guide":       "meanfield",
		"batch":       fmt.Sprint(set.Batch),
	}
	if set.Amortized {
		fp["guide"] = fmt.Sprintf("amortized, hidden %v", set.Hidden)
	}
	if set.DType != svi.Float64 { // float64 fingerprints stay as they were
		fp["dtype"] = set.DType.String()
	}
	if model.Learn {
		fp["params"] = fmt.Sprintf("learned (σ %v)", p.Sigma)
	} else {
		w := make([]float64, 0, p.K()*p.D())
		for _, row := range p.W {
			w = append(w, row...)
		}
		fp["params"] = svi.HashFloats(w, p.B, p.Pi, []float64{p.Sigma})
	}
	return fp
}
