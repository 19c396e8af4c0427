package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/special"
)

// hostExpectedLogLik is GaussianExpectedLogLik written from its formula.
func hostExpectedLogLik(f, y []float64, logTau, tau float64) float64 {
	n := len(y)
	var s float64
	for i := range y {
		d := y[i] - f[i]
		s += 0.5*logTau - special.LogSqrt2Pi - 0.5*tau*(d*d+f[n+i])
	}
	return s
}

func TestGaussianExpectedLogLik(t *testing.T) {
	t.Parallel()
	const B = 7
	r := rand.New(rand.NewPCG(4, 4))
	f, y := randVec(r, 2*B, 1), randVec(r, B, 1)
	for i := B; i < 2*B; i++ {
		f[i] = 0.1 + f[i]*f[i] // variances
	}
	lt, tau := []float64{0.3}, []float64{1.7} // E log τ < log E τ, as Jensen wants
	for _, shape := range [][]int{{2, B}, {2, B, 1}} {
		g := G.NewGraph()
		nf, nl, nt := tensorNode(g, f, shape...), tensorNode(g, lt, 1), tensorNode(g, tau, 1)
		ll, err := GaussianExpectedLogLik(nf, tensorNode(g, y, B), nl, nt)
		require.NoError(t, err)
		v, grads := evalGrads(t, ll, nf, nl, nt)
		host := func([]float64) float64 { return hostExpectedLogLik(f, y, lt[0], tau[0]) }
		assert.InDelta(t, host(nil), v, fusedTol*math.Max(1, math.Abs(v)), "value %v", shape)
		for i, x := range [][]float64{f, lt, tau} {
			fd := fdcheck.Grad(host, x, fdStep) // host reads x through the closure
			assertClose(t, fd, grads[i], fdRelTol, "GaussianExpectedLogLik vs finite differences ∂/∂"+[]string{"f", "E log τ", "E τ"}[i])
		}
	}
}

// TestGaussianExpectedLogLikPointMass: with zero variances and a fixed τ
// (E log τ = log τ) the expected log-likelihood is GaussianLogLik's.
func TestGaussianExpectedLogLikPointMass(t *testing.T) {
	t.Parallel()
	const B = 6
	r := rand.New(rand.NewPCG(4, 5))
	f, y := append(randVec(r, B, 1), make([]float64, B)...), randVec(r, B, 1)
	g := G.NewGraph()
	tau := tensorNode(g, []float64{2.5}, 1)
	want, err := GaussianLogLik(tensorNode(g, f[:B], B), tensorNode(g, y, B), tau)
	require.NoError(t, err)
	got, err := GaussianExpectedLogLik(tensorNode(g, f, 2, B), tensorNode(g, y, B), tensorNode(g, []float64{math.Log(2.5)}, 1), tau)
	require.NoError(t, err)
	res := runTape(t, g, nil, want, got)
	assert.InDelta(t, res[0][0], res[1][0], fusedTol*math.Abs(res[0][0]))
}

func TestGaussianExpectedLogLikErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	y, s := tensorNode(g, make([]float64, 3), 3), tensorNode(g, []float64{1}, 1)
	_, err := GaussianExpectedLogLik(tensorNode(g, make([]float64, 3), 3), y, s, s)
	assert.ErrorContains(t, err, "do not fit")
	_, err = GaussianExpectedLogLik(tensorNode(g, make([]float64, 12), 2, 3, 2), y, s, s)
	assert.ErrorContains(t, err, "do not fit")
	_, err = GaussianExpectedLogLik(tensorNode(g, make([]float64, 6), 2, 3), y, tensorNode(g, []float64{1, 2}, 2), s)
	assert.ErrorContains(t, err, "do not fit")
}
