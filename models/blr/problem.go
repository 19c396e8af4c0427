package blr

import (
	"gonum.org/v1/gonum/mat"
)

// stats holds the sufficient statistics of the data: every quantity the
// package computes depends on X and y only through XᵀX, Xᵀy, yᵀy and N.
type stats struct {
	n, d int
	xtx  *mat.SymDense // XᵀX, d×d
	xty  []float64     // Xᵀy, length d
	yty  float64       // yᵀy
}

// newStats validates x (row-major N×d) and y and accumulates their
// sufficient statistics.
func newStats(x, y []float64, d int) (*stats, error) {
	n, err := checkData(x, y, d)
	if err != nil {
		return nil, err
	}
	xm := mat.NewDense(n, d, x)
	xtx := mat.NewSymDense(d, nil)
	xtx.SymOuterK(1, xm.T())
	var xty mat.VecDense
	xty.MulVec(xm.T(), mat.NewVecDense(n, y))
	s := &stats{n: n, d: d, xtx: xtx, xty: make([]float64, d)}
	for j := range s.xty {
		s.xty[j] = xty.AtVec(j)
	}
	for _, v := range y {
		s.yty += v * v
	}
	return s, nil
}

// precision returns A = a I + β XᵀX.
func (s *stats) precision(a, beta float64) *mat.SymDense {
	p := mat.NewSymDense(s.d, nil)
	p.ScaleSym(beta, s.xtx)
	for j := 0; j < s.d; j++ {
		p.SetSym(j, j, p.At(j, j)+a)
	}
	return p
}

// sqResid returns ‖y − X μ‖² = yᵀy − 2 μᵀXᵀy + μᵀXᵀXμ.
func (s *stats) sqResid(mu []float64) float64 {
	v := mat.NewVecDense(s.d, mu)
	r := s.yty + mat.Inner(v, s.xtx, v)
	for j, m := range mu {
		r -= 2 * m * s.xty[j]
	}
	return r
}

// traceXtX returns tr(XᵀX Σ).
func (s *stats) traceXtX(cov mat.Symmetric) float64 {
	var t float64
	for i := 0; i < s.d; i++ {
		for j := 0; j < s.d; j++ {
			t += s.xtx.At(i, j) * cov.At(j, i)
		}
	}
	return t
}
