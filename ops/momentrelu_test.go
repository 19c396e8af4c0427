package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/fdcheck"
)

// reluQuad returns the mean and variance of relu(a), a ~ N(mu, v), by
// Gauss–Legendre quadrature over [0, max(μ + 14σ, 2σ)] (the upper end
// at least 2σ, 40 decay lengths σ/|z| at z = −20; and over [μ − 14σ, 0]
// for P(a ≤ 0)), an oracle independent of the closed form: the variance is
// ∫₀ (a − E)² dN + E²·P(a ≤ 0), which subtracts nothing.
func reluQuad(mu, v float64) (mean, variance float64) {
	n := distuv.Normal{Mu: mu, Sigma: math.Sqrt(v)}
	lo, hi := math.Max(0, mu-14*n.Sigma), math.Max(mu+14*n.Sigma, 2*n.Sigma)
	const nodes = 400
	mean = quad.Fixed(func(a float64) float64 { return a * n.Prob(a) }, lo, hi, nodes, quad.Legendre{}, 0)
	variance = quad.Fixed(func(a float64) float64 { return (a - mean) * (a - mean) * n.Prob(a) }, lo, hi, nodes, quad.Legendre{}, 0)
	if l := mu - 14*n.Sigma; l < 0 {
		variance += mean * mean * quad.Fixed(n.Prob, l, math.Min(0, hi), nodes, quad.Legendre{}, 0)
	}
	return mean, variance
}

func TestReLUMoments(t *testing.T) {
	t.Parallel()
	// quadTol: 400-node Gauss–Legendre on ±14σ integrates these smooth
	// integrands to ~1e-15 relative; the closed form's Φ, φ and λ are
	// accurate to a few ulps. 1e-11 relative leaves room for both.
	const quadTol = 1e-11
	for _, tc := range []struct {
		name  string
		mu, v float64
	}{
		{"centred", 0, 1}, {"positive", 1, 1}, {"negative", -1, 1}, {"narrow positive", 3, 0.25},
		{"narrow negative", -3, 0.25}, {"far positive z=100", 10, 0.01}, {"far negative z=-8", -8, 1},
		{"wide", -5, 16}, {"tiny variance", 0.5, 1e-8}, {"z=-20", -20, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wm, wv := reluQuad(tc.mu, tc.v)
			gm, gv := ReLUMoments(tc.mu, tc.v)
			assert.InDelta(t, wm, gm, quadTol*math.Max(math.Abs(wm), 1e-300), "mean")
			assert.InDelta(t, wv, gv, quadTol*math.Max(wv, 1e-300), "variance")
		})
	}
	for _, tc := range []struct {
		mu, mean float64
	}{{2, 2}, {-2, 0}, {0, 0}} {
		m, v := ReLUMoments(tc.mu, 0)
		assert.Equal(t, tc.mean, m, "zero variance, μ = %v", tc.mu)
		assert.Equal(t, 0.0, v, "zero variance, μ = %v", tc.mu)
	}
}

// TestReLUMomentsTextbook checks the closed form at z = 0, where
// E = σφ(0) = σ/√(2π) and Var = σ²(½ − 1/(2π)).
func TestReLUMomentsTextbook(t *testing.T) {
	t.Parallel()
	const tol = 1e-15 // a few ulps
	m, v := ReLUMoments(0, 4)
	assert.InDelta(t, 2/math.Sqrt(2*math.Pi), m, tol)
	assert.InDelta(t, 4*(0.5-1/(2*math.Pi)), v, tol)
}

// hostReLUCost is Σ c ⊙ MomentReLU(a) on the host.
func hostReLUCost(a, c []float64) float64 {
	n := len(a) / 2
	var s float64
	for i := 0; i < n; i++ {
		m, v := ReLUMoments(a[i], a[n+i])
		s += c[i]*m + c[n+i]*v
	}
	return s
}

func TestMomentReLUGradient(t *testing.T) {
	t.Parallel()
	const B, H = 4, 6
	r := rand.New(rand.NewPCG(5, 1))
	a := make([]float64, 2*B*H)
	for i := 0; i < B*H; i++ {
		a[i] = 3 * r.NormFloat64()                 // z from about −6 to 6
		a[B*H+i] = 0.2 + 2*r.Float64()*r.Float64() // variances in [0.2, 2.2]
	}
	a[0], a[B*H] = 0, 1      // z = 0 exactly
	a[1], a[B*H+1] = -6, 0.5 // z < reluMillsBelow: the continued fraction
	a[2], a[B*H+2] = 6, 0.5  // z > 8: Φ(z) = 1 to double precision
	c := randVec(r, 2*B*H, 1)
	g := G.NewGraph()
	na := tensorNode(g, a, 2, B, H)
	out, err := MomentReLU(na)
	require.NoError(t, err)
	v, grads := evalGrads(t, G.Must(G.Sum(G.Must(G.HadamardProd(out, tensorNode(g, c, 2, B, H))))), na)
	assert.InDelta(t, hostReLUCost(a, c), v, fusedTol*math.Max(1, math.Abs(v)), "value")
	fd := fdcheck.Grad(func(x []float64) float64 { return hostReLUCost(x, c) }, a, fdStep)
	assertClose(t, fd, grads[0], fdRelTol, "MomentReLU vs finite differences")
}

// TestMomentReLUGradCache: the gradient op uses the derivatives of the
// forward pass that ran before it, and recomputes them when none ran since
// its last use; both give the same bits.
func TestMomentReLUGradCache(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 2))
	a, g := randVec(r, 24, 2), randVec(r, 24, 1)
	for i := 12; i < 24; i++ {
		a[i] = math.Abs(a[i]) + 0.1
	}
	av, gv := valueShaped([]int{2, 3, 4}, a), valueShaped([]int{2, 3, 4}, g)
	k := new(reluBack)
	fwd := momentReLUOp{d: 3, buf: new(OutBuf), back: k}
	grad := momentReLUGradOp{d: 3, buf: new(OutBuf), back: k}
	_, err := fwd.Do(av)
	require.NoError(t, err)
	cached, err := grad.Do(av, gv)
	require.NoError(t, err)
	want := valuesOf(t, cached)
	require.False(t, k.fresh(12), "used once")
	again, err := grad.Do(av, gv) // no forward pass since: recomputed
	require.NoError(t, err)
	assert.Equal(t, want, valuesOf(t, again))
}

func TestMomentReLUErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	_, err := MomentReLU(tensorNode(g, make([]float64, 12), 3, 4))
	assert.ErrorContains(t, err, "want [2, …]")
	_, err = MomentReLU(tensorNode(g, make([]float64, 4), 4))
	assert.ErrorContains(t, err, "want [2, …]")
}

// BenchmarkReLUMoments times the closed form and its derivatives at
// standard normal z.
func BenchmarkReLUMoments(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	mu := randVec(r, 1024, 2)
	var s float64
	i := 0
	for b.Loop() {
		t := reluTermsOf(mu[i&1023], 1)
		s += t.mean + t.dVarVar
		i++
	}
	_ = s
}
