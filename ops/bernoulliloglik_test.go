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

// TestBernoulliLogLik checks 0.9·BernoulliLogLik(4·tanh(l0), x) on a
// [3, 4] array of binary x against distuv.Bernoulli and finite
// differences.
func TestBernoulliLogLik(t *testing.T) {
	t.Parallel()
	const R, C = 3, 4
	r := rand.New(rand.NewPCG(7, 0))
	l0 := randVec(r, R*C, 1)
	x := make([]float64, R*C)
	for i := range x {
		x[i] = float64(r.IntN(2))
	}
	host := func(l0 []float64) float64 {
		var s float64
		for i, v := range l0 {
			s += distuv.Bernoulli{P: 1 / (1 + math.Exp(-4*math.Tanh(v)))}.LogProb(x[i])
		}
		return 0.9 * s
	}
	g := G.NewGraph()
	nl := tensorNode(g, l0, R, C)
	b := graph.New(g)
	ll, err := BernoulliLogLik(b.Mul(b.Tanh(nl), b.Const(4)), tensorNode(g, x, R, C))
	require.NoError(t, err)
	v, grads := evalGrads(t, b.Mul(ll, b.Const(0.9)), nl)
	require.NoError(t, b.Err())
	assert.InDelta(t, host(l0), v, fusedTol*math.Abs(v), "value vs distuv")
	assertClose(t, fdcheck.Grad(host, l0, fdStep), grads[0], fdRelTol, "∂/∂logits vs FD")

	_, err = BernoulliLogLik(nl, tensorNode(g, x[:4], 4))
	assert.ErrorContains(t, err, "differ in shape")
}

// BenchmarkBernoulliLogLik times the likelihood of 64 8×8 binary images
// and its gradient.
func BenchmarkBernoulliLogLik(b *testing.B) {
	const B, D = 64, 64
	r := rand.New(rand.NewPCG(7, 1))
	x := make([]float64, B*D)
	for i := range x {
		x[i] = float64(r.IntN(2))
	}
	g := G.NewGraph()
	l := tensorNode(g, randVec(r, B*D, 2), B, D)
	benchGrad(b, G.Must(BernoulliLogLik(l, tensorNode(g, x, B, D))), l)
}
