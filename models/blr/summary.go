package blr

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Summary is a Gaussian summary of a posterior over the weights: their
// means and standard deviations and, when known, their covariance as rows.
type Summary struct {
	Mean []float64   `json:"mean"`
	Std  []float64   `json:"std"`
	Cov  [][]float64 `json:"cov,omitempty"`
}

// Summary returns the exact posterior's means, standard deviations and
// covariance.
func (p *Posterior) Summary() Summary {
	s := Summary{Mean: p.Mean, Cov: CovRows(p.Cov)}
	for i := range p.Mean {
		s.Std = append(s.Std, math.Sqrt(p.Cov.At(i, i)))
	}
	return s
}

// Summary returns the factorised q's means and standard deviations.
func (q *MeanField) Summary() Summary {
	s := Summary{Mean: q.Mean}
	for _, v := range q.Var {
		s.Std = append(s.Std, math.Sqrt(v))
	}
	return s
}

// CovRows returns the rows of the symmetric matrix c.
func CovRows(c mat.Symmetric) [][]float64 {
	n := c.SymmetricDim()
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			out[i][j] = c.At(i, j)
		}
	}
	return out
}

// Comparison measures a fitted Gaussian q against the exact posterior.
type Comparison struct {
	LogEvidence   float64 `json:"log_evidence"`           // ln p(y), the bound every ELBO stays below
	MeanFieldELBO float64 `json:"meanfield_optimum_elbo"` // the best factorised q's ELBO
	// MaxAbsMeanError is maxⱼ |μⱼ − m_N,j|.
	MaxAbsMeanError float64 `json:"max_abs_mean_error"`
	// MaxRelStdErrorMF is maxⱼ |σⱼ − σ*ⱼ|/σ*ⱼ, σ*ⱼ = 1/√A_jj the best
	// factorised q's standard deviation (which a full-covariance q need
	// not match: its marginal sds are the exact posterior's, larger).
	MaxRelStdErrorMF float64 `json:"max_rel_std_error_vs_meanfield_optimum"`
}

// Compare measures q, summarized by its means and standard deviations,
// against p.
func (p *Posterior) Compare(q Summary) (*Comparison, error) {
	d := len(p.Mean)
	if len(q.Mean) != d || len(q.Std) != d {
		return nil, fmt.Errorf("blr: Compare: %d means and %d sds for %d weights", len(q.Mean), len(q.Std), d)
	}
	c := &Comparison{LogEvidence: p.LogEvidence, MeanFieldELBO: p.MeanFieldELBO}
	for j := 0; j < d; j++ {
		c.MaxAbsMeanError = math.Max(c.MaxAbsMeanError, math.Abs(q.Mean[j]-p.Mean[j]))
		sd := math.Sqrt(p.MeanFieldVar[j])
		c.MaxRelStdErrorMF = math.Max(c.MaxRelStdErrorMF, math.Abs(q.Std[j]-sd)/sd)
	}
	return c, nil
}
