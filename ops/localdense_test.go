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

// localParams are the inputs of the local-reparameterization test network:
// x0 [B, D], wLoc and uW [D, H], bLoc and uB [H], eps [B, H], the output
// layer w2 [H, K], b2 [K] and the cost weights c [B, K].
type localParams struct {
	B, D, H, K                             int
	x0, wLoc, uW, bLoc, uB, eps, w2, b2, c []float64
	act                                    Activation
}

func newLocalParams(act Activation) localParams {
	const B, D, H, K = 6, 4, 5, 2
	r := rand.New(rand.NewPCG(3, uint64(act)))
	p := localParams{B: B, D: D, H: H, K: K, act: act}
	p.x0, p.wLoc, p.uW = randVec(r, B*D, 1), randVec(r, D*H, 1), randVec(r, D*H, 0.5)
	p.bLoc, p.uB, p.eps = randVec(r, H, 0.5), randVec(r, H, 0.5), randVec(r, B*H, 1)
	p.w2, p.b2, p.c = randVec(r, H*K, 1), randVec(r, K, 0.5), randVec(r, B*K, 1)
	return p
}

// localCost is Σ c ⊙ Dense(LocalDense(tanh(x0), wLoc, e^{uW}, bLoc, e^{uB}, ε), w2, b2):
// a local-reparameterized layer whose input and variances are computed,
// so every gradient path is exercised.
func localCost(t *testing.T, p localParams) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nx := tensorNode(g, p.x0, p.B, p.D)
	nwl, nuw := tensorNode(g, p.wLoc, p.D, p.H), tensorNode(g, p.uW, p.D, p.H)
	nbl, nub := tensorNode(g, p.bLoc, p.H), tensorNode(g, p.uB, p.H)
	ne := tensorNode(g, p.eps, p.B, p.H)
	nw2, nb2, nc := tensorNode(g, p.w2, p.H, p.K), tensorNode(g, p.b2, p.K), tensorNode(g, p.c, p.B, p.K)
	h, err := LocalDense(G.Must(G.Tanh(nx)), nwl, G.Must(G.Exp(nuw)), nbl, G.Must(G.Exp(nub)), ne, p.act)
	require.NoError(t, err)
	out, err := Dense(h, nw2, nb2, Identity)
	require.NoError(t, err)
	return evalGrads(t, G.Must(G.Sum(G.Must(G.HadamardProd(out, nc)))), nx, nwl, nuw, nbl, nub)
}

// hostLocal is localCost computed with plain loops (hostLayer for the
// output layer), for finite differences.
func hostLocal(p localParams) float64 {
	B, D, H := p.B, p.D, p.H
	h := make([]float64, B*H)
	for r := 0; r < B; r++ {
		for j := 0; j < H; j++ {
			mu, v := p.bLoc[j], math.Exp(p.uB[j])
			for i := 0; i < D; i++ {
				x := math.Tanh(p.x0[r*D+i])
				mu += x * p.wLoc[i*H+j]
				v += x * x * math.Exp(p.uW[i*H+j])
			}
			z := mu + math.Sqrt(v)*p.eps[r*H+j]
			switch p.act {
			case ReLU:
				z = math.Max(z, 0)
			case Tanh:
				z = math.Tanh(z)
			}
			h[r*H+j] = z
		}
	}
	var s float64
	for i, o := range hostLayer(h, p.w2, p.b2, B, H, p.K, Identity) {
		s += p.c[i] * o
	}
	return s
}

func TestLocalDenseGradient(t *testing.T) {
	t.Parallel()
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		t.Run(act.String(), func(t *testing.T) {
			p := newLocalParams(act)
			v, g := localCost(t, p)
			assert.InDelta(t, hostLocal(p), v, fusedTol*math.Max(1, math.Abs(v)), "value")
			for i, x := range [][]float64{p.x0, p.wLoc, p.uW, p.bLoc, p.uB} {
				// hostLocal reads x through p, which aliases it.
				fd := fdcheck.Grad(func([]float64) float64 { return hostLocal(p) }, x, fdStep)
				assertClose(t, fd, g[i], fdRelTol, "LocalDense vs finite differences ∂/∂"+[]string{"x", "wLoc", "uW", "bLoc", "uB"}[i])
			}
		})
	}
}

func TestLocalDenseErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	x, w := tensorNode(g, make([]float64, 6), 2, 3), tensorNode(g, make([]float64, 12), 3, 4)
	b, e := tensorNode(g, make([]float64, 4), 4), tensorNode(g, make([]float64, 8), 2, 4)
	_, err := LocalDense(x, w, w, b, b, tensorNode(g, make([]float64, 12), 3, 4), ReLU)
	assert.ErrorContains(t, err, "do not fit")
	_, err = LocalDense(x, w, tensorNode(g, make([]float64, 12), 4, 3), b, b, e, ReLU)
	assert.ErrorContains(t, err, "do not fit")
	_, err = LocalDense(x, w, w, b, b, e, Activation(9))
	assert.ErrorContains(t, err, "unknown activation")
}

// BenchmarkLocalDense times the forward and backward pass of the first
// layer of the UCI network (455 rows, 13 → 50, ReLU) with local
// reparameterization.
func BenchmarkLocalDense(b *testing.B) {
	const B, D, H = 455, 13, 50
	r := rand.New(rand.NewPCG(8, 0))
	g := G.NewGraph()
	x := tensorNode(g, randVec(r, B*D, 1), B, D)
	wl, uw := tensorNode(g, randVec(r, D*H, 1), D, H), tensorNode(g, randVec(r, D*H, 0.5), D, H)
	bl, ub := tensorNode(g, randVec(r, H, 0.5), H), tensorNode(g, randVec(r, H, 0.5), H)
	h := G.Must(LocalDense(x, wl, G.Must(G.Exp(uw)), bl, G.Must(G.Exp(ub)), tensorNode(g, randVec(r, B*H, 1), B, H), ReLU))
	benchGrad(b, G.Must(G.Sum(h)), wl, uw, bl, ub)
}
