package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/graph"
)

// TestNormalPriorLogProb checks 2.5·NormalPriorLogProb(w, σ) on a [3, 4]
// array against gonum's distuv.Normal, summed, and finite differences.
func TestNormalPriorLogProb(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 0))
	w := randVec(r, 12, 0.7)
	const sd = 0.4
	host := func(p []float64) float64 {
		var s float64
		for _, x := range p {
			s += distuv.Normal{Mu: 0, Sigma: sd}.LogProb(x)
		}
		return 2.5 * s
	}
	g := G.NewGraph()
	nw := tensorNode(g, w, 3, 4)
	lp, err := NormalPriorLogProb(nw, sd)
	require.NoError(t, err)
	v, grads := evalGrads(t, G.Must(G.Mul(lp, graph.Scalar(g, 2.5))), nw)
	assert.InDelta(t, host(w), v, fusedTol*math.Abs(v), "value vs distuv")
	assertClose(t, fdcheck.Grad(host, w, fdStep), grads[0], fdRelTol, "∂/∂w vs FD")
}

// TestGammaPriorLogProb checks GammaPriorLogProb(e^u, a, b) against
// gonum's distuv.Gamma (shape α, rate β) and finite differences, for one
// value and for one per particle.
func TestGammaPriorLogProb(t *testing.T) {
	t.Parallel()
	const a, b = 6.0, 6.0
	gam := distuv.Gamma{Alpha: a, Beta: b}
	host := func(p []float64) float64 {
		var s float64
		for _, u := range p {
			s += gam.LogProb(math.Exp(u))
		}
		return s
	}
	for _, u := range [][]float64{{0.3}, {0.3, -0.2, 1.1}} {
		g := G.NewGraph()
		nu := tensorNode(g, u, len(u))
		lp, err := GammaPriorLogProb(G.Must(G.Exp(nu)), a, b)
		require.NoError(t, err)
		v, grads := evalGrads(t, lp, nu)
		assert.InDelta(t, host(u), v, fusedTol*math.Max(1, math.Abs(v)), "value vs distuv, %d values", len(u))
		assertClose(t, fdcheck.Grad(host, u, fdStep), grads[0], fdRelTol, "∂/∂u vs FD")
	}
	g := G.NewGraph()
	_, err := GammaPriorLogProb(nil, a, b)
	assert.ErrorContains(t, err, "nil node")
	// The gradient op is not differentiable again: gorgonia finds no
	// path from the gradient back to x.
	x := tensorNode(g, []float64{1, 2}, 2)
	lp, err := GammaPriorLogProb(x, a, b)
	require.NoError(t, err)
	d, err := G.Grad(lp, x)
	require.NoError(t, err)
	_, err = G.Grad(G.Must(G.Sum(d[0])), x)
	assert.Error(t, err)
}

// BenchmarkNormalPriorLogProb times the prior of the UCI network's first
// weight matrix (13 × 50) and its gradient.
func BenchmarkNormalPriorLogProb(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 0))
	g := G.NewGraph()
	w := tensorNode(g, randVec(r, 13*50, 0.3), 13, 50)
	benchGrad(b, G.Must(NormalPriorLogProb(w, 1)), w)
}
