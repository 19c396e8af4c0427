package lfm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// pinvRelTol is the relative size, against the largest eigenvalue of
// Σ_n E[z̃_n z̃_nᵀ], below which [mStep] treats an eigenvalue as zero (a
// direction the data do not determine: a factor never on, or two factors
// always on together).
const pinvRelTol = 1e-12

// mStep returns the parameters that maximise the summed ELBO with λ fixed
// (see [Learn]): (W; bᵀ) by least squares on the expected sufficient
// statistics, then σ² (floored at minSigma²), then π (clipped).
func mStep(x, lambda [][]float64, minSigma float64) (Params, error) {
	n, k, d := len(x), len(lambda[0]), len(x[0])
	// S = Σ_n E[z̃z̃ᵀ] and C = Σ_n E[z̃] xᵀ, with z̃ = (z, 1).
	s := mat.NewSymDense(k+1, nil)
	c := mat.NewDense(k+1, d, nil)
	for i, l := range lambda {
		for j := 0; j < k; j++ {
			for m := j; m < k; m++ {
				v := l[j] * l[m]
				if m == j {
					v = l[j] // λλᵀ + diag(λ(1−λ)) on the diagonal: λ_j
				}
				s.SetSym(j, m, s.At(j, m)+v)
			}
			s.SetSym(j, k, s.At(j, k)+l[j])
			row := c.RawRowView(j)
			floatsAdd(row, x[i], l[j])
		}
		floatsAdd(c.RawRowView(k), x[i], 1)
	}
	s.SetSym(k, k, float64(n))
	sol, err := pinvSolve(s, c)
	if err != nil {
		return Params{}, err
	}
	p := Params{W: make([][]float64, k), B: append([]float64(nil), sol.RawRowView(k)...), Pi: make([]float64, k)}
	for j := range p.W {
		p.W[j] = append([]float64(nil), sol.RawRowView(j)...)
	}
	// σ² = 1/(ND) Σ_n (‖x_n − b − Wᵀλ_n‖² + Σ_j λ_nj(1−λ_nj)‖w_j‖²).
	p.Sigma = 1 // a placeholder for newCAVIState; only the residuals are used
	c0 := newCAVIState(p)
	var ss float64
	for i, row := range x {
		c0.residual(row, lambda[i])
		ss += dot(c0.res, c0.res)
		for j, l := range lambda[i] {
			ss += l * (1 - l) * c0.norms[j]
		}
	}
	p.Sigma = math.Max(math.Sqrt(ss/float64(n*d)), minSigma)
	for j := range p.Pi {
		var m float64
		for _, l := range lambda {
			m += l[j]
		}
		p.Pi[j] = math.Min(math.Max(m/float64(n), piClip), 1-piClip)
	}
	if err := p.Validate(); err != nil {
		return Params{}, fmt.Errorf("M-step: %w", err)
	}
	return p, nil
}

// pinvSolve returns S⁺C for a symmetric positive semi-definite S, through
// its eigendecomposition, dropping eigenvalues below pinvRelTol times the
// largest.
func pinvSolve(s *mat.SymDense, c *mat.Dense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("M-step: the eigendecomposition of Σ E[z̃z̃ᵀ] failed")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	top := vals[len(vals)-1] // ascending
	// S⁺C = V diag(1/λ_i) Vᵀ C over the kept eigenvalues.
	var vtc mat.Dense
	vtc.Mul(v.T(), c)
	for i, ev := range vals {
		f := 0.0
		if ev > pinvRelTol*top {
			f = 1 / ev
		}
		row := vtc.RawRowView(i)
		for m := range row {
			row[m] *= f
		}
	}
	var out mat.Dense
	out.Mul(&v, &vtc)
	return &out, nil
}
