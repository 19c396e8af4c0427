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

// gaussCost is 1.7·GaussianLogLik(tanh(f0), y, e^u): the fused op, or the
// same log-density from generic ops.
func gaussCost(t *testing.T, fused bool, f0, y []float64, u float64, shape []int) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nf := tensorNode(g, f0, shape...)
	ny := tensorNode(g, y, len(y))
	nu := tensorNode(g, []float64{u}, 1)
	f := G.Must(G.Tanh(nf))
	tau := G.Must(G.Exp(G.Must(G.Sum(nu))))
	var ll *G.Node
	if fused {
		var err error
		ll, err = GaussianLogLik(f, ny, tau)
		require.NoError(t, err)
	} else {
		b := graph.New(g)
		d := b.Sub(ny, b.Reshape(f, len(y)))
		n := float64(len(y))
		ll = b.Sub(b.Mul(b.Const(0.5*n), b.Log(tau)), b.Add(b.Const(n*math.Log(math.Sqrt(2*math.Pi))), b.Mul(b.Mul(b.Const(0.5), tau), b.Sum(b.Square(d)))))
		require.NoError(t, b.Err())
	}
	return evalGrads(t, G.Must(G.Mul(ll, graph.Scalar(g, 1.7))), nf, nu)
}

// gaussHost is gaussCost on the host, with gonum's distuv.Normal as the
// density.
func gaussHost(f0, y []float64, u float64) float64 {
	sd := math.Exp(-u / 2)
	var s float64
	for i, v := range f0 {
		s += distuv.Normal{Mu: math.Tanh(v), Sigma: sd}.LogProb(y[i])
	}
	return 1.7 * s
}

func TestGaussianLogLikGradient(t *testing.T) {
	t.Parallel()
	for _, shape := range [][]int{{6}, {6, 1}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			r := rand.New(rand.NewPCG(2, 0))
			f0, y := randVec(r, 6, 1), randVec(r, 6, 1)
			const u = 0.7
			vf, gf := gaussCost(t, true, f0, y, u, shape)
			vu, gu := gaussCost(t, false, f0, y, u, shape)
			assert.InDelta(t, vu, vf, fusedTol*math.Max(1, math.Abs(vu)))
			assertClose(t, gu[0], gf[0], fusedTol, "∂/∂f fused vs generic")
			assertClose(t, gu[1], gf[1], fusedTol, "∂/∂u fused vs generic")
			assert.InDelta(t, gaussHost(f0, y, u), vf, fusedTol*math.Abs(vf), "value vs distuv")
			assertClose(t, fdcheck.Grad(func(p []float64) float64 { return gaussHost(p, y, u) }, f0, fdStep), gf[0], fdRelTol, "∂/∂f vs FD")
			assertClose(t, fdcheck.Grad(func(p []float64) float64 { return gaussHost(f0, y, p[0]) }, []float64{u}, fdStep), gf[1], fdRelTol, "∂/∂u vs FD")
		})
	}
}

// TestGaussianLogLikN checks S particles at once against the host
// density (distuv) and finite differences, for f of shape [S, B] and
// [S, B, 1].
func TestGaussianLogLikN(t *testing.T) {
	t.Parallel()
	const S, B = 3, 5
	r := rand.New(rand.NewPCG(2, 1))
	f0, y, u := randVec(r, S*B, 1), randVec(r, B, 1), randVec(r, S, 0.5)
	host := func(f0, u []float64) float64 {
		var s float64
		for p := range S {
			s += gaussHost(f0[p*B:(p+1)*B], y, u[p]) / 1.7
		}
		return 1.3 * s
	}
	for _, shape := range [][]int{{S, B}, {S, B, 1}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			g := G.NewGraph()
			nf, nu := tensorNode(g, f0, shape...), tensorNode(g, u, S)
			ll, err := GaussianLogLikN(G.Must(G.Tanh(nf)), tensorNode(g, y, B), G.Must(G.Exp(nu)))
			require.NoError(t, err)
			v, grads := evalGrads(t, G.Must(G.Mul(ll, graph.Scalar(g, 1.3))), nf, nu)
			assert.InDelta(t, host(f0, u), v, fusedTol*math.Abs(v), "value vs distuv")
			assertClose(t, fdcheck.Grad(func(p []float64) float64 { return host(p, u) }, f0, fdStep), grads[0], fdRelTol, "∂/∂f vs FD")
			assertClose(t, fdcheck.Grad(func(p []float64) float64 { return host(f0, p) }, u, fdStep), grads[1], fdRelTol, "∂/∂u vs FD")
		})
	}
	g := G.NewGraph()
	_, err := GaussianLogLikN(tensorNode(g, f0, S, B), tensorNode(g, y[:4], 4), tensorNode(g, u, S))
	assert.ErrorContains(t, err, "do not fit")
}

func TestGaussianLogLikErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	_, err := GaussianLogLik(tensorNode(g, make([]float64, 3), 3), tensorNode(g, make([]float64, 4), 4), graph.Scalar(g, 1))
	assert.ErrorContains(t, err, "do not fit")
	_, err = GaussianLogLik(nil, tensorNode(g, make([]float64, 4), 4), graph.Scalar(g, 1))
	assert.ErrorContains(t, err, "nil node")
}

// BenchmarkGaussianLogLik times the likelihood of a 455-row regression
// output and its gradient with respect to f and τ.
func BenchmarkGaussianLogLik(b *testing.B) {
	const B = 455
	r := rand.New(rand.NewPCG(5, 0))
	g := G.NewGraph()
	f, tau := tensorNode(g, randVec(r, B, 1), B, 1), tensorNode(g, []float64{2}, 1)
	ll := G.Must(GaussianLogLik(f, tensorNode(g, randVec(r, B, 1), B), G.Must(G.Sum(tau))))
	benchGrad(b, ll, f, tau)
}

// BenchmarkGaussianLogLikN times the same for 16 particles at once.
func BenchmarkGaussianLogLikN(b *testing.B) {
	const S, B = 16, 455
	r := rand.New(rand.NewPCG(5, 1))
	g := G.NewGraph()
	f, tau := tensorNode(g, randVec(r, S*B, 1), S, B, 1), tensorNode(g, randVec(r, S, 0.1), S)
	ll := G.Must(GaussianLogLikN(f, tensorNode(g, randVec(r, B, 1), B), G.Must(G.Exp(tau))))
	benchGrad(b, ll, f, tau)
}
