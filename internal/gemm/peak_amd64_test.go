//go:build amd64 && !purego

package gemm

import "testing"

// fmaPeak32 is in sgemm_amd64.s.
func fmaPeak32(n int)

// BenchmarkPeak32 reports the float32 FMA throughput of one core in
// GFLOP/s: the ceiling for BenchmarkSgemm, and half of it for
// BenchmarkDgemm (a YMM register holds 4 float64s). Two FMA units × 8
// lanes × 2 flops is 32 flops a cycle, so the figure over 32 is the clock
// the core ran at, in GHz.
func BenchmarkPeak32(b *testing.B) {
	if !HasKernel {
		b.Skip("no AVX2/FMA on this processor")
	}
	const steps = 1 << 16
	loopGFLOPS(b, 12*16*steps, func() { fmaPeak32(steps) })
}
