package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// eps32 is float32's machine epsilon, 2⁻²³ (twice the unit roundoff).
const eps32 = 0x1p-23

// TestAcc32 checks the assembly kernel (kernel32, where the processor has
// it) and the Go fallback (accGo), each called directly in the same run,
// against a naive triple loop accumulated in float64 on the same float32
// inputs (converted exactly). Shapes: every (m, n, k) in {1, 7, 8, 9, 17,
// 33, 100}³, which reaches full and edge tiles in both directions, and a
// few that cross the panel (k > 256) and block (m > 144) boundaries; A
// row-major and stored transposed; leading dimensions tight and odd
// (padded), with a guard past the end of C; C zero and random (Acc32 is
// c += A·B, i.e. alpha = beta = 1 only, so C = 0 is its beta = 0 case).
// Elements of C outside the product must be left bit-for-bit unchanged.
//
// Tolerance: eps32·(k+1)·s, where s = max(max|a|·max|b|, max|c₀|)
// bounds each of the k+1 terms summed (with unit normal inputs). Each
// step of the sum rounds once with FMA (twice in the Go loop) by at most
// u = eps32/2 of a partial sum; with terms of random sign a partial sum
// of j terms is about √j·s and the rounding errors add like a random
// walk, to about (k+1)·u·s over the sum, or twice that without FMA (the
// worst case, every error of one sign and every term of s, is
// (k+1)²·u·s, never approached here). The largest error of these seeds
// is 0.39 of the tolerance for the assembly, 0.48 for the Go loop. With
// small-integer inputs every partial sum is exact in float32, and the
// tolerance is 0.
func TestAcc32(t *testing.T) {
	t.Logf("assembly kernels: %v", HasKernel)
	dims := []int{1, 7, 8, 9, 17, 33, 100}
	var shapes [][3]int
	for _, m := range dims {
		for _, n := range dims {
			for _, k := range dims {
				shapes = append(shapes, [3]int{m, n, k})
			}
		}
	}
	shapes = append(shapes, [3]int{6, 16, 257}, [3]int{13, 50, 600}, [3]int{145, 17, 9}, [3]int{301, 40, 513})
	for _, path := range []struct {
		name string
		acc  func(m, n, k int, a []float32, ais, als int, b []float32, ldb int, c []float32, ldc int)
	}{
		{"asm", kernel32},
		{"go", accGo[float32]},
	} {
		t.Run(path.name, func(t *testing.T) {
			if path.name == "asm" && !HasKernel {
				t.Skip("no AVX2/FMA kernel on this processor or build")
			}
			for _, c := range accCases() {
				r := rand.New(rand.NewPCG(17, 2))
				for _, sh := range shapes {
					checkAcc32(t, c, sh, r, path.acc)
				}
			}
		})
	}
}

// acc32Case is one way of laying out and filling the operands of TestAcc32.
type acc32Case struct {
	trans bool // A stored k×m
	odd   bool // leading dimensions padded to odd numbers
	zeroC bool // C starts at 0
	ints  bool // small-integer inputs: exact sums
}

func (c acc32Case) String() string {
	return fmt.Sprintf("trans=%v odd=%v zeroC=%v ints=%v", c.trans, c.odd, c.zeroC, c.ints)
}

// accCases lists every combination of the acc32Case flags.
func accCases() []acc32Case {
	var cs []acc32Case
	for f := 0; f < 16; f++ {
		cs = append(cs, acc32Case{f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0})
	}
	return cs
}

// checkAcc32 runs acc on one shape and layout and compares it with the
// float64 triple loop.
func checkAcc32(t *testing.T, c acc32Case, sh [3]int, r *rand.Rand, acc func(m, n, k int, a []float32, ais, als int, b []float32, ldb int, c []float32, ldc int)) {
	t.Helper()
	m, n, k := sh[0], sh[1], sh[2]
	ld := func(w int) int {
		if c.odd {
			return w | 1 + 2 // odd, and beyond the width
		}
		return w
	}
	const guard = 17 // elements past the end of C
	lda, ldb, ldc := ld(k), ld(n), ld(n)
	ais, als, arows := lda, 1, m
	if c.trans {
		lda = ld(m)
		ais, als, arows = 1, lda, k
	}
	a, b := fill32(r, arows*lda, c.ints), fill32(r, k*ldb, c.ints)
	cv := make([]float32, m*ldc+guard)
	if !c.zeroC {
		cv = fill32(r, len(cv), c.ints)
	}
	c0 := append([]float32(nil), cv...)
	acc(m, n, k, a, ais, als, b, ldb, cv, ldc)

	tol := 0.0
	if !c.ints {
		s := math.Max(maxAbs32(a)*maxAbs32(b), maxAbs32(c0))
		tol = eps32 * float64(k+1) * s
	}
	for i := range cv {
		row, col := i/ldc, i%ldc
		if row >= m || col >= n {
			if math.Float32bits(cv[i]) != math.Float32bits(c0[i]) {
				t.Fatalf("%v %s: c[%d] (row %d, col %d) outside the product changed from %v to %v", sh, c, i, row, col, c0[i], cv[i])
			}
			continue
		}
		want := float64(c0[i])
		for l := 0; l < k; l++ {
			want += float64(a[row*ais+l*als]) * float64(b[l*ldb+col])
		}
		if d := math.Abs(float64(cv[i]) - want); !(d <= tol) {
			t.Fatalf("%v %s: c[%d] (row %d, col %d) = %v, want %v (|diff| %.3g > tol %.3g)", sh, c, i, row, col, cv[i], want, d, tol)
		}
	}
}

// fill32 returns n float32s: unit normals, or integers in [−4, 4].
func fill32(r *rand.Rand, n int, ints bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		if ints {
			v[i] = float32(r.IntN(9) - 4)
		} else {
			v[i] = float32(r.NormFloat64())
		}
	}
	return v
}

// maxAbs32 is the largest |x| in v.
func maxAbs32(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

// TestAcc32Bounds checks that Acc32 does nothing for an empty product and
// panics (before writing anything) when an operand is one element short.
func TestAcc32Bounds(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 12), make([]float32, 8)
	Acc32(0, 4, 3, nil, 3, 1, nil, 4, nil, 4)
	Acc32(2, 0, 3, nil, 3, 1, nil, 4, nil, 4)
	Acc32(2, 4, 0, nil, 3, 1, nil, 4, nil, 4)
	Acc32(2, 4, 3, a, 3, 1, b, 4, c, 4)
	for name, f := range map[string]func(){
		"a": func() { Acc32(2, 4, 3, a[:5], 3, 1, b, 4, c, 4) },
		"b": func() { Acc32(2, 4, 3, a, 3, 1, b[:11], 4, c, 4) },
		"c": func() { Acc32(2, 4, 3, a, 3, 1, b, 4, c[:7], 4) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Acc32 with %s one element short did not panic", name)
				}
			}()
			f()
		}()
	}
}

// productShapes are the products BenchmarkSgemm and BenchmarkDgemm time,
// written M×K×N (A is M×K, B is K×N): the VAE's encoder layer and its two
// backward products, the BNN's layers on the 455-row housing data, and
// the layers of a BNN on MNIST minibatches of 128. A weight gradient
// xᵀ·δ reads A transposed (stored K×M), as ops.MatMul passes it; δ·Wᵀ
// reads B as stored row-major (Acc has no transposed B: a caller would
// keep Wᵀ).
var productShapes = []struct {
	name    string
	m, k, n int
	ta      bool // A stored K×M
}{
	{"vae/128x784x200", 128, 784, 200, false},
	{"vae/128x200x784", 128, 200, 784, false},
	{"vae/784x128x200", 784, 128, 200, true},
	{"bnn/455x13x50", 455, 13, 50, false},
	{"bnn/455x50x1", 455, 50, 1, false},
	{"mnist/128x784x400", 128, 784, 400, false},
	{"mnist/128x400x400", 128, 400, 400, false},
	{"mnist/128x400x10", 128, 400, 10, false},
}

// BenchmarkSgemm times Acc32 on productShapes and reports GFLOP/s
// (2·M·N·K per product; see loopGFLOPS). C keeps accumulating across
// iterations.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range productShapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bm, c := fill32(r, s.m*s.k, false), fill32(r, s.k*s.n, false), fill32(r, s.m*s.n, false)
			ais, als := s.k, 1
			if s.ta {
				ais, als = 1, s.m
			}
			loopGFLOPS(b, 2*s.m*s.n*s.k, func() { Acc32(s.m, s.n, s.k, a, ais, als, bm, s.n, c, s.n) })
		})
	}
}

// BenchmarkDgemm is BenchmarkSgemm for Acc (float64).
func BenchmarkDgemm(b *testing.B) {
	for _, s := range productShapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bm, c := fill64(r, s.m*s.k), fill64(r, s.k*s.n), fill64(r, s.m*s.n)
			ais, als := s.k, 1
			if s.ta {
				ais, als = 1, s.m
			}
			loopGFLOPS(b, 2*s.m*s.n*s.k, func() { Acc(s.m, s.n, s.k, a, ais, als, bm, s.n, c, s.n) })
		})
	}
}

// fill64 returns n unit normals.
func fill64(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

// loopGFLOPS runs f, which does flops floating-point operations, in
// b.Loop and reports its rate twice: in GFLOP/s of wall time, and (where
// the OS gives a process's CPU time: processCPU) in GFLOP per second of
// the process's CPU time, "GFLOP/cpu-s". On a machine whose cores other
// work shares, the second leaves out the time the benchmark waited for a
// core; the first does not.
func loopGFLOPS(b *testing.B, flops int, f func()) {
	b.Helper()
	c0 := processCPU()
	for b.Loop() {
		f()
	}
	cpu := processCPU() - c0
	total := float64(flops) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(total/cpu.Seconds()/1e9, "GFLOP/cpu-s")
	}
}
