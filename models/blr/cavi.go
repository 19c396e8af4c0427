package blr

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// MeanField is a fully factorised Gaussian q(w) = Πⱼ N(wⱼ; Mean[j], Var[j])
// fitted by [CAVI].
type MeanField struct {
	Mean []float64 // μⱼ
	Var  []float64 // σⱼ² = 1/A_jj, fixed by α, β and X

	// ELBO holds the evidence lower bound after each sweep (non-decreasing).
	ELBO       []float64
	Iterations int  // sweeps run
	Converged  bool // whether the Tol criterion was met before MaxIter
}

// CAVI fits the factorised q(w) = Πⱼ q(wⱼ) by coordinate ascent with α and β
// fixed, starting from μ = 0 and updating j = 0, …, d−1 in turn each sweep.
// It converges to the means m_N and variances 1/A_jj of [Exact]'s
// mean-field optimum; the ELBO after every sweep is recorded.
func CAVI(x, y []float64, d int, alpha, beta float64, set Settings) (*MeanField, error) {
	if err := checkPositive("alpha", alpha); err != nil {
		return nil, err
	}
	if err := checkPositive("beta", beta); err != nil {
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
	a := s.precision(alpha, beta)
	q := &MeanField{Mean: make([]float64, d), Var: make([]float64, d)}
	cov := mat.NewDiagDense(d, q.Var)
	var logDet float64
	for j := range q.Var {
		q.Var[j] = 1 / a.At(j, j)
		logDet += math.Log(q.Var[j])
	}
	for it := 1; it <= set.MaxIter; it++ {
		var step, size float64
		for j := 0; j < d; j++ {
			r := beta * s.xty[j]
			for i := 0; i < d; i++ {
				if i != j {
					r -= a.At(j, i) * q.Mean[i]
				}
			}
			m := r / a.At(j, j)
			step = math.Max(step, math.Abs(m-q.Mean[j]))
			size = math.Max(size, math.Abs(m))
			q.Mean[j] = m
		}
		q.ELBO = append(q.ELBO, elboGaussian(s, alpha, beta, q.Mean, cov, logDet))
		q.Iterations = it
		if step <= set.Tol*(1+size) {
			q.Converged = true
			break
		}
	}
	return q, nil
}
