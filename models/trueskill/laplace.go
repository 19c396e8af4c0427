package trueskill

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// quadraticRegion is the predicted ascent, relative to |log joint|, below
// which Laplace takes full Newton steps: 1e-10 is a thousand times the
// rounding of a sum of a few thousand terms.
const quadraticRegion = 1e-10

// LaplaceSettings controls [Laplace]. The zero value is valid.
type LaplaceSettings struct {
	MaxIter int     // Newton iterations; 0 means 100
	Tol     float64 // stop when no coordinate moves by more than Tol; 0 means 1e-10
}

// Laplace returns the Laplace approximation of the posterior for either
// link: the mode of the log joint, found by Newton's method with
// backtracking, and the inverse of the negative Hessian there as covariance.
// The log joint is strictly concave (Gaussian prior, log-concave
// likelihoods), so the mode is unique.
func Laplace(ds *Dataset, c Config, s *LaplaceSettings) (*Posterior, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := c.checkData(ds); err != nil {
		return nil, err
	}
	set, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	n := len(ds.Players)
	x := make([]float64, n)
	for i := range x {
		x[i] = c.Mu0
	}
	negHess := func(x []float64) *mat.SymDense { return c.negHessian(ds, x) }
	if err := c.newtonMode(ds, x, set); err != nil {
		return nil, err
	}
	var chol mat.Cholesky
	if !chol.Factorize(negHess(x)) {
		return nil, fmt.Errorf("trueskill: Laplace: negative Hessian not positive definite at the mode")
	}
	cov := mat.NewSymDense(n, nil)
	if err := chol.InverseTo(cov); err != nil {
		return nil, fmt.Errorf("trueskill: Laplace: %w", err)
	}
	p := &Posterior{Players: append([]string(nil), ds.Players...), Mean: x, Std: make([]float64, n), Cov: cov}
	for i := range p.Std {
		p.Std[i] = math.Sqrt(cov.At(i, i))
	}
	return p, nil
}

func (s *LaplaceSettings) withDefaults() (LaplaceSettings, error) {
	var set LaplaceSettings
	if s != nil {
		set = *s
	}
	if set.MaxIter < 0 || set.Tol < 0 {
		return set, fmt.Errorf("trueskill: Laplace: invalid settings %+v", set)
	}
	if set.MaxIter == 0 {
		set.MaxIter = 100
	}
	if set.Tol == 0 {
		set.Tol = 1e-10
	}
	return set, nil
}

// negHessian returns −∇² log p(s, data) at skills x.
func (c Config) negHessian(ds *Dataset, x []float64) *mat.SymDense {
	n := len(x)
	h := mat.NewSymDense(n, nil)
	prior := 1 / (c.Sigma0 * c.Sigma0)
	for i := 0; i < n; i++ {
		h.SetSym(i, i, prior)
	}
	for _, gm := range ds.Games {
		_, _, hg := c.LogLikDerivs(gm.Result, x[gm.P1]-x[gm.P2])
		i, j := gm.P1, gm.P2
		h.SetSym(i, i, h.At(i, i)-hg)
		h.SetSym(j, j, h.At(j, j)-hg)
		h.SetSym(i, j, h.At(i, j)+hg)
	}
	return h
}

// newtonMode moves x to the mode of the log joint by Newton's method with
// backtracking.
func (c Config) newtonMode(ds *Dataset, x []float64, set LaplaceSettings) error {
	n := len(x)
	grad := make([]float64, n)
	trial := make([]float64, n)
	lp, err := c.LogJoint(ds, x, grad)
	if err != nil {
		return err
	}
	for it := 0; it < set.MaxIter; it++ {
		var chol mat.Cholesky
		if !chol.Factorize(c.negHessian(ds, x)) {
			return fmt.Errorf("trueskill: Laplace: negative Hessian not positive definite at iteration %d", it)
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(n, grad)); err != nil {
			return fmt.Errorf("trueskill: Laplace: %w", err)
		}
		maxStep := 0.0
		for i := range x {
			maxStep = math.Max(maxStep, math.Abs(step.AtVec(i)))
		}
		if maxStep < set.Tol {
			return nil
		}
		// Backtrack until the log joint does not decrease, unless the
		// predicted ascent ∇ᵀstep is below what the log joint resolves:
		// there Newton's method is in its quadratic regime and the full
		// step is right even if rounding hides the improvement.
		ascent := mat.Dot(mat.NewVecDense(n, grad), &step)
		for t := 1.0; ; t /= 2 {
			if t < 1e-12 {
				return fmt.Errorf("trueskill: Laplace: line search failed at iteration %d (Newton step %g)", it, maxStep)
			}
			for i := range x {
				trial[i] = x[i] + t*step.AtVec(i)
			}
			lpt, _ := c.LogJoint(ds, trial, nil)
			if lpt >= lp || ascent <= quadraticRegion*math.Max(1, math.Abs(lp)) {
				break
			}
		}
		copy(x, trial)
		if lp, err = c.LogJoint(ds, x, grad); err != nil {
			return err
		}
	}
	return fmt.Errorf("trueskill: Laplace: no convergence in %d Newton iterations", set.MaxIter)
}
