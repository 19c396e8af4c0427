package ops

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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
	for _, sh := range [][3]int{{455, 1, 50}, {50, 1, 455}, {455, 50, 1}, {1, 50, 13}, {1, 1, 7}, {455, 50, 13}, {13, 50, 455}, {3, 4, 1}, {300, 200, 20}, {130, 70, 9}} {
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

// TestMatMulBandsExact: below serialBelow, gemmBands (MatMul's general case
// on gonum, without govi's kernels or with the openblas tag) computes a
// product that gonum would spread over goroutines in bands on the calling
// goroutine;
// every element is summed over k in the same order, so the result equals
// one whole blas64.Gemm to the bit. Shapes with edge bands in both
// dimensions, every transpose, GOMAXPROCS 2 (the banded path).
func TestMatMulBandsExact(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][3]int{{455, 50, 13}, {300, 200, 20}, {193, 65, 7}, {64, 256, 3}} {
		m, n, k := sh[0], sh[1], sh[2]
		if m*n*k >= serialBelow || blocks(m)*blocks(n) < 4 {
			t.Fatalf("%v does not take the banded path", sh)
		}
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
				for _, v := range [][]float64{a, b, c} {
					for i := range v {
						v[i] = r.NormFloat64()
					}
				}
				want := append([]float64(nil), c...)
				tA, tB := blas.NoTrans, blas.NoTrans
				ga, gb := blas64.General{Rows: m, Cols: k, Stride: k, Data: a}, blas64.General{Rows: k, Cols: n, Stride: n, Data: b}
				if ta {
					tA, ga = blas.Trans, blas64.General{Rows: k, Cols: m, Stride: m, Data: a}
				}
				if tb {
					tB, gb = blas.Trans, blas64.General{Rows: n, Cols: k, Stride: k, Data: b}
				}
				blas64.Gemm(tA, tB, 1, ga, gb, 0.5, blas64.General{Rows: m, Cols: n, Stride: n, Data: want})
				gemmBands(ta, tb, m, n, k, a, b, 0.5, c)
				for i := range c {
					if c[i] != want[i] {
						t.Fatalf("%v ta=%v tb=%v: c[%d] = %v, whole dgemm %v", sh, ta, tb, i, c[i], want[i])
					}
				}
			}
		}
	}
}
