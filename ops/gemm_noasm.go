//go:build !amd64 || purego

package ops

// hasGemmKernel reports whether gemmAcc has assembly kernels: not on this
// build.
const hasGemmKernel = false

func gemmKernel(m, n, k int, a []float64, ais, als int, b []float64, ldb int, c []float64, ldc int) {
	gemmGo(m, n, k, a, ais, als, b, ldb, c, ldc)
}
