package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/fdcheck"
)

// hostDenseN is Σ c ⊙ out of two DenseN layers (data x shared by the
// particles, then each particle's hidden layer) with plain loops, particle
// by particle through hostLayer.
func hostDenseN(x, w1, b1, w2, b2, c []float64, S, B, D, H, K int, act Activation) float64 {
	var sum float64
	for s := 0; s < S; s++ {
		h := hostLayer(x, w1[s*D*H:(s+1)*D*H], b1[s*H:(s+1)*H], B, D, H, act)
		o := hostLayer(h, w2[s*H*K:(s+1)*H*K], b2[s*K:(s+1)*K], B, H, K, Identity)
		for i, v := range o {
			sum += c[s*B*K+i] * v
		}
	}
	return sum
}

// TestDenseNGradient checks two stacked DenseN layers (S = 3 particles, a
// shared data input, then a per-particle input; K = 2 and the K = 1 output
// of a regression net, which takes the dgemv paths) against central
// differences of the host computation: value to 1e-12, every gradient to
// fdRelTol. The graph runs twice with different weights, so a gradient
// kept from the first run would fail the second.
func TestDenseNGradient(t *testing.T) {
	t.Parallel()
	const S, B, D, H = 3, 6, 4, 5
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		for _, K := range []int{2, 1} {
			r := rand.New(rand.NewPCG(uint64(act), uint64(K)))
			x, c := randVec(r, B*D, 1), randVec(r, S*B*K, 1)
			g := G.NewGraph()
			node := func(v []float64, shape ...int) *G.Node {
				return G.NewTensor(g, G.Float64, len(shape), G.WithShape(shape...), G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))))
			}
			params := [][]float64{randVec(r, S*D*H, 1), randVec(r, S*H, 0.5), randVec(r, S*H*K, 1), randVec(r, S*K, 0.5)}
			nw1, nb1 := node(params[0], S, D, H), node(params[1], S, H)
			nw2, nb2 := node(params[2], S, H, K), node(params[3], S, K)
			h, err := DenseN(node(x, B, D), nw1, nb1, act)
			require.NoError(t, err)
			out, err := DenseN(h, nw2, nb2, Identity)
			require.NoError(t, err)
			cost := G.Must(G.Sum(G.Must(G.HadamardProd(out, node(c, S, B, K)))))
			wrt := G.Nodes{nw1, nb1, nw2, nb2}
			grads, err := G.Grad(cost, wrt...)
			require.NoError(t, err)
			vals := make([]G.Value, 1+len(grads))
			for i, n := range append(G.Nodes{cost}, grads...) {
				G.Read(n, &vals[i])
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
			for run := 0; run < 2; run++ {
				if run == 1 {
					for i, p := range params {
						for j := range p {
							p[j] = r.NormFloat64()
						}
						require.NoError(t, G.Let(wrt[i], tensor.New(tensor.WithShape(wrt[i].Shape()...), tensor.WithBacking(p))))
					}
				}
				require.NoError(t, vm.RunAll())
				vm.Reset()
				host := func([]float64) float64 {
					return hostDenseN(x, params[0], params[1], params[2], params[3], c, S, B, D, H, K, act)
				}
				assert.InDelta(t, host(nil), valuesOf(t, vals[0])[0], 1e-12*math.Max(1, math.Abs(host(nil))), "%v K=%d run %d: value", act, K, run)
				for i, name := range []string{"w1", "b1", "w2", "b2"} {
					fd := fdcheck.Grad(host, params[i], fdStep)
					assertClose(t, fd, valuesOf(t, vals[1+i]), fdRelTol, act.String()+": ∂/∂"+name)
				}
			}
			vm.Close()
		}
	}
}
