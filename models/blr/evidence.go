package blr

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Evidence returns the exact posterior at the precisions α and β that
// maximize the log evidence ln p(y | α, β) (type-II maximum likelihood,
// the evidence approximation of PRML §3.5), found by the fixed-point
// iteration of PRML 3.92 and 3.95:
//
//	γ = Σᵢ λᵢ/(α + λᵢ),  λᵢ the eigenvalues of β XᵀX,
//	α ← γ / m_Nᵀm_N,    1/β ← ‖y − X m_N‖² / (N − γ),
//
// from α = 1 and β = 1/(the mean of y²), until both change by less than
// set.Tol relatively (set.MaxIter iterations at most; the zero Settings
// means 1e-14 and 10000). It fails when the iteration leaves the positive
// reals (for example a perfect fit, ‖y − X m_N‖ = 0, or N ≤ γ).
func Evidence(x, y []float64, d int, set Settings) (*Posterior, error) {
	set, err := set.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := newStats(x, y, d)
	if err != nil {
		return nil, err
	}
	var eig mat.EigenSym
	if !eig.Factorize(s.xtx, false) {
		return nil, fmt.Errorf("blr: Evidence: the eigendecomposition of XᵀX failed")
	}
	lam := eig.Values(nil)
	alpha, beta := 1.0, float64(s.n)/s.yty
	for range set.MaxIter {
		p, err := exact(s, alpha, beta)
		if err != nil {
			return nil, err
		}
		var gamma, mm float64
		for _, l := range lam {
			gamma += beta * l / (alpha + beta*l)
		}
		for _, m := range p.Mean {
			mm += m * m
		}
		na, nb := gamma/mm, (float64(s.n)-gamma)/s.sqResid(p.Mean)
		if !(na > 0) || !(nb > 0) || math.IsInf(na+nb, 0) {
			return nil, fmt.Errorf("blr: Evidence: the fixed point left the positive reals (α = %v, β = %v)", na, nb)
		}
		done := math.Abs(na-alpha) <= set.Tol*alpha && math.Abs(nb-beta) <= set.Tol*beta
		alpha, beta = na, nb
		if done {
			return exact(s, alpha, beta)
		}
	}
	return nil, fmt.Errorf("blr: Evidence: α and β did not settle in %d iterations", set.MaxIter)
}

// Predict returns the mean φᵀm_N and variance 1/β + φᵀS_Nφ of the exact
// posterior predictive N(y*; φᵀm_N, 1/β + φᵀS_Nφ) (PRML 3.58–3.59) at each
// row φ of x (row-major, as many columns as p has weights).
func (p *Posterior) Predict(x []float64) (mean, vr []float64, err error) {
	d := len(p.Mean)
	if len(x) == 0 || len(x)%d != 0 {
		return nil, nil, fmt.Errorf("blr: Predict: %d values are not rows of %d columns", len(x), d)
	}
	n := len(x) / d
	mean, vr = make([]float64, n), make([]float64, n)
	for i := range n {
		phi := mat.NewVecDense(d, x[i*d:(i+1)*d])
		mean[i] = mat.Dot(phi, mat.NewVecDense(d, p.Mean))
		vr[i] = 1/p.Beta + mat.Inner(phi, p.Cov, phi)
	}
	return mean, vr, nil
}
