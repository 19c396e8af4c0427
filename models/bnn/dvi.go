package bnn

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// EstimatorDVI is the Settings.Estimator of deterministic variational
// inference (Wu et al. 2019): the expected log-likelihood of a minibatch
// under the mean-field guide in closed form, from the means and variances
// of every layer's pre-activations ([ops.MomentDense], [ops.MomentReLU],
// [ops.GaussianExpectedLogLik]), with the weights' KL(q‖p) in closed form
// (svi.KLELBO). Only the noise precision's prior term is still a Monte
// Carlo estimate (one scalar: svi.Config.KLFallback), so the weights'
// gradients have no Monte Carlo variance at all, and one particle
// suffices (Settings.Particles 0 means 1 with it).
//
// The moments are exact for one hidden layer; with more they treat the
// units of a layer as independent and their pre-activations as Gaussian
// (the diagonal simplification; Wu et al. also propagate the covariances).
// Regression with ReLU units and the MeanField guide only; predictions
// still use weight draws.
const EstimatorDVI = "dvi"

// checkDVI refuses the configurations EstimatorDVI does not cover.
func checkDVI(cfg Config, s Settings) error {
	var why string
	switch {
	case cfg.Task != Regression:
		why = "regression (its expected log-likelihood is Gaussian)"
	case cfg.Activation != ReLU:
		why = fmt.Sprintf("relu hidden units (the moments of %v have no closed form here)", cfg.Activation)
	case s.Guide != MeanField:
		why = fmt.Sprintf("the meanfield guide, got %v", s.Guide)
	case cfg.LocalReparam:
		why = "no local reparameterization (it has no draws to reparameterize)"
	case s.Vectorize:
		why = "no Vectorize (it has no particles to vectorize)"
	default:
		return nil
	}
	return errors.New("bnn: the dvi estimator needs " + why)
}

// dviLogLik returns the minibatch's expected log-likelihood under the
// guide, E_q[Σᵢ log N(yᵢ; f(xᵢ), 1/τ)], in closed form: the guide's Normal
// marginals of every layer's weights and biases give the moments of the
// pre-activations, the ReLU's in closed form between layers, and the
// output's mean and variance with
//
//	E[log τ] = μ_τ,  E[τ] = exp(μ_τ + σ_τ²/2)
//
// for q(log τ) = N(μ_τ, σ_τ²) give the Gaussian log-likelihood's
// expectation.
func (md *Model) dviLogLik(m *svi.M, x, y *G.Node) (*G.Node, error) {
	n := len(md.cfg.Hidden) + 1
	h := x
	for l := 0; l < n; l++ {
		loc, vr, err := normalMarginals(m, l, "the dvi estimator")
		if err != nil {
			return nil, err
		}
		if h, err = ops.MomentDense(h, loc[0], vr[0], loc[1], vr[1]); err != nil {
			return nil, fmt.Errorf("bnn: layer %d: %w", l, err)
		}
		if l < n-1 {
			if h, err = ops.MomentReLU(h); err != nil {
				return nil, fmt.Errorf("bnn: layer %d: %w", l, err)
			}
		}
	}
	if md.cfg.skip() {
		// The skip path's x·β is independent of the layers under the mean
		// field: its moments add to theirs.
		q, ok := m.Marginal(SkipSite).(dist.Normal)
		if !ok {
			return nil, fmt.Errorf("bnn: the dvi estimator needs the mean-field guide's Normal marginal of site %q, got %T", SkipSite, m.Marginal(SkipSite))
		}
		out := q.Loc.Shape()[1]
		zero := m.Array(make([]float64, out), out)
		lin, err := ops.MomentDense(x, q.Loc, m.Square(q.Scale), zero, zero)
		if err != nil {
			return nil, fmt.Errorf("bnn: skip path: %w", err)
		}
		h = m.Add(h, lin)
	}
	q, ok := m.Marginal(NoiseSite).(dist.Normal)
	if !ok {
		return nil, fmt.Errorf("bnn: the dvi estimator needs the mean-field guide's Normal marginal of log τ, got %T", m.Marginal(NoiseSite))
	}
	eTau := m.Exp(m.Add(q.Loc, m.Mul(m.Const(0.5), m.Square(q.Scale))))
	if err := m.Err(); err != nil {
		return nil, err
	}
	return ops.GaussianExpectedLogLik(h, y, q.Loc, eTau)
}
