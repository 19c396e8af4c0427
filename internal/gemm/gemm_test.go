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
// 455×13·13×50 and the weight gradient 13×455·455×50, against gonum's
// dgemm (what ops.MatMul calls without the kernels).
func BenchmarkAcc(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, w, z := make([]float64, 455*13), make([]float64, 13*50), make([]float64, 455*50)
	for _, v := range [][]float64{x, w, z} {
		for i := range v {
			v[i] = r.NormFloat64()
		}
	}
	b.Run("forward/kernel", func(b *testing.B) {
		for b.Loop() {
			Acc(455, 50, 13, x, 13, 1, w, 50, z, 50)
		}
	})
	b.Run("forward/gonum", func(b *testing.B) {
		for b.Loop() {
			dgemm(false, 455, 50, 13, x, w, z)
		}
	})
	b.Run("weightgrad/kernel", func(b *testing.B) {
		for b.Loop() {
			Acc(13, 50, 455, x, 1, 13, z, 50, w, 50)
		}
	})
	b.Run("weightgrad/gonum", func(b *testing.B) {
		for b.Loop() {
			dgemm(true, 13, 50, 455, x, z, w)
		}
	})
	// The same weight gradient on 10⁵ rows (the scaling sweep's largest N).
	xl, zl := make([]float64, 100000*13), make([]float64, 100000*50)
	for _, v := range [][]float64{xl, zl} {
		for i := range v {
			v[i] = r.NormFloat64()
		}
	}
	b.Run("weightgrad-1e5/kernel", func(b *testing.B) {
		for b.Loop() {
			Acc(13, 50, 100000, xl, 1, 13, zl, 50, w, 50)
		}
	})
	b.Run("weightgrad-1e5/gonum", func(b *testing.B) {
		for b.Loop() {
			dgemm(true, 13, 50, 100000, xl, zl, w)
		}
	})
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
