package ops

import (
	"fmt"
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

// logitCost is 1.3·LogitLogLik(3·tanh(l0), y), fused or from generic ops.
func logitCost(t *testing.T, fused bool, l0, y []float64, B, K int) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nl := tensorNode(g, l0, B, K)
	ny := tensorNode(g, y, B)
	b := graph.New(g)
	l := b.Mul(b.Tanh(nl), b.Const(3))
	var ll *G.Node
	switch {
	case fused:
		var err error
		ll, err = LogitLogLik(l, ny)
		require.NoError(t, err)
	case K == 1:
		// y·f − softplus(f)
		f := b.Reshape(l, B)
		ll = b.Sum(b.Sub(b.Mul(ny, f), b.Softplus(f)))
	default:
		onehot := make([]float64, B*K)
		for i, v := range y {
			onehot[i*K+int(v)] = 1
		}
		oh := tensorNode(g, onehot, B, K)
		lse := b.Log(b.Sum(b.Exp(l), 1))
		ll = b.Sub(b.Sum(b.Mul(oh, l)), b.Sum(lse))
	}
	require.NoError(t, b.Err())
	return evalGrads(t, G.Must(G.Mul(ll, graph.Scalar(g, 1.3))), nl)
}

// logitHost is logitCost on the host, with gonum's distuv.Categorical
// (distuv.Bernoulli for K = 1) as the likelihood.
func logitHost(l0, y []float64, B, K int) float64 {
	var s float64
	for r := range B {
		row := make([]float64, K)
		for j := range row {
			row[j] = 3 * math.Tanh(l0[r*K+j])
		}
		if K == 1 {
			s += distuv.Bernoulli{P: 1 / (1 + math.Exp(-row[0]))}.LogProb(y[r])
			continue
		}
		w := make([]float64, K)
		for j, v := range row {
			w[j] = math.Exp(v)
		}
		s += distuv.NewCategorical(w, nil).LogProb(y[r])
	}
	return 1.3 * s
}

func TestLogitLogLikGradient(t *testing.T) {
	t.Parallel()
	const B = 5
	for _, K := range []int{1, 4} {
		t.Run(fmt.Sprintf("K=%d", K), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(K)))
			l0 := randVec(r, B*K, 1)
			y := make([]float64, B)
			for i := range y {
				y[i] = float64(r.IntN(max(K, 2)))
			}
			vf, gf := logitCost(t, true, l0, y, B, K)
			vu, gu := logitCost(t, false, l0, y, B, K)
			// Gorgonia's Softplus returns x exactly above 16 (≈1e-7 error);
			// the logits here lie in [−3, 3], where it is exact.
			assert.InDelta(t, vu, vf, fusedTol*math.Max(1, math.Abs(vu)))
			assertClose(t, gu[0], gf[0], fusedTol, "∂/∂logits fused vs generic")
			host := func(p []float64) float64 { return logitHost(p, y, B, K) }
			assert.InDelta(t, host(l0), vf, fusedTol*math.Max(1, math.Abs(vf)), "value vs distuv")
			assertClose(t, fdcheck.Grad(host, l0, fdStep), gf[0], fdRelTol, "∂/∂logits vs FD")
		})
	}
}

func TestLogitLogLikErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	_, err := LogitLogLik(tensorNode(g, make([]float64, 6), 3, 2), tensorNode(g, make([]float64, 2), 2))
	assert.ErrorContains(t, err, "do not fit")
	// A label outside the classes fails the run, not silently.
	l := tensorNode(g, make([]float64, 6), 3, 2)
	ll, err := LogitLogLik(l, tensorNode(g, []float64{0, 1, 2}, 3))
	require.NoError(t, err)
	vm := G.NewTapeMachine(g.SubgraphRoots(ll))
	defer vm.Close()
	assert.ErrorContains(t, vm.RunAll(), "label 2 of row 2 is not a class in 0…1")
}

// BenchmarkLogitLogLik times the 10-class likelihood of 64 rows and its
// gradient.
func BenchmarkLogitLogLik(b *testing.B) {
	const B, K = 64, 10
	r := rand.New(rand.NewPCG(6, 0))
	y := make([]float64, B)
	for i := range y {
		y[i] = float64(r.IntN(K))
	}
	g := G.NewGraph()
	l := tensorNode(g, randVec(r, B*K, 1), B, K)
	benchGrad(b, G.Must(LogitLogLik(l, tensorNode(g, y, B))), l)
}
