package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govi/govi/models/fhmm"
	"github.com/govi/govi/svi"
)

// fitNet trains the inference network of -method amortized on the
// parameters p (given, or learned by variational EM with the structured
// E-step) and reports its marginals, ELBO and trace, and the amortization
// gap against structured mean field run on the same parameters (its
// default start, -iters sweeps). The network trains from max(-starts, 1)
// seeded initialisations (with -learn, -starts also counts the EM starts,
// whose ELBOs stay in StartELBO; the network's are in Network). The
// network's time is added to Seconds.
func (f *fhmmFlags) fitNet(ctx context.Context, p fhmm.Params, y [][]float64, rep *fhmmReport) error {
	start := time.Now()
	est, err := fhmm.ParseNetEstimator(f.estimator)
	if err != nil {
		return fmt.Errorf("train fhmm: -estimator: %w", err)
	}
	dt, err := svi.ParseDType(f.dtype)
	if err != nil {
		return fmt.Errorf("train fhmm: -dtype: %w", err)
	}
	set := fhmm.NetSettings{Window: f.window, Hidden: f.hidden, Steps: f.steps, LearnRate: f.lr, Seed: f.seed, Starts: max(f.starts, 1),
		Estimator: est, DType: dt}
	if est == fhmm.NetScore {
		set.Particles = f.particles
	}
	fit, err := fhmm.TrainNet(ctx, p, y, set)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	rep.Seconds += time.Since(start).Seconds()
	rep.Network = &fhmmNetReport{Estimator: est.String(), Particles: set.Particles, Window: f.window, Hidden: f.hidden, Steps: f.steps, LearnRate: f.lr, Seed: f.seed,
		Starts: set.Starts, StartELBO: fit.StartELBO, BestStart: fit.Start}
	if dt != svi.Float64 {
		rep.Network.DType = dt.String()
	}
	e := fit.ELBO
	rep.ELBO, rep.ELBOTrace, rep.Marginals = &e, fit.Trace, fit.Marginals
	if !f.learn {
		rep.Starts, rep.StartELBO, rep.BestStart, rep.Iterations = set.Starts, fit.StartELBO, fit.Start, f.steps
	}
	sq, err := fhmm.Structured(p, y, fhmm.Settings{MaxSweeps: f.iters})
	if err != nil {
		return fmt.Errorf("train fhmm: structured mean field for the amortization gap: %w", err)
	}
	se := sq.ELBO[len(sq.ELBO)-1]
	rep.AmortizationGap = &amortGap{Total: se - e, PerStep: (se - e) / float64(len(y)),
		StructuredELBO: se, StructuredSweeps: sq.Sweeps}
	return nil
}
