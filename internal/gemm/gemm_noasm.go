//go:build !amd64 || purego

package gemm

// HasKernel reports whether Acc and Acc32 run assembly kernels: never on
// this build (another architecture, or the purego tag).
const HasKernel = false

// kernel is the plain loop where there are no assembly kernels (Acc does
// not call it: HasKernel is false).
func kernel(m, n, k int, a []float64, ais, als int, b []float64, ldb int, c []float64, ldc int) {
	accGo(m, n, k, a, ais, als, b, ldb, c, ldc)
}
