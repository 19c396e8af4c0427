package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/fdcheck"
)

// momentParams are the inputs of the moment-propagation test network:
// x0 [B, D] → MomentDense(tanh(x0); wLoc, e^{uW}, bLoc, e^{uB}) → MomentReLU
// → MomentDense(·; w2, e^{u2}, b2, e^{ub2}) [2, B, K], and the cost weights
// c [2, B, K].
type momentParams struct {
	B, D, H, K             int
	x0, wLoc, uW, bLoc, uB []float64
	w2, u2, b2, ub2, c     []float64
	params                 [][]float64 // the above but c, in the order of momentNames
}

var momentNames = []string{"x", "wLoc", "uW", "bLoc", "uB", "w2", "u2", "b2", "ub2"}

func newMomentParams() *momentParams {
	const B, D, H, K = 5, 3, 4, 2
	r := rand.New(rand.NewPCG(11, 2))
	p := &momentParams{B: B, D: D, H: H, K: K}
	p.x0, p.wLoc, p.uW = randVec(r, B*D, 1), randVec(r, D*H, 1), randVec(r, D*H, 0.7)
	p.bLoc, p.uB = randVec(r, H, 0.5), randVec(r, H, 0.5)
	p.w2, p.u2, p.b2, p.ub2 = randVec(r, H*K, 1), randVec(r, H*K, 0.7), randVec(r, K, 0.5), randVec(r, K, 0.5)
	p.c = randVec(r, 2*B*K, 1)
	p.params = [][]float64{p.x0, p.wLoc, p.uW, p.bLoc, p.uB, p.w2, p.u2, p.b2, p.ub2}
	return p
}

// graphCost builds and runs Σ c ⊙ net(x0) and returns it with its gradient
// with respect to every input of momentNames.
func (p *momentParams) graphCost(t *testing.T) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	n := make([]*G.Node, len(p.params))
	shapes := [][]int{{p.B, p.D}, {p.D, p.H}, {p.D, p.H}, {p.H}, {p.H}, {p.H, p.K}, {p.H, p.K}, {p.K}, {p.K}}
	for i, v := range p.params {
		n[i] = tensorNode(g, v, shapes[i]...)
	}
	exp := func(x *G.Node) *G.Node { return G.Must(G.Exp(x)) }
	a1, err := MomentDense(G.Must(G.Tanh(n[0])), n[1], exp(n[2]), n[3], exp(n[4]))
	require.NoError(t, err)
	h, err := MomentReLU(a1)
	require.NoError(t, err)
	out, err := MomentDense(h, n[5], exp(n[6]), n[7], exp(n[8]))
	require.NoError(t, err)
	require.Equal(t, []int{2, p.B, p.K}, []int(out.Shape()))
	return evalGrads(t, G.Must(G.Sum(G.Must(G.HadamardProd(out, tensorNode(g, p.c, 2, p.B, p.K))))), n...)
}

// hostMomentLayer returns the moments [2, B, out] of x·W + b from input
// means m and variances v ([B, in] each; v nil for exact inputs), written
// from the formula with plain loops.
func hostMomentLayer(m, v, wLoc, wVar, bLoc, bVar []float64, B, in, out int) []float64 {
	res := make([]float64, 2*B*out)
	for r := 0; r < B; r++ {
		for j := 0; j < out; j++ {
			mu, s2 := bLoc[j], bVar[j]
			for i := 0; i < in; i++ {
				mi, M, S := m[r*in+i], wLoc[i*out+j], wVar[i*out+j]
				mu += mi * M
				s2 += mi * mi * S
				if v != nil {
					s2 += v[r*in+i] * (M*M + S)
				}
			}
			res[r*out+j], res[B*out+r*out+j] = mu, s2
		}
	}
	return res
}

func expAll(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Exp(v)
	}
	return out
}

// hostCost is graphCost's value computed on the host.
func (p *momentParams) hostCost() float64 {
	x := make([]float64, len(p.x0))
	for i, v := range p.x0 {
		x[i] = math.Tanh(v)
	}
	a1 := hostMomentLayer(x, nil, p.wLoc, expAll(p.uW), p.bLoc, expAll(p.uB), p.B, p.D, p.H)
	n := p.B * p.H
	h := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		h[i], h[n+i] = ReLUMoments(a1[i], a1[n+i])
	}
	out := hostMomentLayer(h[:n], h[n:], p.w2, expAll(p.u2), p.b2, expAll(p.ub2), p.B, p.H, p.K)
	var s float64
	for i, o := range out {
		s += p.c[i] * o
	}
	return s
}

// TestMomentDenseGradient checks the value of a two-layer moment network
// (exact inputs into the first MomentDense, moments into the second)
// against host loops, and the gradient with respect to the input, every
// mean and every log-variance against central differences.
func TestMomentDenseGradient(t *testing.T) {
	t.Parallel()
	p := newMomentParams()
	v, grads := p.graphCost(t)
	assert.InDelta(t, p.hostCost(), v, fusedTol*math.Max(1, math.Abs(v)), "value")
	for i, x := range p.params {
		// hostCost reads x through p, which aliases it.
		fd := fdcheck.Grad(func([]float64) float64 { return p.hostCost() }, x, fdStep)
		assertClose(t, fd, grads[i], fdRelTol, "MomentDense vs finite differences ∂/∂"+momentNames[i])
	}
}

func TestMomentDenseErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	x, w := tensorNode(g, make([]float64, 6), 2, 3), tensorNode(g, make([]float64, 12), 3, 4)
	b := tensorNode(g, make([]float64, 4), 4)
	_, err := MomentDense(x, w, tensorNode(g, make([]float64, 12), 4, 3), b, b)
	assert.ErrorContains(t, err, "do not fit")
	_, err = MomentDense(tensorNode(g, make([]float64, 18), 3, 2, 3), w, w, b, b)
	assert.ErrorContains(t, err, "want [2, B, in]")
	_, err = MomentDense(tensorNode(g, make([]float64, 8), 2, 4), w, w, b, b)
	assert.ErrorContains(t, err, "do not fit")
}

// BenchmarkMomentDense times the forward and backward pass of the UCI
// network's moment propagation (455 rows, 13 → 50 → ReLU → 1).
func BenchmarkMomentDense(b *testing.B) {
	const B, D, H = 455, 13, 50
	r := rand.New(rand.NewPCG(8, 1))
	g := G.NewGraph()
	x := tensorNode(g, randVec(r, B*D, 1), B, D)
	wl, uw := tensorNode(g, randVec(r, D*H, 0.3), D, H), tensorNode(g, randVec(r, D*H, 0.5), D, H)
	bl, ub := tensorNode(g, randVec(r, H, 0.5), H), tensorNode(g, randVec(r, H, 0.5), H)
	w2, u2 := tensorNode(g, randVec(r, H, 0.3), H, 1), tensorNode(g, randVec(r, H, 0.5), H, 1)
	b2, ub2 := tensorNode(g, randVec(r, 1, 0.5), 1), tensorNode(g, randVec(r, 1, 0.5), 1)
	h := G.Must(MomentReLU(G.Must(MomentDense(x, wl, G.Must(G.Exp(uw)), bl, G.Must(G.Exp(ub))))))
	out := G.Must(MomentDense(h, w2, G.Must(G.Exp(u2)), b2, G.Must(G.Exp(ub2))))
	benchGrad(b, G.Must(G.Sum(out)), wl, uw, bl, ub, w2, u2, b2, ub2)
}
