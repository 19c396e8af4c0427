package gemm

// Acc32 is [Acc] for float32 operands (the BLAS sgemm to Acc's dgemm): it
// adds the product of an m×k matrix A and a k×n matrix B into the m×n
// matrix C,
//
//	c[i·ldc + j] += Σ_l a[i·ais + l·als] · b[l·ldb + j],
//
// with A's element (i, l) at a[i·ais + l·als] (ais = k, als = 1 for a
// row-major A; ais = 1, als = m for a row-major Aᵀ) and B row-major with
// stride ldb, as for Acc. Products and sums are rounded to float32 (the
// kernels round each product-and-add once, with FMA); each element of C
// is summed in a fixed order, so the result depends on nothing but the
// operands. On amd64 with AVX2 and FMA ([HasKernel]) it runs the
// register-blocked assembly kernel of sgemm_amd64.s, 6 rows by 16 columns
// of C at a time, and where the processor has AVX-512 that of
// sgemm512_amd64.s on 6 by 32 (1.7–1.9× the GFLOP per CPU-second on this
// machine's shapes; the same operations per element, so the same bits);
// elsewhere, and with the purego build tag, a plain Go
// loop. Acc32 panics if an operand is too short for the given sizes and
// strides.
func Acc32(m, n, k int, a []float32, ais, als int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	// Bounds: the last element each operand is read or written at.
	_ = a[(m-1)*ais+(k-1)*als]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	if HasKernel {
		kernel32(m, n, k, a, ais, als, b, ldb, c, ldc)
		return
	}
	accGo(m, n, k, a, ais, als, b, ldb, c, ldc)
}
