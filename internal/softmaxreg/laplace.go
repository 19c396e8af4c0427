package softmaxreg

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Laplace is the Gaussian approximation N(Mode, H⁻¹) of the posterior at
// its mode, H the negative Hessian there.
type Laplace struct {
	Mode []float64
	Cov  *mat.SymDense // H⁻¹
	L    *mat.TriDense // lower Cholesky factor of Cov
	SD   []float64     // √diag(Cov)
	Grad float64       // ‖∇ log p‖∞ at Mode after the search
}

// NewLaplace finds the mode with L-BFGS from zero, polishes it with
// Newton steps (the Hessian is exact and the posterior log-concave) until
// the gradient's largest element is below 1e-8 (at most 20 steps), and
// factors the covariance.
func (p *Posterior) NewLaplace() (*Laplace, error) {
	n := p.Dim()
	prob := optimize.Problem{
		Func: func(x []float64) float64 { return -p.LogDensity(nil, x) },
		Grad: func(g, x []float64) {
			p.LogDensity(g, x)
			floats.Scale(-1, g)
		},
	}
	res, err := optimize.Minimize(prob, make([]float64, n), &optimize.Settings{GradientThreshold: 1e-6}, &optimize.LBFGS{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("softmaxreg: MAP: %w", err)
	}
	x := append([]float64(nil), res.X...)
	g := make([]float64, n)
	var gmax float64
	for it := 0; it < 20; it++ {
		p.LogDensity(g, x)
		if gmax = floats.Norm(g, math.Inf(1)); gmax < 1e-8 {
			break
		}
		var ch mat.Cholesky
		if !ch.Factorize(p.NegHessian(x)) {
			return nil, errors.New("softmaxreg: the negative Hessian is not positive definite")
		}
		var step mat.VecDense
		if err := ch.SolveVecTo(&step, mat.NewVecDense(n, g)); err != nil {
			return nil, fmt.Errorf("softmaxreg: Newton step: %w", err)
		}
		floats.Add(x, step.RawVector().Data)
	}
	return laplaceAt(p, x, gmax)
}

// laplaceAt factors the negative Hessian at the mode x.
func laplaceAt(p *Posterior, x []float64, gmax float64) (*Laplace, error) {
	n := len(x)
	var ch mat.Cholesky
	if !ch.Factorize(p.NegHessian(x)) {
		return nil, errors.New("softmaxreg: the negative Hessian at the mode is not positive definite")
	}
	cov := mat.NewSymDense(n, nil)
	if err := ch.InverseTo(cov); err != nil {
		return nil, fmt.Errorf("softmaxreg: inverting the Hessian: %w", err)
	}
	var cc mat.Cholesky
	if !cc.Factorize(cov) {
		return nil, errors.New("softmaxreg: the Laplace covariance is not positive definite")
	}
	l := mat.NewTriDense(n, mat.Lower, nil)
	cc.LTo(l)
	sd := make([]float64, n)
	for i := range sd {
		sd[i] = math.Sqrt(cov.At(i, i))
	}
	return &Laplace{Mode: x, Cov: cov, L: l, SD: sd, Grad: gmax}, nil
}
