package ops

import (
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/govi/govi/internal/gemm"
)

// MatMul sets c = op(a)·op(b) + beta·c for row-major, contiguous a, b, c,
// where op(a) is m×k (a stored k×m when ta), op(b) is k×n (b stored n×k
// when tb) and c is m×n. It calls gonum's dgemm, except when one dimension
// is 1: then the product is a matrix–vector product (Dgemv) or an outer
// product (Dger), which gonum's dgemm does 15–30 times more slowly (the
// output layer of a regression network: 455×50·50×1 takes 90 µs as a
// dgemm and 3 µs as a dgemv). When b is not transposed and the processor
// has AVX2 and FMA, the general case runs govi's own kernels (gemm.Acc);
// with the openblas build tag it stays on BLAS.
func MatMul(ta, tb bool, m, n, k int, a, b []float64, beta float64, c []float64) {
	gen := func(r, cols int, d []float64) blas64.General {
		return blas64.General{Rows: r, Cols: cols, Stride: cols, Data: d}
	}
	vec := func(n int, d []float64) blas64.Vector { return blas64.Vector{N: n, Inc: 1, Data: d} }
	switch {
	case n == 1: // c[m] = op(a)·b, b a k-vector either way
		if ta {
			blas64.Gemv(blas.Trans, 1, gen(k, m, a), vec(k, b), beta, vec(m, c))
		} else {
			blas64.Gemv(blas.NoTrans, 1, gen(m, k, a), vec(k, b), beta, vec(m, c))
		}
		return
	case m == 1: // c[n] = op(b)ᵀ·a, a a k-vector either way
		if tb {
			blas64.Gemv(blas.NoTrans, 1, gen(n, k, b), vec(k, a), beta, vec(n, c))
		} else {
			blas64.Gemv(blas.Trans, 1, gen(k, n, b), vec(k, a), beta, vec(n, c))
		}
		return
	case k == 1: // the outer product of an m-vector and an n-vector
		scale(beta, c[:m*n])
		blas64.Ger(1, vec(m, a), vec(n, b), gen(m, n, c))
		return
	}
	if gemm.HasKernel && !preferBLAS && !tb {
		scale(beta, c[:m*n])
		if ta {
			gemm.Acc(m, n, k, a, 1, m, b, n, c, n)
		} else {
			gemm.Acc(m, n, k, a, k, 1, b, n, c, n)
		}
		return
	}
	gemmBands(ta, tb, m, n, k, a, b, beta, c)
}

// scale sets c = beta·c (zero for beta = 0, whatever c held).
func scale(beta float64, c []float64) {
	switch beta {
	case 0:
		clear(c)
	case 1:
	default:
		for i := range c {
			c[i] *= beta
		}
	}
}

// gemmBands is MatMul's general case on gonum's dgemm.
func gemmBands(ta, tb bool, m, n, k int, a, b []float64, beta float64, c []float64) {
	if m*n*k >= serialBelow || runtime.GOMAXPROCS(0) == 1 || blocks(m)*blocks(n) < 4 {
		gemmBlock(ta, tb, m, n, k, a, b, beta, c, 0, m, 0, n)
		return
	}
	// gonum's dgemm would hand 64×64 blocks of c to goroutines; on a
	// product this small the hand-offs cost more than they save (the BNN's
	// 455×13·13×50 layer: 0.41 ms per step on one core, 0.58 ms with the
	// second core joining in). Give it bands of at most 3×1 blocks, which
	// it computes on the calling goroutine. Every element of c is summed
	// over k in the same order either way, so the result is the same to
	// the bit.
	for c0 := 0; c0 < n; c0 += bandCols {
		c1 := min(c0+bandCols, n)
		for r0 := 0; r0 < m; r0 += bandRows {
			gemmBlock(ta, tb, m, n, k, a, b, beta, c, r0, min(r0+bandRows, m), c0, c1)
		}
	}
}

const (
	// serialBelow is the size of a product (m·n·k multiply–adds) from
	// which MatMul lets gonum's dgemm spread it over goroutines.
	serialBelow = 1 << 21
	// gonumBlock is the block size of gonum's dgemm; it goes parallel from
	// 4 blocks of c.
	gonumBlock = 64
	bandRows   = 3 * gonumBlock
	bandCols   = gonumBlock
)

// blocks returns the number of gonum dgemm blocks along a dimension of n.
func blocks(n int) int { return (n + gonumBlock - 1) / gonumBlock }

// gemmBlock sets rows [r0, r1) and columns [c0, c1) of the m×n product c
// = op(a)·op(b) + beta·c by one dgemm on the sub-matrices.
func gemmBlock(ta, tb bool, m, n, k int, a, b []float64, beta float64, c []float64, r0, r1, c0, c1 int) {
	rows, cols := r1-r0, c1-c0
	tA, tB := blas.NoTrans, blas.NoTrans
	ga := blas64.General{Rows: rows, Cols: k, Stride: k, Data: a[r0*k:]}
	if ta { // a is k×m: columns r0..r1
		tA, ga = blas.Trans, blas64.General{Rows: k, Cols: rows, Stride: m, Data: a[r0:]}
	}
	gb := blas64.General{Rows: k, Cols: cols, Stride: n, Data: b[c0:]}
	if tb { // b is n×k: rows c0..c1
		tB, gb = blas.Trans, blas64.General{Rows: cols, Cols: k, Stride: k, Data: b[c0*k:]}
	}
	gc := blas64.General{Rows: rows, Cols: cols, Stride: n, Data: c[r0*n+c0:]}
	blas64.Gemm(tA, tB, 1, ga, gb, beta, gc)
}
