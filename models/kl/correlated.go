package kl

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/svi"
)

// CorrelatedMean and CorrelatedStd fix the location and marginal standard
// deviations of [NewCorrelated]'s Gaussian; only the correlation varies.
var (
	CorrelatedMean = [2]float64{1, -1}
	CorrelatedStd  = [2]float64{1.5, 1}
)

// Correlated is a correlated bivariate normal p = N(μ, Σ) to be projected
// onto the mean-field family q(z) = N(z₁; m₁, s₁²) N(z₂; m₂, s₂²).
//
// The two projections are in closed form (Bishop, PRML §10.1.2, Figs
// 10.2–10.3): minimizing KL(q‖p) gives m = μ and s_i² = 1/Λ_ii with
// Λ = Σ⁻¹ — too narrow, inside p; minimizing KL(p‖q) gives m = μ and
// s_i² = Σ_ii, the marginals — too wide along the minor axis.
type Correlated struct {
	P Gaussian
}

// NewCorrelated returns p with mean CorrelatedMean, standard deviations
// CorrelatedStd and correlation rho, |rho| < 1.
func NewCorrelated(rho float64) (Correlated, error) {
	if !(math.Abs(rho) < 1) {
		return Correlated{}, fmt.Errorf("kl: correlation %v must satisfy |ρ| < 1", rho)
	}
	s := CorrelatedStd
	c := rho * s[0] * s[1]
	return Correlated{P: Gaussian{Mean: CorrelatedMean, Cov: [2][2]float64{{s[0] * s[0], c}, {c, s[1] * s[1]}}}}, nil
}

// ReverseMeanField returns the minimizer of KL(q‖p) over mean-field
// Gaussians: N(μ, diag(1/Λ₁₁, 1/Λ₂₂)).
func (c Correlated) ReverseMeanField() Gaussian {
	l := c.P.Precision()
	return Gaussian{Mean: c.P.Mean, Cov: [2][2]float64{{1 / l[0][0], 0}, {0, 1 / l[1][1]}}}
}

// ForwardMeanField returns the minimizer of KL(p‖q) over mean-field
// Gaussians: the product of p's marginals, N(μ, diag(Σ₁₁, Σ₂₂)).
func (c Correlated) ForwardMeanField() Gaussian {
	return Gaussian{Mean: c.P.Mean, Cov: [2][2]float64{{c.P.Cov[0][0], 0}, {0, c.P.Cov[1][1]}}}
}

// Model returns p as an svi.Model over one 2-vector site "z": the prior
// N(0, I) plus the factor "rest" = log p(z) − log N(z; 0, I)
//
//	= −½ zᵀ(Λ − I)z + zᵀΛμ − ½ μᵀΛμ − ½ log|Σ|,
//
// so the log-joint is log p(z) exactly and −ELBO = KL(q‖p). It is an
// svi.VectorModel: with svi.Config.Vectorize it builds all particles at
// once, which makes thousands of particles per step affordable.
func (c Correlated) Model() svi.Model { return correlatedModel{c} }

type correlatedModel struct{ c Correlated }

// Vectorizes reports that Build handles svi.Config.Vectorize (z is [S, 2]).
func (correlatedModel) Vectorizes() bool { return true }

func (cm correlatedModel) Build(m *svi.M) error {
	p := cm.c.P
	l := p.Precision()
	lm := [2]float64{l[0][0]*p.Mean[0] + l[0][1]*p.Mean[1], l[1][0]*p.Mean[0] + l[1][1]*p.Mean[1]}
	konst := -0.5*(p.Mean[0]*lm[0]+p.Mean[1]*lm[1]) - 0.5*math.Log(p.det())
	z := m.Sample("z", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 2)
	a := m.Array([]float64{l[0][0] - 1, l[0][1], l[1][0], l[1][1] - 1}, 2, 2)
	var quad, lin *G.Node
	n := 1.0
	if S := m.Particles(); S > 0 {
		// z is [S, 2]: the particles' terms, summed.
		quad = m.Sum(m.Mul(z, m.MatMul(z, a)))
		lin = m.Sum(m.MatMul(z, m.Array(lm[:], 2, 1)))
		n = float64(S)
	} else {
		quad = m.Sum(m.Mul(z, m.MatMul(a, z)))
		lin = m.Sum(m.Mul(z, m.Array(lm[:], 2)))
	}
	m.Factor("rest", m.Add(m.Sub(lin, m.Mul(m.Const(0.5), quad)), m.Const(n*konst)))
	return m.Err()
}
