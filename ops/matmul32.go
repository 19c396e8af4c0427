package ops

import (
	"sync"

	"github.com/govi/govi/internal/gemm"
)

// MatMul32 is MatMul for float32 operands: c = op(a)·op(b) + beta·c for
// row-major, contiguous a, b, c (op(a) m×k, stored k×m when ta; op(b) k×n,
// stored n×k when tb). It runs gemm.Acc32 (AVX2/FMA kernels where the
// processor has them, a Go loop elsewhere), products and sums rounded to
// float32; a transposed b is first copied transposed into a scratch
// buffer kept between calls (Acc32 reads b row-major). It is safe for
// concurrent use.
func MatMul32(ta, tb bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 {
		return
	}
	scale32(beta, c[:m*n])
	if k == 0 {
		return
	}
	if tb { // b is n×k: copy it as k×n
		buf := transposeBufs.Get().(*[]float32)
		if cap(*buf) < n*k {
			*buf = make([]float32, n*k)
		}
		bt := (*buf)[:n*k]
		for j := 0; j < n; j++ {
			for l, v := range b[j*k : (j+1)*k] {
				bt[l*n+j] = v
			}
		}
		acc32(ta, m, n, k, a, bt, c)
		transposeBufs.Put(buf)
		return
	}
	acc32(ta, m, n, k, a, b, c)
}

// transposeBufs holds MatMul32's scratch buffers for a transposed b.
var transposeBufs = sync.Pool{New: func() any { return new([]float32) }}

// acc32 adds op(a)·b into c, b row-major k×n. It runs on the calling
// goroutine: splitting c over two goroutines was measured slower on the
// 2-vCPU machine this was written on (benchmarks/README.md).
func acc32(ta bool, m, n, k int, a, b, c []float32) {
	if ta {
		gemm.Acc32(m, n, k, a, 1, m, b, n, c, n)
	} else {
		gemm.Acc32(m, n, k, a, k, 1, b, n, c, n)
	}
}

// scale32 sets c = beta·c (zero for beta = 0, whatever c held).
func scale32(beta float32, c []float32) {
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

// matMulOf is MatMul or MatMul32 by the element type.
func matMulOf[T Float](ta, tb bool, m, n, k int, a, b []T, beta T, c []T) {
	switch a := any(a).(type) {
	case []float64:
		MatMul(ta, tb, m, n, k, a, any(b).([]float64), float64(beta), any(c).([]float64))
	case []float32:
		MatMul32(ta, tb, m, n, k, a, any(b).([]float32), float32(beta), any(c).([]float32))
	}
}
