package blr

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// GammaPrior is the hyperprior p(α) = Gam(α | A0, B0) with shape A0 and
// rate B0 (mean A0/B0), as in PRML 10.89.
type GammaPrior struct {
	A0, B0 float64
}

// VBPosterior is the variational posterior q(w) q(α) of PRML §10.3.
type VBPosterior struct {
	Mean []float64     // m_N
	Cov  *mat.SymDense // S_N

	AN, BN float64 // q(α) = Gam(α | AN, BN), rate BN
	EAlpha float64 // E[α] = AN/BN, the value used in the last q(w) update

	// Bound holds the lower bound L(q) of PRML 10.107 after each iteration
	// (non-decreasing).
	Bound      []float64
	Iterations int
	Converged  bool
}

// VB fits q(w) q(α) for the model w | α ~ N(0, α⁻¹I), α ~ Gam(a₀, b₀),
// y | w ~ N(Xw, β⁻¹I) with β fixed, by coordinate ascent starting from
// E[α] = a₀/b₀. Each iteration updates q(w) (PRML 10.100–10.101), then q(α)
// (10.94–10.95), then records the bound (10.107–10.112).
func VB(x, y []float64, d int, beta float64, prior GammaPrior, set Settings) (*VBPosterior, error) {
	if err := checkPositive("beta", beta); err != nil {
		return nil, err
	}
	if err := checkPositive("GammaPrior.A0", prior.A0); err != nil {
		return nil, err
	}
	if err := checkPositive("GammaPrior.B0", prior.B0); err != nil {
		return nil, err
	}
	set, err := set.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := newStats(x, y, d)
	if err != nil {
		return nil, err
	}
	q := &VBPosterior{EAlpha: prior.A0 / prior.B0, AN: prior.A0 + 0.5*float64(d)}
	for it := 1; it <= set.MaxIter; it++ {
		post, err := exact(s, q.EAlpha, beta)
		if err != nil {
			return nil, fmt.Errorf("%w (iteration %d, E[α] = %v)", err, it, q.EAlpha)
		}
		q.Mean, q.Cov = post.Mean, post.Cov
		var mm, tr float64
		for j, m := range q.Mean {
			mm += m * m
			tr += q.Cov.At(j, j)
		}
		q.BN = prior.B0 + 0.5*(mm+tr)
		q.Bound = append(q.Bound, vbBound(s, beta, prior, q, -post.LogDetPrec))
		q.Iterations = it
		next := q.AN / q.BN
		done := math.Abs(next-q.EAlpha) <= set.Tol*q.EAlpha
		q.EAlpha = next
		if done {
			q.Converged = true
			break
		}
	}
	return q, nil
}

// vbBound evaluates PRML 10.107 at q(w) = N(Mean, Cov), q(α) = Gam(AN, BN),
// given ln|S_N|.
func vbBound(s *stats, beta float64, prior GammaPrior, q *VBPosterior, logDetCov float64) float64 {
	n, d := float64(s.n), float64(s.d)
	var mm, tr float64
	for j, m := range q.Mean {
		mm += m * m
		tr += q.Cov.At(j, j)
	}
	eLogAlpha := mathext.Digamma(q.AN) - math.Log(q.BN)
	eAlpha := q.AN / q.BN
	lgA0, _ := math.Lgamma(prior.A0)
	lgAN, _ := math.Lgamma(q.AN)

	// 10.108: E[ln p(y | w)], written with ‖y − Xm‖² + tr(XᵀX S_N).
	pY := 0.5*n*math.Log(beta/(2*math.Pi)) - 0.5*beta*(s.sqResid(q.Mean)+s.traceXtX(q.Cov))
	// 10.109: E[ln p(w | α)].
	pW := -0.5*d*math.Log(2*math.Pi) + 0.5*d*eLogAlpha - 0.5*eAlpha*(mm+tr)
	// 10.110: E[ln p(α)].
	pA := prior.A0*math.Log(prior.B0) + (prior.A0-1)*eLogAlpha - prior.B0*eAlpha - lgA0
	// 10.111: −E[ln q(w)] = H[q(w)].
	hW := 0.5*logDetCov + 0.5*d*(1+math.Log(2*math.Pi))
	// 10.112: −E[ln q(α)] = H[q(α)].
	hA := lgAN - (q.AN-1)*mathext.Digamma(q.AN) - math.Log(q.BN) + q.AN
	return pY + pW + pA + hW + hA
}
