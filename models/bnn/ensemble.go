package bnn

import (
	"errors"
	"fmt"
	"math"
)

// Ensemble is K networks fitted independently to the same data with the
// same configuration and different seeds (Protocol.Ensemble: Seed, Seed+1,
// …; Lakshminarayanan et al. 2017, with each member a variational
// posterior). Its predictive is the equal-weight mixture of the members'
// posterior predictives,
//
//	p(y* | x*, D) = (1/K) Σⱼ pⱼ(y* | x*, D),
//
// so its test log-likelihood is the log of the mean of the K predictive
// densities at each row, its RMSE that of the mixture's mean (the mean of
// the members' means) and its coverage that of the mixture's central
// interval. It costs K fits.
type Ensemble []*Net

// Predict returns the mixture of the members' posterior predictives at the
// rows of x, member j drawing draws weight sets seeded by seed + j: one
// Predictive whose draws are the K·draws draws of all members. One member
// gives its own Predict unchanged.
func (e Ensemble) Predict(x []float64, draws int, seed uint64) (*Predictive, error) {
	if len(e) == 0 {
		return nil, errors.New("bnn: an ensemble needs at least one network")
	}
	ps := make([]*Predictive, len(e))
	for j, n := range e {
		p, err := n.Predict(x, draws, seed+uint64(j))
		if err != nil {
			return nil, fmt.Errorf("bnn: ensemble member %d: %w", j, err)
		}
		ps[j] = p
	}
	return MixPredictives(ps...)
}

// MixPredictives returns the equal-weight mixture of predictives at the
// same N points, each of the same number of draws T: its draws are theirs,
// concatenated (K·T in all), so that its LogLik is log (1/K) Σⱼ pⱼ(y), its
// Mean the mean of their means, and its Std, Quantiles and Coverage those
// of the mixture. One predictive is returned unchanged.
func MixPredictives(ps ...*Predictive) (*Predictive, error) {
	if len(ps) == 0 {
		return nil, errors.New("bnn: no predictives to mix")
	}
	if len(ps) == 1 {
		return ps[0], nil
	}
	n, t, hetero := ps[0].N, ps[0].T, ps[0].RowNoiseStd != nil
	out := &Predictive{N: n, T: len(ps) * t, Mean: make([]float64, n), Std: make([]float64, n), EpiStd: make([]float64, n)}
	for j, p := range ps {
		if p.N != n || p.T != t || (p.RowNoiseStd != nil) != hetero {
			return nil, fmt.Errorf("bnn: predictive %d has %d points, %d draws (heteroscedastic %v), predictive 0 %d, %d (%v)",
				j, p.N, p.T, p.RowNoiseStd != nil, n, t, hetero)
		}
		out.F = append(out.F, p.F...)
		out.NoiseStd = append(out.NoiseStd, p.NoiseStd...)
		if hetero {
			out.RowNoiseStd = append(out.RowNoiseStd, p.RowNoiseStd...)
		}
	}
	out.moments()
	return out, nil
}

// moments fills Mean, EpiStd and Std from the draws: the mean and
// standard deviation of fₜ over draws, and the mixture's sd with the mean
// noise variance added.
func (p *Predictive) moments() {
	T := float64(p.T)
	for i := 0; i < p.N; i++ {
		var m, v, nv float64
		for k := 0; k < p.T; k++ {
			m += p.F[k*p.N+i]
		}
		m /= T
		for k := 0; k < p.T; k++ {
			d := p.F[k*p.N+i] - m
			v += d * d
			s := p.noise(k, i)
			nv += s * s
		}
		v /= T
		p.Mean[i], p.EpiStd[i], p.Std[i] = m, math.Sqrt(v), math.Sqrt(v+nv/T)
	}
}

// PredictClass returns the mixture of the members' class predictives (the
// mean of their class probabilities), member j seeded by seed + j.
func (e Ensemble) PredictClass(x []float64, draws int, seed uint64) (*ClassPredictive, error) {
	if len(e) == 0 {
		return nil, errors.New("bnn: an ensemble needs at least one network")
	}
	var out *ClassPredictive
	for j, n := range e {
		p, err := n.PredictClass(x, draws, seed+uint64(j))
		if err != nil {
			return nil, fmt.Errorf("bnn: ensemble member %d: %w", j, err)
		}
		if j == 0 {
			if len(e) == 1 {
				return p, nil
			}
			out = &ClassPredictive{N: p.N, K: p.K, T: p.T * len(e), Probs: make([]float64, len(p.Probs))}
		}
		for i, v := range p.Probs {
			out.Probs[i] += v / float64(len(e))
		}
	}
	return out, nil
}

// Evaluate scores the mixture predictive on d (member j's draws seeded by
// seed + j), as Net.Evaluate scores one network; one member gives that
// network's Evaluate.
func (e Ensemble) Evaluate(d *Data, draws int, seed uint64) (*Metrics, error) {
	if len(e) == 0 {
		return nil, errors.New("bnn: an ensemble needs at least one network")
	}
	if d == nil || d.N == 0 {
		return nil, fmt.Errorf("bnn: Evaluate: no data")
	}
	if e[0].cfg.Task == Regression {
		p, err := e.Predict(d.X, draws, seed)
		if err != nil {
			return nil, err
		}
		return regressionMetrics(p, d.Y, true)
	}
	p, err := e.PredictClass(d.X, draws, seed)
	if err != nil {
		return nil, err
	}
	return classMetrics(p, d.Y, true)
}
