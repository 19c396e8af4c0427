package blr

import (
	"fmt"
	"math"
	"sort"
)

// PredictiveCheck compares draws of the targets from a fitted posterior
// predictive (svi.Trainer.Predictive's "y", n draws × N rows) with the
// data and with the exact posterior predictive
//
//	p(yᵢ | y) = N(φᵢᵀm_N, 1/β + φᵢᵀS_Nφᵢ)  (PRML 3.58–3.59).
type PredictiveCheck struct {
	Draws int `json:"draws"`
	// Coverage95 is the fraction of targets inside their central 95 %
	// interval of the draws (about 0.95 for a calibrated predictive).
	Coverage95 float64 `json:"coverage95"`
	// ExactCoverage95 is the same for the exact predictive's intervals.
	ExactCoverage95 float64 `json:"exact_coverage95"`
	// MaxAbsMeanError is maxᵢ |mean of the draws − φᵢᵀm_N|, and
	// MaxRelStdError maxᵢ |sd of the draws − exact sd| / exact sd.
	MaxAbsMeanError float64 `json:"max_abs_mean_error_vs_exact"`
	MaxRelStdError  float64 `json:"max_rel_std_error_vs_exact"`
}

// CheckPredictive summarizes draws (n×N row-major, n = len(draws)/N) of
// the targets y of the design x (N×d) against y and against p's exact
// posterior predictive.
func (p *Posterior) CheckPredictive(x, y []float64, d int, draws []float64) (*PredictiveCheck, error) {
	n := len(y)
	if d != len(p.Mean) || len(x) != n*d || n == 0 || len(draws) == 0 || len(draws)%n != 0 {
		return nil, fmt.Errorf("blr: CheckPredictive: %d draws for %d targets of a %d×%d design (the posterior has %d weights)", len(draws), n, n, d, len(p.Mean))
	}
	k := len(draws) / n
	c := &PredictiveCheck{Draws: k}
	col := make([]float64, k)
	const z975 = 1.959963984540054 // Φ⁻¹(0.975)
	for i := 0; i < n; i++ {
		phi := x[i*d : (i+1)*d]
		m, v := 0.0, 1/p.Beta
		for a := 0; a < d; a++ {
			m += phi[a] * p.Mean[a]
			for b := 0; b < d; b++ {
				v += phi[a] * p.Cov.At(a, b) * phi[b]
			}
		}
		sd := math.Sqrt(v)
		var sum, sumsq float64
		for j := range col {
			col[j] = draws[j*n+i]
			sum += col[j]
			sumsq += col[j] * col[j]
		}
		mean := sum / float64(k)
		gsd := math.Sqrt(math.Max(sumsq/float64(k)-mean*mean, 0) * float64(k) / float64(max(k-1, 1)))
		c.MaxAbsMeanError = math.Max(c.MaxAbsMeanError, math.Abs(mean-m))
		c.MaxRelStdError = math.Max(c.MaxRelStdError, math.Abs(gsd-sd)/sd)
		sort.Float64s(col)
		lo, hi := col[int(0.025*float64(k-1))], col[int(math.Ceil(0.975*float64(k-1)))]
		if y[i] >= lo && y[i] <= hi {
			c.Coverage95++
		}
		if math.Abs(y[i]-m) <= z975*sd {
			c.ExactCoverage95++
		}
	}
	c.Coverage95 /= float64(n)
	c.ExactCoverage95 /= float64(n)
	return c, nil
}
