package bnn

import (
	"fmt"

	"github.com/govi/govi/svi"
)

// Diagnose returns svi's fit report for the network on data (original
// units; normally the training set): the ELBO with its Monte Carlo standard
// error, the importance-weighted bound, the PSIS k̂ of the weights
// p(data, W, τ)/q(W, τ) with its sample-size-aware threshold, the
// importance-sampling effective sample size and a verdict, from draws draws
// of q seeded by seed. The log-joint is that of the whole data set, not of
// a minibatch, and uses whole weight draws even when the fit used the local
// reparameterization. For a mean-field guide over hundreds of weights k̂ is
// usually far above 0.7: the report then says that q's uncertainty is not
// the posterior's, which is what Yao et al. (2018) found for such networks.
func (n *Net) Diagnose(data *Data, draws int, seed uint64) (*svi.Diagnostics, error) {
	if data == nil || data.N == 0 {
		return nil, fmt.Errorf("bnn: Diagnose: no data")
	}
	if data.D != n.inputs {
		return nil, fmt.Errorf("bnn: Diagnose: data have %d input columns, the network %d", data.D, n.inputs)
	}
	if draws < 2 {
		return nil, fmt.Errorf("bnn: Diagnose needs at least 2 draws, got %d", draws)
	}
	if _, err := NewData(data.X, data.Y, data.D); err != nil {
		return nil, err
	}
	cfg := n.cfg
	cfg.LocalReparam = false
	if cfg.Task == Classification {
		if err := data.checkLabels(cfg.Classes); err != nil {
			return nil, err
		}
	}
	x, err := n.scaler.X(data.X)
	if err != nil {
		return nil, err
	}
	y := data.Y
	if cfg.Task == Regression {
		y = n.scaler.Y(data.Y)
	}
	model, err := NewModel(cfg, data.D, data.N, data.N)
	if err != nil {
		return nil, err
	}
	tr, err := svi.New(model, n.guide, svi.Config{Particles: 1, Estimator: svi.TraceELBO})
	if err != nil {
		return nil, fmt.Errorf("bnn: Diagnose: %w", err)
	}
	b := svi.Batch{"x": x, "y": y}
	if cfg.EmpiricalBayes {
		e, err := newEBScales(n.guide, tr.Sites(), cfg.priorGroups(n.inputs))
		if err == nil {
			err = e.add(b, n.state.Params)
		}
		if err != nil {
			return nil, err
		}
	}
	d, err := tr.Diagnose(n.state, b, draws, seed)
	if err != nil {
		return nil, fmt.Errorf("bnn: Diagnose: %w", err)
	}
	d.Steps = n.steps
	return d, nil
}
