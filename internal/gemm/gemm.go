package gemm

// Acc adds the product of an m×k matrix A and a k×n matrix B into the
// m×n matrix C:
//
//	c[i·ldc + j] += Σ_l a[i·ais + l·als] · b[l·ldb + j],
//
// A's element (i, l) at a[i·ais + l·als] (ais = k, als = 1 for a row-major
// A; ais = 1, als = m for a row-major Aᵀ), B row-major with stride ldb.
// Each element of C is summed in a fixed order, so the result does not
// depend on anything but the operands. On amd64 with AVX2 and FMA
// ([HasKernel]) it runs register-blocked assembly kernels (gemm_amd64.s),
// 4 rows by 8 columns of C at a time: 2–3× gonum's dgemm on the BNN's
// shapes, whose inner loop is an SSE2 axpy of one row. Elsewhere, and with
// the purego build tag, it is a plain Go loop (ops.MatMul then calls gonum
// instead). Acc panics if an operand is too short for the given sizes and
// strides.
func Acc(m, n, k int, a []float64, ais, als int, b []float64, ldb int, c []float64, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	// Bounds: the last element each operand is read or written at.
	_ = a[(m-1)*ais+(k-1)*als]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	if HasKernel {
		kernel(m, n, k, a, ais, als, b, ldb, c, ldc)
		return
	}
	accGo(m, n, k, a, ais, als, b, ldb, c, ldc)
}

// accGo is Acc (and Acc32) in plain Go: the fallback and the reference of
// the kernels' tests.
func accGo[T float32 | float64](m, n, k int, a []T, ais, als int, b []T, ldb int, c []T, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		for l := 0; l < k; l++ {
			v := a[i*ais+l*als]
			bl := b[l*ldb : l*ldb+n]
			for j, bv := range bl {
				ci[j] += v * bv
			}
		}
	}
}
