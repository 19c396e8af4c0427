package kl

import (
	"fmt"
	"math"
)

// Gaussian is the bivariate normal N(Mean, Cov); Cov must be symmetric
// positive definite (see Validate).
type Gaussian struct {
	Mean [2]float64    `json:"mean"`
	Cov  [2][2]float64 `json:"cov"` // row-major, symmetric
}

// Validate reports an error unless the mean is finite and Cov is finite,
// symmetric and positive definite.
func (g Gaussian) Validate() error {
	for _, v := range []float64{g.Mean[0], g.Mean[1], g.Cov[0][0], g.Cov[0][1], g.Cov[1][0], g.Cov[1][1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("kl: Gaussian %v has a non-finite entry", g)
		}
	}
	if g.Cov[0][1] != g.Cov[1][0] {
		return fmt.Errorf("kl: Gaussian covariance %v is not symmetric", g.Cov)
	}
	if !(g.Cov[0][0] > 0) || !(g.det() > 0) {
		return fmt.Errorf("kl: Gaussian covariance %v is not positive definite", g.Cov)
	}
	return nil
}

func (g Gaussian) det() float64 { return g.Cov[0][0]*g.Cov[1][1] - g.Cov[0][1]*g.Cov[1][0] }

// Precision returns Λ = Cov⁻¹.
func (g Gaussian) Precision() [2][2]float64 {
	d := g.det()
	return [2][2]float64{{g.Cov[1][1] / d, -g.Cov[0][1] / d}, {-g.Cov[1][0] / d, g.Cov[0][0] / d}}
}

// LogPdf returns log N(x; Mean, Cov) = −½ (x−μ)ᵀΛ(x−μ) − ½ log|2πΣ|.
func (g Gaussian) LogPdf(x [2]float64) float64 {
	l := g.Precision()
	a, b := x[0]-g.Mean[0], x[1]-g.Mean[1]
	q := l[0][0]*a*a + 2*l[0][1]*a*b + l[1][1]*b*b
	return -0.5*q - math.Log(2*math.Pi) - 0.5*math.Log(g.det())
}

// Std returns the marginal standard deviations √Σ_ii.
func (g Gaussian) Std() [2]float64 { return [2]float64{math.Sqrt(g.Cov[0][0]), math.Sqrt(g.Cov[1][1])} }

// KLGaussian returns the closed form
//
//	KL(p‖q) = ½ [tr(Σ_q⁻¹Σ_p) + (μ_q−μ_p)ᵀΣ_q⁻¹(μ_q−μ_p) − 2 + log(|Σ_q|/|Σ_p|)]
//
// of two bivariate normals (the standard closed form at d = 2).
func KLGaussian(p, q Gaussian) (float64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := q.Validate(); err != nil {
		return 0, err
	}
	l := q.Precision()
	tr := l[0][0]*p.Cov[0][0] + l[0][1]*p.Cov[1][0] + l[1][0]*p.Cov[0][1] + l[1][1]*p.Cov[1][1]
	a, b := q.Mean[0]-p.Mean[0], q.Mean[1]-p.Mean[1]
	m := l[0][0]*a*a + 2*l[0][1]*a*b + l[1][1]*b*b
	return 0.5 * (tr + m - 2 + math.Log(q.det()/p.det())), nil
}
