package blr

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Posterior is the exact posterior of Bayesian linear regression with fixed
// precisions α and β, with the log evidence and the best mean-field Gaussian.
type Posterior struct {
	Alpha, Beta float64 // prior precision α and noise precision β

	Mean []float64     // posterior mean m_N (PRML 3.53)
	Cov  *mat.SymDense // posterior covariance S_N = (α I + β XᵀX)⁻¹ (PRML 3.54)

	LogEvidence float64 // ln p(y | α, β) (PRML 3.86)
	LogDetPrec  float64 // ln|A|, A = S_N⁻¹

	// MeanFieldVar holds the variances 1/A_jj of the best factorised
	// Gaussian; its means are Mean.
	MeanFieldVar []float64
	// MeanFieldELBO is the ELBO of that factorised Gaussian,
	// ln p(y) − ½ (Σⱼ ln A_jj − ln|A|).
	MeanFieldELBO float64

	s *stats
}

// Exact returns the posterior of w ~ N(0, α⁻¹I), y ~ N(Xw, β⁻¹I) for the
// row-major N×d design matrix x and targets y, computed with a Cholesky
// factorisation of the posterior precision.
func Exact(x, y []float64, d int, alpha, beta float64) (*Posterior, error) {
	if err := checkPositive("alpha", alpha); err != nil {
		return nil, err
	}
	if err := checkPositive("beta", beta); err != nil {
		return nil, err
	}
	s, err := newStats(x, y, d)
	if err != nil {
		return nil, err
	}
	return exact(s, alpha, beta)
}

func exact(s *stats, alpha, beta float64) (*Posterior, error) {
	a := s.precision(alpha, beta)
	var ch mat.Cholesky
	if !ch.Factorize(a) {
		return nil, fmt.Errorf("blr: posterior precision αI + βXᵀX is not positive definite")
	}
	cov := mat.NewSymDense(s.d, nil)
	if err := ch.InverseTo(cov); err != nil {
		return nil, fmt.Errorf("blr: inverting the posterior precision: %w", err)
	}
	rhs := mat.NewVecDense(s.d, nil)
	for j, v := range s.xty {
		rhs.SetVec(j, beta*v)
	}
	var m mat.VecDense
	if err := ch.SolveVecTo(&m, rhs); err != nil {
		return nil, fmt.Errorf("blr: solving for the posterior mean: %w", err)
	}
	p := &Posterior{Alpha: alpha, Beta: beta, Cov: cov, Mean: make([]float64, s.d), s: s}
	var mm float64
	for j := range p.Mean {
		p.Mean[j] = m.AtVec(j)
		mm += p.Mean[j] * p.Mean[j]
	}
	p.LogDetPrec = ch.LogDet()
	e := 0.5*beta*s.sqResid(p.Mean) + 0.5*alpha*mm
	n, d := float64(s.n), float64(s.d)
	p.LogEvidence = 0.5*d*math.Log(alpha) + 0.5*n*math.Log(beta) - e - 0.5*p.LogDetPrec - 0.5*n*math.Log(2*math.Pi)

	p.MeanFieldVar = make([]float64, s.d)
	var sumLogDiag float64
	for j := range p.MeanFieldVar {
		ajj := a.At(j, j)
		p.MeanFieldVar[j] = 1 / ajj
		sumLogDiag += math.Log(ajj)
	}
	p.MeanFieldELBO = p.LogEvidence - 0.5*(sumLogDiag-p.LogDetPrec)
	return p, nil
}

// ELBOGaussian returns the evidence lower bound of the Gaussian
// q(w) = N(mean, cov) for the data and precisions of p:
//
//	ELBO(q) = E_q[ln p(y | w) + ln p(w)] + H[q],
//
// in closed form (see the package documentation). It equals LogEvidence when
// q is the posterior and MeanFieldELBO when q is the best factorised
// Gaussian. It returns NaN when len(mean) or the size of cov differs from
// the number of columns, and −Inf when cov is not positive definite (a
// degenerate q has entropy −∞).
func (p *Posterior) ELBOGaussian(mean []float64, cov mat.Symmetric) float64 {
	if len(mean) != p.s.d || cov == nil || cov.SymmetricDim() != p.s.d {
		return math.NaN()
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return math.Inf(-1)
	}
	return elboGaussian(p.s, p.Alpha, p.Beta, mean, cov, ch.LogDet())
}

// elboGaussian is ELBOGaussian given ln|Σ|.
func elboGaussian(s *stats, alpha, beta float64, mean []float64, cov mat.Symmetric, logDetCov float64) float64 {
	n, d := float64(s.n), float64(s.d)
	var mm, tr float64
	for j, m := range mean {
		mm += m * m
		tr += cov.At(j, j)
	}
	lik := 0.5*n*math.Log(beta/(2*math.Pi)) - 0.5*beta*(s.sqResid(mean)+s.traceXtX(cov))
	prior := 0.5*d*math.Log(alpha/(2*math.Pi)) - 0.5*alpha*(mm+tr)
	ent := 0.5*d*(1+math.Log(2*math.Pi)) + 0.5*logDetCov
	return lik + prior + ent
}
