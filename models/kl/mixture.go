package kl

import (
	"fmt"
	"math"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/svi"
)

// MaxSeparation is the largest separation NewMixture accepts: beyond it the
// components are so far apart (more than 50 standard deviations) that the
// grid quadrature needs more nodes than MaxGridNodes allows at its spacing.
const MaxSeparation = 50

// Mixture is the two-component bivariate Gaussian mixture
//
//	p(z) = ½ N(z; (−D/2, 0), I) + ½ N(z; (+D/2, 0), I)
//
// with D = Separation ≥ 0 the distance between the component means in
// units of their (unit) standard deviation. p is unimodal for D ≤ 2 and
// bimodal for D > 2 (the modes of an equal-weight mixture of two unit
// normals split at D = 2).
type Mixture struct {
	Separation float64
}

// NewMixture returns the mixture of separation d: finite, 0 ≤ d ≤
// MaxSeparation (d = 0 is one standard normal, both components coinciding).
func NewMixture(d float64) (Mixture, error) {
	if math.IsNaN(d) || d < 0 || d > MaxSeparation {
		return Mixture{}, fmt.Errorf("kl: separation %v must lie in [0, %d]", d, MaxSeparation)
	}
	return Mixture{Separation: d}, nil
}

// Components returns the two components, left then right.
func (m Mixture) Components() [2]Gaussian {
	h := m.Separation / 2
	id := [2][2]float64{{1, 0}, {0, 1}}
	return [2]Gaussian{{Mean: [2]float64{-h, 0}, Cov: id}, {Mean: [2]float64{h, 0}, Cov: id}}
}

// LogPdf returns log p(z), computed without underflow as
//
//	log p(z) = log N(z; μ₁, I) − log 2 + softplus(D z₁),
//
// since log N(z; μ₂, I) − log N(z; μ₁, I) = (μ₂ − μ₁)·z = D z₁.
func (m Mixture) LogPdf(z [2]float64) float64 {
	c := m.Components()
	return c[0].LogPdf(z) - math.Ln2 + softplus(m.Separation*z[0])
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// MomentMatch returns the Gaussian of the mixture's mean and covariance,
// the minimizer of KL(p‖q) over all bivariate normals q:
//
//	μ = ½(μ₁ + μ₂) = 0,  Σ = ½ Σ_k [I + (μ_k − μ)(μ_k − μ)ᵀ] = I + diag(D²/4, 0).
func (m Mixture) MomentMatch() Gaussian {
	c := m.Components()
	var g Gaussian
	for _, k := range c {
		for i := 0; i < 2; i++ {
			g.Mean[i] += k.Mean[i] / 2
		}
	}
	for _, k := range c {
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				g.Cov[i][j] += (k.Cov[i][j] + (k.Mean[i]-g.Mean[i])*(k.Mean[j]-g.Mean[j])) / 2
			}
		}
	}
	return g
}

// Model returns p as an svi.Model over one 2-vector site "z": the prior
// N(μ₁, I) plus the factor "mix" = softplus(D z₁) − log 2, so that the
// log-joint is log p(z) exactly and −ELBO = KL(q‖p).
func (m Mixture) Model() svi.Model { return mixtureModel{m} }

type mixtureModel struct{ m Mixture }

func (mm mixtureModel) Build(m *svi.M) error {
	c := mm.m.Components()
	z := m.Sample("z", dist.Normal{Loc: m.Array(c[0].Mean[:], 2), Scale: m.Const(1)}, 2)
	dz := m.Sum(m.Mul(z, m.Array([]float64{mm.m.Separation, 0}, 2)))
	m.Factor("mix", m.Sub(m.Softplus(dz), m.Const(math.Ln2)))
	return m.Err()
}

// Grid returns the quadrature grid for p and the given q's: GridFor's,
// with the z₁ spacing refined to at most π/(GridPerSD·D). log p(z) is
// analytic only in the strip |Im z₁| < π/D (p vanishes where e^{D z₁} = −1),
// and the trapezoid rule's error falls as exp(−2π·(strip width)/h), so the
// spacing must shrink with the separation (still at most MaxGridNodes).
func (m Mixture) Grid(qs ...Gaussian) (Grid, error) {
	c := m.Components()
	g, err := GridFor(append([]Gaussian{c[0], c[1]}, qs...)...)
	if err != nil || m.Separation == 0 {
		return g, err
	}
	h := math.Pi / (GridPerSD * m.Separation)
	n := int(math.Ceil((g.Hi[0]-g.Lo[0])/h)) + 1
	n = min(n+1-n%2, MaxGridNodes)
	g.N[0] = max(g.N[0], n)
	return g, nil
}
