package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// TestAcc checks Acc (the assembly kernels where the processor has them)
// against the plain loop accGo, on shapes that exercise every
// kernel: full 4×8 tiles, the last m mod 4 rows (1-row kernels, k even and
// odd), the last n mod 8 columns (masked kernels), each alone and at once;
// with A row-major and transposed, and C and B inside larger arrays
// (strides beyond their widths), which must be left untouched outside the
// product. Tolerance: a few ulps of sums of up to 455 products of unit
// normals (FMA rounds once where the loop rounds twice).
func TestAcc(t *testing.T) {
	t.Logf("assembly kernels: %v", HasKernel)
	r := rand.New(rand.NewPCG(9, 1))
	for _, sh := range [][3]int{{4, 8, 1}, {4, 8, 13}, {455, 50, 13}, {13, 50, 455}, {1, 8, 7}, {3, 5, 2}, {7, 13, 9}, {5, 1, 4}, {2, 3, 1}, {9, 17, 16}, {13, 50, 1000}, {6, 9, 513}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, trans := range []bool{false, true} {
			const pad = 3
			lda, ldb, ldc := k+pad, n+pad, n+pad
			ais, als := lda, 1
			a := make([]float64, m*lda)
			if trans { // A stored k×m with stride m+pad
				ais, als = 1, m+pad
				a = make([]float64, k*(m+pad))
			}
			b, c := make([]float64, k*ldb), make([]float64, m*ldc)
			for _, v := range [][]float64{a, b, c} {
				for i := range v {
					v[i] = r.NormFloat64()
				}
			}
			want := append([]float64(nil), c...)
			accGo(m, n, k, a, ais, als, b, ldb, want, ldc)
			Acc(m, n, k, a, ais, als, b, ldb, c, ldc)
			for i := range c {
				if math.Abs(c[i]-want[i]) > 1e-13*math.Max(1, math.Abs(want[i]))*math.Sqrt(float64(k)) {
					t.Fatalf("%v trans=%v: c[%d] (row %d, col %d) = %v, want %v", sh, trans, i, i/ldc, i%ldc, c[i], want[i])
				}
			}
		}
	}
}

// BenchmarkAcc times the BNN's two products per particle: the forward
// 455×13·13×50 and the weight gradient 13×455·455×50 (and the latter on
// 10⁵ rows, the scaling sweep's largest N), against gonum's dgemm (what
// ops.MatMul calls without the kernels).
func BenchmarkAcc(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	randn := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	x, w, z := randn(455*13), randn(13*50), randn(455*50)
	xl, zl := randn(100000*13), randn(100000*50)
	for _, c := range []struct {
		name    string
		ta      bool // A is stored k×m
		m, n, k int
		a, b, c []float64
	}{
		{"forward", false, 455, 50, 13, x, w, z},
		{"weightgrad", true, 13, 50, 455, x, z, w},
		{"weightgrad-1e5", true, 13, 50, 100000, xl, zl, w},
	} {
		ais, als := c.k, 1
		if c.ta {
			ais, als = 1, c.m
		}
		b.Run(c.name+"/kernel", func(b *testing.B) {
			for b.Loop() {
				Acc(c.m, c.n, c.k, c.a, ais, als, c.b, c.n, c.c, c.n)
			}
		})
		b.Run(c.name+"/gonum", func(b *testing.B) {
			for b.Loop() {
				dgemm(c.ta, c.m, c.n, c.k, c.a, c.b, c.c)
			}
		})
	}
}

// dgemm sets c = op(a)·b + c with gonum's dgemm: a is m×k, or k×m when ta.
func dgemm(ta bool, m, n, k int, a, b, c []float64) {
	tA, ga := blas.NoTrans, blas64.General{Rows: m, Cols: k, Stride: k, Data: a}
	if ta {
		tA, ga = blas.Trans, blas64.General{Rows: k, Cols: m, Stride: m, Data: a}
	}
	gb := blas64.General{Rows: k, Cols: n, Stride: n, Data: b}
	blas64.Gemm(tA, blas.NoTrans, 1, ga, gb, 1, blas64.General{Rows: m, Cols: n, Stride: n, Data: c})
}
