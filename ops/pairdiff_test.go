package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/graph"
)

// randPairs returns games index pairs (a ≠ b) into n elements, with
// repeats.
func randPairs(r *rand.Rand, n, games int) (a, b []int) {
	for range games {
		i := r.IntN(n)
		a, b = append(a, i), append(b, (i+1+r.IntN(n-1))%n)
	}
	return a, b
}

// TestPairDiffGradient checks PairDiff's gradient (the scatter-add) and
// PairScatter's (the gather) against finite differences, with repeated
// indices, through f(s) = Σ_g w_g·tanh(d_g) + ½ Σ_i scatter(tanh(d))_i²,
// so that both ops are on the path and the incoming gradients vary.
func TestPairDiffGradient(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	const n, games = 6, 40
	a, b := randPairs(r, n, games)
	w, s0 := randVec(r, games, 1), randVec(r, n, 1)
	host := func(s []float64) float64 {
		f := 0.0
		sc := make([]float64, n)
		for g := range a {
			d := math.Tanh(s[a[g]] - s[b[g]])
			f += w[g] * d
			sc[a[g]] += d
			sc[b[g]] -= d
		}
		for _, v := range sc {
			f += 0.5 * v * v
		}
		return f
	}
	g := G.NewGraph()
	s := tensorNode(g, s0, n)
	gb := graph.New(g)
	d := gb.Tanh(gb.Apply("PairDiff", func(x *G.Node) (*G.Node, error) { return PairDiff(x, a, b) }, s))
	sc := gb.Apply("PairScatter", func(x *G.Node) (*G.Node, error) { return PairScatter(x, a, b, n) }, d)
	f := gb.Add(gb.Sum(gb.Mul(d, constOf(g, w, games))), gb.Mul(gb.Const(0.5), gb.Sum(gb.Square(sc))))
	require.NoError(t, gb.Err())
	v, grads := evalGrads(t, f, s)
	assert.InDelta(t, host(s0), v, fusedTol*math.Max(1, math.Abs(v)), "value vs host")
	assertClose(t, fdcheck.Grad(host, s0, fdStep), grads[0], fdRelTol, "∂f/∂s vs FD")
}

func TestPairDiffErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	s := tensorNode(g, make([]float64, 3), 3)
	_, err := PairDiff(s, []int{0, 1}, []int{2})
	assert.ErrorContains(t, err, "2 first and 1 second indices")
	_, err = PairDiff(s, []int{0, 3}, []int{2, 1})
	assert.ErrorContains(t, err, "pair 1 = (3, 1) is outside [0, 3)")
	_, err = PairDiff(tensorNode(g, make([]float64, 4), 2, 2), []int{0}, []int{1})
	assert.ErrorContains(t, err, "want a vector")
	_, err = PairScatter(s, []int{0, 1}, []int{1, 0}, 2)
	assert.ErrorContains(t, err, "want (2)")
}

// BenchmarkPairDiff times the differences of 2,000 games among 100
// players and their gradient.
func BenchmarkPairDiff(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	a, c := randPairs(r, 100, 2000)
	g := G.NewGraph()
	s := tensorNode(g, randVec(r, 100, 1), 100)
	d := G.Must(PairDiff(s, a, c))
	benchGrad(b, G.Must(G.Sum(G.Must(G.Square(d)))), s)
}
