package kl

import (
	"fmt"
	"math"

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
// N(μ, diag(1/Λ_ii)) plus the factor "cross" = −Λ₁₂(z₁−μ₁)(z₂−μ₂) + c,
// with c = ½ Σ_i log(1/Λ_ii) − ½ log|Σ| making the log-joint log p(z)
// exactly, so −ELBO = KL(q‖p).
func (c Correlated) Model() svi.Model { return correlatedModel{c} }

type correlatedModel struct{ c Correlated }

func (cm correlatedModel) Build(m *svi.M) error {
	p := cm.c.P
	l := p.Precision()
	sd := []float64{1 / math.Sqrt(l[0][0]), 1 / math.Sqrt(l[1][1])}
	konst := math.Log(sd[0]) + math.Log(sd[1]) - 0.5*math.Log(p.det())
	z := m.Sample("z", dist.Normal{Loc: m.Array(p.Mean[:], 2), Scale: m.Array(sd, 2)}, 2)
	d := m.Sub(z, m.Array(p.Mean[:], 2))
	off := m.Array([]float64{0, l[0][1], l[1][0], 0}, 2, 2)
	quad := m.Sum(m.Mul(d, m.MatMul(off, d)))
	m.Factor("cross", m.Add(m.Mul(m.Const(-0.5), quad), m.Const(konst)))
	return m.Err()
}
