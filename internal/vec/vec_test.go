package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/special"
)

// ulps is the distance from got to the exact value want in units in the
// last place of float32 at want.
func ulps(got float32, want float64) float64 {
	if float64(got) == want {
		return 0
	}
	w := float32(want)
	ulp := math.Nextafter32(float32(math.Abs(float64(w))), float32(math.Inf(1))) - float32(math.Abs(float64(w)))
	if w == 0 {
		ulp = math.SmallestNonzeroFloat32
	}
	return math.Abs(float64(got)-want) / float64(ulp)
}

// inputs returns a dense grid over [lo, hi], random values in it, and
// the special values the kernels hand to the scalar formulas, in an
// order that mixes them into the kernels' blocks of 8.
func inputs(lo, hi float64, special ...float32) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	var x []float32
	for v := lo; v <= hi; v += (hi - lo) / 200000 {
		x = append(x, float32(v))
	}
	for range 100000 {
		x = append(x, float32(lo+(hi-lo)*r.Float64()))
	}
	for i, s := range special {
		x[1000*i+3] = s
	}
	return x
}

// eachPath runs f with the kernels (where the CPU has them) and without.
func eachPath(t *testing.T, f func(t *testing.T)) {
	paths(func(name string) { t.Run(name, f) })
}

// paths calls run with hasKernels set to its value ("kernels") and then,
// where that was true, to false ("scalar"), restoring it after.
func paths(run func(name string)) {
	saved := hasKernels
	defer func() { hasKernels = saved }()
	for _, k := range []bool{saved, false} {
		hasKernels = k
		name := "scalar"
		if k {
			name = "kernels"
		}
		run(name)
		if !saved {
			break
		}
	}
}

var edges = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 88, -88, 100, -100, -200, 14.5, -0.0, 1e-40, -1e-40}

// TestSoftplus32: within 2 ulps (1.41 seen) of the float64 softplus (rounded once)
// over [−120, 120], every length 0…19 (the tails), and the special values
// as the scalar formula gives them.
func TestSoftplus32(t *testing.T) {
	x := inputs(-120, 120, edges...)
	eachPath(t, func(t *testing.T) {
		dst := make([]float32, len(x))
		Softplus32(dst, x)
		var worst float64
		for i, v := range x {
			if math.IsNaN(float64(v)) {
				assert.True(t, math.IsNaN(float64(dst[i])))
				continue
			}
			want := special.Softplus(float64(v))
			if math.IsInf(float64(v), 0) || v < -103 {
				assert.Equal(t, softplus1(v), dst[i], "x = %v", v)
				continue
			}
			worst = max(worst, ulps(dst[i], want))
		}
		t.Logf("largest error %.2f ulps", worst)
		assert.LessOrEqual(t, worst, 2.0)
		for n := range 20 {
			d := make([]float32, n+1)
			d[n] = 7
			Softplus32(d[:n], x[5:5+n])
			for i := range n {
				assert.LessOrEqual(t, ulps(d[i], special.Softplus(float64(x[5+i]))), 2.0)
			}
			assert.Equal(t, float32(7), d[n], "wrote past the end")
		}
	})
}

// TestSigmoidMul32: g·σ(x) within 3 ulps (2.97 seen) of the float64 value over
// [−120, 120] with g uniform on [−3, 3].
func TestSigmoidMul32(t *testing.T) {
	x := inputs(-120, 120, edges...)
	r := rand.New(rand.NewPCG(3, 4))
	g := make([]float32, len(x))
	for i := range g {
		g[i] = float32(6*r.Float64() - 3)
	}
	eachPath(t, func(t *testing.T) {
		dst := make([]float32, len(x))
		SigmoidMul32(dst, g, x)
		var worst float64
		for i, v := range x {
			want := float64(g[i]) * special.Sigmoid(float64(v))
			if math.IsNaN(float64(v)) {
				assert.True(t, math.IsNaN(float64(dst[i])))
				continue
			}
			if math.Abs(want) < 0x1p-126 { // subnormal results: absolute error
				assert.InDelta(t, want, float64(dst[i]), 0x1p-148)
				continue
			}
			worst = max(worst, ulps(dst[i], want))
		}
		t.Logf("largest error %.2f ulps", worst)
		assert.LessOrEqual(t, worst, 3.0)
	})
}

// TestSumLog32: each log the kernel adds is within 1 ulp of log x (0.76 seen) (eight
// copies of x sum to 8·log₃₂(x) exactly in float64), over x from 1e-37 to
// 3e38; zeros, negatives, NaN, +Inf and subnormals as math.Log gives.
func TestSumLog32(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var x []float32
	for range 300000 {
		x = append(x, float32(math.Exp(-85+173*r.Float64())))
	}
	for v := float32(0.5); v < 2; v += 1.0 / 65536 {
		x = append(x, v)
	}
	eachPath(t, func(t *testing.T) {
		var worst float64
		var eight [8]float32
		for _, v := range x {
			for i := range eight {
				eight[i] = v
			}
			got := SumLog32(eight[:]) / 8
			worst = max(worst, ulps(float32(got), math.Log(float64(v))))
			if hasKernels {
				require.Equal(t, float64(float32(got)), got, "x = %v: the kernels' partial logs are float32 values", v)
			}
		}
		t.Logf("largest error %.2f ulps", worst)
		assert.LessOrEqual(t, worst, 1.0)
		var want float64
		for _, v := range x {
			want += math.Log(float64(v))
		}
		assert.InEpsilon(t, want, SumLog32(x), 1e-7, "the sum")
		for _, c := range []struct {
			v    float32
			want float64
		}{{0, math.Inf(-1)}, {-1, math.NaN()}, {float32(math.NaN()), math.NaN()}, {float32(math.Inf(1)), math.Inf(1)}, {1e-40, math.Log(float64(float32(1e-40)))}} {
			y := append([]float32{1, 2, 3, 4, 5, 6, 7}, c.v, 9, 10)
			got := SumLog32(y)
			if math.IsNaN(c.want) {
				assert.True(t, math.IsNaN(got), "x = %v", c.v)
				continue
			}
			var rest float64
			for _, v := range y {
				if v != c.v {
					rest += math.Log(float64(v))
				}
			}
			assert.InDelta(t, c.want+rest, got, 1e-5, "x = %v", c.v)
		}
	})
}

// TestAdam: the kernel's update equals, bit for bit, PyTorch's Adam
// formula evaluated one element at a time with each product rounded, for
// every length 0…41, and over 50 steps of a random gradient stream.
func TestAdam(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 42 {
		p, m, v := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range p {
			p[i] = r.NormFloat64()
		}
		wp, wm, wv := make([]float64, n), make([]float64, n), make([]float64, n)
		copy(wp, p)
		for step := 1; step <= 50; step++ {
			g := make([]float64, n)
			for i := range g {
				g[i] = r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10))
			}
			b1, b2, lr, eps := 0.9, 0.999, 1e-3, 1e-8
			c := AdamConst{B1: b1, C1: 1 - b1, B2: b2, C2: 1 - b2,
				LR: lr / (1 - math.Pow(b1, float64(step))), RBC2: 1 / math.Sqrt(1-math.Pow(b2, float64(step))), Eps: eps}
			Adam(p, m, v, g, c)
			for i, gi := range g {
				mi := float64(b1*wm[i]) + float64((1-b1)*gi)
				vi := float64(b2*wv[i]) + float64((1-b2)*gi*gi)
				wm[i], wv[i] = mi, vi
				wp[i] -= float64(c.LR*mi) / (float64(math.Sqrt(vi)*c.RBC2) + eps)
			}
		}
		require.Equal(t, wp, p, "n = %d", n)
		require.Equal(t, wm, m, "n = %d", n)
		require.Equal(t, wv, v, "n = %d", n)
	}
}

// The benchmarks run over the 478,410 weights of a 784-400-400-10
// network, with the kernels and (…/scalar) without.
func benchPaths(b *testing.B, f func()) {
	paths(func(name string) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				f()
			}
		})
	})
}

const benchN = 784*400 + 400 + 400*400 + 400 + 400*10 + 10

func benchData() (x, g []float32) {
	r := rand.New(rand.NewPCG(9, 10))
	x, g = make([]float32, benchN), make([]float32, benchN)
	for i := range x {
		x[i], g[i] = float32(r.NormFloat64()*2-4), float32(r.NormFloat64())
	}
	return x, g
}

func BenchmarkSoftplus32(b *testing.B) {
	x, _ := benchData()
	d := make([]float32, len(x))
	benchPaths(b, func() { Softplus32(d, x) })
}

func BenchmarkSigmoidMul32(b *testing.B) {
	x, g := benchData()
	d := make([]float32, len(x))
	benchPaths(b, func() { SigmoidMul32(d, g, x) })
}

func BenchmarkSumLog32(b *testing.B) {
	x, _ := benchData()
	Softplus32(x, x)
	benchPaths(b, func() { SumLog32(x) })
}

func BenchmarkAdam(b *testing.B) {
	n := 2 * benchN
	p, m, v, g := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range g {
		g[i] = float64(i%17) - 8
	}
	c := AdamConst{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, LR: 1e-3, RBC2: 1, Eps: 1e-8}
	benchPaths(b, func() { Adam(p, m, v, g, c) })
}

// TestConvertAndMaxAbs: Widen, Narrow and MaxAbs equal the plain Go loops
// (conversions, max of |x| with NaN winning) for every length 0…40, on
// values that include ±Inf, NaN, subnormals, −0 and doubles beyond
// float32's range, at every position.
func TestConvertAndMaxAbs(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	odd := []float64{math.Inf(1), math.Inf(-1), 1e300, -1e300, 1e-320, 1e-45, math.Copysign(0, -1), 3.4028235677973366e38}
	eachPath(t, func(t *testing.T) {
		for n := range 41 {
			for pos := -1; pos < n; pos++ {
				x := make([]float64, n)
				for i := range x {
					x[i] = r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
				}
				if pos >= 0 {
					x[pos] = odd[r.IntN(len(odd))]
				}
				f := make([]float32, n+1)
				Narrow(f[:n], x)
				w := make([]float64, n+1)
				Widen(w[:n], f[:n])
				var m float64
				for i, v := range x {
					require.Equal(t, math.Float32bits(float32(v)), math.Float32bits(f[i]), "Narrow of %v", v)
					require.Equal(t, math.Float64bits(float64(f[i])), math.Float64bits(w[i]), "Widen of %v", f[i])
					m = max(m, math.Abs(v))
				}
				require.Zero(t, f[n], "Narrow wrote past the end")
				require.Zero(t, w[n], "Widen wrote past the end")
				require.Equal(t, m, MaxAbs(x), "n = %d", n)
				if n > 0 {
					x[r.IntN(n)] = math.NaN()
					require.True(t, math.IsNaN(MaxAbs(x)), "n = %d: NaN", n)
				}
			}
		}
	})
}

func BenchmarkNarrow(b *testing.B) {
	src, dst := make([]float64, 2*benchN), make([]float32, 2*benchN)
	benchPaths(b, func() { Narrow(dst, src) })
}

func BenchmarkMaxAbs(b *testing.B) {
	x := make([]float64, 2*benchN)
	benchPaths(b, func() { MaxAbs(x) })
}

// The float64 references bernTerm and bernResidual are written so as not
// to cancel (x·l − softplus(l) in float64 loses 1e-5 relative at l = 22).
//
// TestBernoulli32: each term xl − softplus(l) the kernel adds (eight
// copies sum to 8 times it exactly) and each g·(x − σ(l)) within 4 ulps
// of float64 for binary x over l in [−120, 120]; for x uniform on [0, 1]
// within 4 ulps of the term's size (|l| + 1, resp. |g|: the difference
// can cancel).
func TestBernoulli32(t *testing.T) {
	ls := inputs(-120, 120, edges[1:]...)
	r := rand.New(rand.NewPCG(13, 14))
	assert.InEpsilon(t, -math.Exp(-22)+math.Exp(-44)/2, bernTerm(22, 1), 1e-15, "the reference")
	assert.InEpsilon(t, 1/(1+math.Exp(22)), bernResidual(22, 1), 1e-15, "the reference")
	eachPath(t, func(t *testing.T) {
		var worst [4]float64
		var l8, x8, d8 [8]float32
		for _, l := range ls {
			for k, x := range []float32{0, 1, float32(r.Float64())} {
				for i := range l8 {
					l8[i], x8[i] = l, x
				}
				got := BernoulliLogLik32(l8[:], x8[:]) / 8
				want := bernTerm(float64(l), float64(x))
				g := 4*r.Float64() - 2
				BernoulliGrad32(d8[:], x8[:], l8[:], g)
				wantG := float64(float32(g)) * bernResidual(float64(l), float64(x))
				if math.IsInf(float64(l), 0) {
					continue
				}
				if k < 2 {
					if math.Abs(want) > 0x1p-126 {
						worst[0] = max(worst[0], ulps(float32(got), want))
					}
					if math.Abs(wantG) > 0x1p-126 {
						worst[1] = max(worst[1], ulps(d8[3], wantG))
					}
					continue
				}
				worst[2] = max(worst[2], math.Abs(got-want)/(math.Abs(float64(l))+1)/0x1p-23)
				worst[3] = max(worst[3], math.Abs(float64(d8[3])-wantG)/math.Abs(g)/0x1p-23)
			}
		}
		t.Logf("largest errors: binary x %.2f, %.2f ulps; x in [0, 1] %.2f, %.2f ulps of the scale", worst[0], worst[1], worst[2], worst[3])
		for _, w := range worst {
			assert.LessOrEqual(t, w, 4.0)
		}
	})
}

// TestSumSqMulDiv: SumSq32 equals the float64 sum of squares to 1e-12
// relative (the partial sums change only the order), and MulDiv32 the
// scalar formula bit for bit, for every length 0…40 and a long slice.
func TestSumSqMulDiv(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	eachPath(t, func(t *testing.T) {
		for _, n := range append([]int{100003}, func() (l []int) {
			for i := range 41 {
				l = append(l, i)
			}
			return
		}()...) {
			x := make([]float32, n)
			var want float64
			for i := range x {
				x[i] = float32(r.NormFloat64() * 3)
				want += float64(x[i]) * float64(x[i])
			}
			assert.InDelta(t, want, SumSq32(x), 1e-12*want, "n = %d", n)
			d := make([]float32, n+1)
			MulDiv32(d[:n], x, -0.37, 1.7)
			for i, v := range x {
				require.Equal(t, float32(-0.37*float64(v)/1.7), d[i], "n = %d, i = %d", n, i)
			}
			require.Zero(t, d[n], "wrote past the end")
		}
	})
}
