// Package gemm provides the matrix-product kernels behind ops.MatMul, in
// the manner of gonum's internal/asm/f64: [Acc] adds A·B into C for
// row-major float64 operands and [Acc32] for float32 ones, with
// register-blocked AVX2/FMA assembly (gemm_amd64.s, sgemm_amd64.s,
// declared in the _amd64.go files) where the processor has it
// ([HasKernel], from golang.org/x/sys/cpu) and a plain Go loop elsewhere
// (gemm_noasm.go, sgemm_noasm.go: other architectures and the purego
// build tag). The tests check the kernels on shapes that reach every tile
// kind: Acc's against its Go loop, Acc32's and its Go loop's against a
// triple loop in float64.
//
// # Speed
//
// One core does 2 FMAs a cycle on 8 float32 lanes (AVX2's 256 bits), 2
// flops each: 32 float32 flops a cycle, 16 float64. The development
// machine is a virtual "AMD EPYC" (family 26, model 2: Zen 5) whose
// /proc/cpuinfo reads "cpu MHz: 2694.859" for each core, a peak of
// 86.2 GFLOP/s in float32 and 43.1 in float64. The kernels beat it: the
// hypervisor shows the nominal clock while the core boosts. BenchmarkPeak32,
// a loop of independent FMAs and nothing else, runs at 103.6 GFLOP/s
// (median of 10; 3.24 GHz), and the table's "peak" column is the
// fraction of that (51.8 for float64); "nominal" is the fraction of the
// /proc/cpuinfo figure. Rates are GFLOP per second of the process's CPU
// time, median and range of 10 runs:
//
//	product M×K×N        Acc32 (float32)             Acc (float64)
//	                     GFLOP/s        peak  nom.   GFLOP/s        peak  nom.
//	VAE    128×784×200   89.3 (86–91)   86%  104%   39.2 (19–43)   76%   91%
//	       128×200×784   91.5 (83–99)   88%  106%   37.9 (32–40)   73%   88%
//	       784×128×200   88.4 (80–92)   85%  103%   43.2 (39–44)   83%  100%
//	BNN    455×13×50     74.5 (62–86)   72%   86%   38.5 (30–42)   74%   89%
//	       455×50×1       7.7 (6–8)      7%    9%    4.6 (4–5)      9%   11%
//	MNIST  128×784×400   91.9 (84–101)  89%  107%   37.8 (36–41)   73%   88%
//	       128×400×400   86.8 (67–100)  84%  101%   42.4 (40–47)   82%   98%
//	       128×400×10    54.0 (42–59)   52%   63%   25.4 (23–28)   49%   59%
//
// Made at commit 23be9b0 by running, twice,
//
//	go test -cpu 1 -run XXX -bench 'Peak32|Sgemm|Dgemm' -count 5 ./internal/gemm/
//
// while three other jobs kept both cores busy (1-minute load average
// between 19.4 and 12.6 over the two runs). Wall-clock GFLOP/s, which
// the benchmarks also report, were at most half these rates: the
// benchmark had about that share of a core. Time on a shared core still
// costs some cache contents and boost clock, which is most of the spread.
//
// Where the rest goes. A strip of B narrower than 16 columns costs Acc32
// a full tile's time (half of it when the strip is at most 8 wide, with
// the 8-column kernel), and the last m mod 6 rows a full row of tiles:
// 128×400×10 computes 16 columns for 10, a ceiling of 63%, and 455×50×1
// uses 1 of the 8 lanes (ops.MatMul sends n = 1 to a matrix–vector
// product instead). With k = 13, loading and storing each tile of C and
// calling the kernel weigh against only 13 steps of FMAs. The large
// shapes run at 84–89% of the FMA units' rate, and Acc32 at 2.0–2.4 times
// Acc, whose 4×8 float64 tiles hold 8 accumulators, the fewest that
// cover the FMA's latency, to Acc32's 12.
package gemm
