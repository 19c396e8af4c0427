//go:build !amd64 || purego

package gemm

// kernel32 is the plain loop where there are no assembly kernels (Acc32
// does not call it: HasKernel is false).
func kernel32(m, n, k int, a []float32, ais, als int, b []float32, ldb int, c []float32, ldc int) {
	accGo(m, n, k, a, ais, als, b, ldb, c, ldc)
}
