//go:build amd64 && !purego

package gemm

import "testing"

// fmaPeak32 is in sgemm_amd64.s, fmaPeak512 in sgemm512_amd64.s.
func fmaPeak32(n int)
func fmaPeak512(n int)

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

// BenchmarkPeak512 is BenchmarkPeak32 on AVX-512 (16 lanes): the ceiling
// of BenchmarkSgemm where kern6x32 runs. Twice BenchmarkPeak32's figure
// means the core has full 512-bit FMA units; the same figure, that it
// splits each 512-bit FMA in two.
func BenchmarkPeak512(b *testing.B) {
	if !has512 {
		b.Skip("no AVX-512 on this processor")
	}
	const steps = 1 << 16
	loopGFLOPS(b, 12*32*steps, func() { fmaPeak512(steps) })
}
