package softmaxreg

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/svi"
)

// Importance is a self-normalized importance-sampling estimate of the
// posterior from the Laplace proposal.
type Importance struct {
	Mean, SD  []float64 // weighted posterior means and standard deviations of θ
	KHat      float64   // PSIS k̂ of the log ratios (reliable below Threshold)
	Threshold float64
	ESS       float64   // 1/Σ w̃² of the smoothed, normalized weights
	Draws     []float64 // S×Dim proposal draws
	LogW      []float64 // their smoothed, normalized log weights
}

// Importance draws s values from the Laplace approximation la, weighs
// them by p(θ | data)/N(θ; Mode, Cov) with Pareto smoothing
// (svi.ParetoSmooth), and returns the weighted moments.
func (p *Posterior) Importance(la *Laplace, s int, r *rand.Rand) (*Importance, error) {
	n := p.Dim()
	if s < 10 {
		return nil, fmt.Errorf("softmaxreg: importance sampling needs at least 10 draws, got %d", s)
	}
	draws := make([]float64, s*n)
	lw := make([]float64, s)
	z := make([]float64, n)
	for k := 0; k < s; k++ {
		var q float64
		for i := range z {
			z[i] = r.NormFloat64()
			q -= z[i] * z[i] / 2 // log N(θ; Mode, Cov) up to the constant
		}
		th := draws[k*n : (k+1)*n]
		mat.NewVecDense(n, th).MulVec(la.L, mat.NewVecDense(n, z))
		for i, m := range la.Mode {
			th[i] += m
		}
		lw[k] = p.LogDensity(nil, th) - q
	}
	ps, err := svi.ParetoSmooth(lw)
	if err != nil {
		return nil, fmt.Errorf("softmaxreg: %w", err)
	}
	out := &Importance{Mean: make([]float64, n), SD: make([]float64, n), KHat: ps.KHat, Threshold: ps.Threshold,
		ESS: ps.ESS, Draws: draws, LogW: ps.LogWeights}
	for k, l := range ps.LogWeights {
		w := math.Exp(l)
		for i, v := range draws[k*n : (k+1)*n] {
			out.Mean[i] += w * v
		}
	}
	for k, l := range ps.LogWeights {
		w := math.Exp(l)
		for i, v := range draws[k*n : (k+1)*n] {
			d := v - out.Mean[i]
			out.SD[i] += w * d * d
		}
	}
	for i, v := range out.SD {
		out.SD[i] = math.Sqrt(v)
	}
	return out, nil
}
