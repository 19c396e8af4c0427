package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestMatMul checks every transpose and beta, on the skinny shapes that take
// the dgemv and dger paths and on general ones, against gonum/mat's product
// (tolerance: a few ulps of sums of up to 455 unit-normal products).
func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randm := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	for _, sh := range [][3]int{{455, 1, 50}, {50, 1, 455}, {455, 50, 1}, {1, 50, 13}, {1, 1, 7}, {455, 50, 13}, {13, 50, 455}, {3, 4, 1}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, beta := range []float64{0, 1, -0.5} {
					a, b, c := randm(m*k), randm(k*n), randm(m*n)
					var A, B mat.Matrix = mat.NewDense(m, k, a), mat.NewDense(k, n, b)
					if ta {
						A = mat.NewDense(k, m, a).T()
					}
					if tb {
						B = mat.NewDense(n, k, b).T()
					}
					var want mat.Dense
					want.Mul(A, B)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							want.Set(i, j, want.At(i, j)+beta*c[i*n+j])
						}
					}
					MatMul(ta, tb, m, n, k, a, b, beta, c)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							if w := want.At(i, j); math.Abs(c[i*n+j]-w) > 1e-12*math.Max(1, math.Abs(w)) {
								t.Fatalf("%v ta=%v tb=%v beta=%v: c[%d,%d] = %v, want %v", sh, ta, tb, beta, i, j, c[i*n+j], w)
							}
						}
					}
				}
			}
		}
	}
}
