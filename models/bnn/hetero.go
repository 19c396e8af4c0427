package bnn

import (
	"errors"
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// Heteroscedastic regression (Config.Heteroscedastic): the output layer has
// two units, the mean f(x) and the log noise variance h(x) of the
// standardized target, and
//
//	log p(y | x, w) = −½ [h(x) + (y − f(x))² e^(−h(x))] − ½ log 2π
//
// replaces the Gaussian likelihood with one global precision τ (there is
// no τ site). Both heads share the hidden layers and their weight priors.
// Predictions mix N(fₜ(x), e^(hₜ(x))) over the weight draws t.

// checkHetero refuses the configurations Heteroscedastic does not cover.
func (c Config) checkHetero() error {
	if c.Heteroscedastic && c.Task != Regression {
		return errors.New("bnn: Heteroscedastic is for regression")
	}
	return nil
}

// checkHeteroSettings refuses the settings Heteroscedastic does not cover:
// the closed-form likelihood of dvi and the vectorized graph assume one τ.
func checkHeteroSettings(cfg Config, s Settings) error {
	if !cfg.Heteroscedastic {
		return nil
	}
	switch {
	case s.Estimator == EstimatorDVI:
		return errors.New("bnn: the dvi estimator has no heteroscedastic likelihood (it needs the expectation of e^(−h) against the squared error, coupled through the shared hidden units)")
	case s.Vectorize:
		return errors.New("bnn: Vectorize has no heteroscedastic likelihood")
	}
	return nil
}

// heteroLogLik returns Σᵢ log N(yᵢ; outᵢ₀, exp(outᵢ₁)) for the network's
// output out ([B, 2]) and targets y ([B]), from gorgonia's own operations.
func heteroLogLik(m *svi.M, out, y *G.Node) (*G.Node, error) {
	col := func(j int) func(*G.Node) (*G.Node, error) {
		return func(x *G.Node) (*G.Node, error) { return G.Slice(x, nil, G.S(j)) }
	}
	mu := m.Apply("mean head", col(0), out)
	lv := m.Apply("log-variance head", col(1), out)
	r := m.Sub(y, mu)
	// −½ Σᵢ [hᵢ + rᵢ² e^(−hᵢ)] − (B/2) log 2π
	quad := m.Add(lv, m.Mul(m.Square(r), m.Exp(m.Neg(lv))))
	ll := m.Sub(m.Mul(m.Const(-0.5), m.Sum(quad)), m.Const(float64(out.Shape()[0])*special.LogSqrt2Pi))
	if err := m.Err(); err != nil {
		return nil, fmt.Errorf("bnn: heteroscedastic likelihood: %w", err)
	}
	return ll, nil
}

// predictHetero is Predict for a heteroscedastic network: xs are the rows
// standardized and w the weight draws. NoiseStd[t] is draw t's noise sd
// averaged over the rows, RowNoiseStd holds each row's.
func (n *Net) predictHetero(xs []float64, rows int, w *weights) *Predictive {
	sc := n.scaler
	p := &Predictive{N: rows, T: w.t, F: make([]float64, w.t*rows), NoiseStd: make([]float64, w.t),
		RowNoiseStd: make([]float64, w.t*rows), Mean: make([]float64, rows), Std: make([]float64, rows), EpiStd: make([]float64, rows)}
	out := make([]float64, 2*rows)
	var buf [2][]float64
	for k := 0; k < w.t; k++ {
		w.forward(k, xs, rows, out, &buf)
		for i := 0; i < rows; i++ {
			sd := sc.YStd * math.Exp(0.5*out[2*i+1])
			p.F[k*rows+i] = out[2*i]*sc.YStd + sc.YMean
			p.RowNoiseStd[k*rows+i] = sd
			p.NoiseStd[k] += sd / float64(rows)
		}
	}
	for i := 0; i < rows; i++ {
		var m, nv float64
		for k := 0; k < w.t; k++ {
			m += p.F[k*rows+i]
			s := p.RowNoiseStd[k*rows+i]
			nv += s * s
		}
		m /= float64(w.t)
		var v float64
		for k := 0; k < w.t; k++ {
			d := p.F[k*rows+i] - m
			v += d * d
		}
		v /= float64(w.t)
		p.Mean[i], p.EpiStd[i], p.Std[i] = m, math.Sqrt(v), math.Sqrt(v+nv/float64(w.t))
	}
	return p
}

// noise returns the noise sd of draw k at point i.
func (p *Predictive) noise(k, i int) float64 {
	if p.RowNoiseStd != nil {
		return p.RowNoiseStd[k*p.N+i]
	}
	return p.NoiseStd[k]
}

// maxNoise returns the largest noise sd of any draw and point.
func (p *Predictive) maxNoise() float64 {
	s := p.NoiseStd
	if p.RowNoiseStd != nil {
		s = p.RowNoiseStd
	}
	var m float64
	for _, v := range s {
		m = math.Max(m, v)
	}
	return m
}
