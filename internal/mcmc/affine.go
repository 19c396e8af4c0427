package mcmc

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Affine is the reparameterization x = M + L z of a target on x, with L
// lower triangular (a Cholesky factor of an approximate covariance of x):
// HMC on z then sees a roughly isotropic target when L fits.
type Affine struct {
	M []float64
	L *mat.TriDense
}

// NewAffine returns the map x = m + L z; L must be D×D lower triangular.
func NewAffine(m []float64, l *mat.TriDense) (*Affine, error) {
	n, kind := l.Triangle()
	if n != len(m) || kind != mat.Lower {
		return nil, fmt.Errorf("mcmc: NewAffine needs a %d×%d lower-triangular factor, got %d×%d (%v)", len(m), len(m), n, n, kind)
	}
	return &Affine{M: m, L: l}, nil
}

// X writes x = M + L z into dst and returns it (a new slice when dst is
// nil).
func (a *Affine) X(dst, z []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(a.M))
	}
	xv := mat.NewVecDense(len(dst), dst)
	xv.MulVec(a.L, mat.NewVecDense(len(z), z))
	for i, v := range a.M {
		dst[i] += v
	}
	return dst
}

// Z writes z = L⁻¹ (x − M) into dst and returns it.
func (a *Affine) Z(dst, x []float64) ([]float64, error) {
	if dst == nil {
		dst = make([]float64, len(a.M))
	}
	for i, v := range a.M {
		dst[i] = x[i] - v
	}
	zv := mat.NewVecDense(len(dst), dst)
	if err := zv.SolveVec(a.L, mat.NewVecDense(len(dst), append([]float64(nil), dst...))); err != nil {
		return nil, fmt.Errorf("mcmc: Affine.Z: %w", err)
	}
	return dst, nil
}

// Target returns the log-density of z, log π(M + L z) (the Jacobian is a
// constant), with gradient Lᵀ ∇ log π. It is safe for concurrent use if t
// is.
func (a *Affine) Target(t Target) Target {
	n := len(a.M)
	return func(grad, z []float64) float64 {
		x, gx := a.X(nil, z), make([]float64, n)
		lp := t(gx, x)
		gz := mat.NewVecDense(n, grad)
		gz.MulVec(a.L.T(), mat.NewVecDense(n, gx))
		return lp
	}
}

// XDraws maps every draw of ch from z to x in place.
func (a *Affine) XDraws(ch *Chains) {
	z := make([]float64, ch.D)
	for _, d := range ch.Draws {
		for i := 0; i+ch.D <= len(d); i += ch.D {
			copy(z, d[i:i+ch.D])
			a.X(d[i:i+ch.D], z)
		}
	}
}
