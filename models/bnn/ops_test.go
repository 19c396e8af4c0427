package bnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// Tolerances of the operation checks.
const (
	// fusedTol: a fused op and the generic gorgonia graph of the same
	// function do the same arithmetic in a different order (BLAS blocking),
	// so they agree to a few ulps of the largest term.
	fusedTol = 1e-12
	// fdStep and fdTol: central differences of a smooth function with
	// step 1e-6 have truncation error O(h²) ≈ 1e-12 and rounding error
	// ≈ ε·|f|/h ≈ 1e-10·|f|; 1e-6 relative leaves a wide margin.
	fdStep = 1e-6
	fdTol  = 1e-6
)

func randVec(r *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// inputNode returns a float64 input node of the given shape holding a copy of v.
func inputNode(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(graph.Name("in")), G.WithValue(t))
}

// evalGrads runs cost and its gradient with respect to wrt and returns the
// cost and the gradients.
func evalGrads(t *testing.T, cost *G.Node, wrt ...*G.Node) (float64, [][]float64) {
	t.Helper()
	grads, err := G.Grad(cost, wrt...)
	require.NoError(t, err)
	var cv G.Value
	gv := make([]G.Value, len(grads))
	roots := G.Nodes{G.Read(cost, &cv)}
	for i, gn := range grads {
		roots = append(roots, G.Read(gn, &gv[i]))
	}
	g := cost.Graph()
	vm := G.NewTapeMachine(g.SubgraphRoots(append(roots, append(G.Nodes{cost}, grads...)...)...), G.BindDualValues(wrt...))
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	c, err := scalarOf(cv)
	require.NoError(t, err)
	out := make([][]float64, len(gv))
	for i, v := range gv {
		xs, err := floatsOf(v)
		require.NoError(t, err)
		out[i] = append([]float64(nil), xs...)
	}
	return c, out
}

func assertClose(t *testing.T, want, got []float64, tol float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		assert.InDelta(t, want[i], got[i], tol*math.Max(1, math.Abs(want[i])), "%s[%d]", what, i)
	}
}

// gaussCost is Σ c·GaussianLogLik(f, y, τ) with f = tanh(f0), τ = exp(u):
// the fused op, or the same log-density from generic ops.
func gaussCost(t *testing.T, fused bool, f0, y []float64, u float64, shape []int) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nf := inputNode(g, f0, shape...)
	ny := inputNode(g, y, len(y))
	nu := inputNode(g, []float64{u}, 1)
	f := G.Must(G.Tanh(nf))
	tau := G.Must(G.Exp(G.Must(G.Sum(nu))))
	var ll *G.Node
	if fused {
		var err error
		ll, err = GaussianLogLik(f, ny, tau)
		require.NoError(t, err)
	} else {
		b := graph.New(g)
		fv := b.Reshape(f, len(y))
		d := b.Sub(ny, fv)
		n := float64(len(y))
		ll = b.Sub(b.Mul(b.Const(0.5*n), b.Log(tau)), b.Add(b.Const(n*special.LogSqrt2Pi), b.Mul(b.Mul(b.Const(0.5), tau), b.Sum(b.Square(d)))))
		require.NoError(t, b.Err())
	}
	cost := G.Must(G.Mul(ll, graph.Scalar(g, 1.7)))
	return evalGrads(t, cost, nf, nu)
}

func TestGaussianLogLikGradient(t *testing.T) {
	t.Parallel()
	for _, shape := range [][]int{{6}, {6, 1}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			r := rand.New(rand.NewPCG(2, 0))
			f0, y := randVec(r, 6, 1), randVec(r, 6, 1)
			u := 0.7
			vf, gf := gaussCost(t, true, f0, y, u, shape)
			vu, gu := gaussCost(t, false, f0, y, u, shape)
			assert.InDelta(t, vu, vf, fusedTol*math.Max(1, math.Abs(vu)))
			assertClose(t, gu[0], gf[0], fusedTol, "∂/∂f fused vs generic")
			assertClose(t, gu[1], gf[1], fusedTol, "∂/∂u fused vs generic")
			host := func(f0 []float64, u float64) float64 {
				tau := math.Exp(u)
				var s float64
				for i, v := range f0 {
					d := y[i] - math.Tanh(v)
					s += 0.5*math.Log(tau) - special.LogSqrt2Pi - 0.5*tau*d*d
				}
				return 1.7 * s
			}
			assert.InDelta(t, host(f0, u), vf, 1e-12*math.Abs(vf))
			assertClose(t, fdcheck.Grad(func(p []float64) float64 { return host(p, u) }, f0, fdStep), gf[0], fdTol, "∂/∂f vs FD")
			assertClose(t, fdcheck.Grad(func(p []float64) float64 { return host(f0, p[0]) }, []float64{u}, fdStep), gf[1], fdTol, "∂/∂u vs FD")
		})
	}
}

// logitCost is Σ 1.3·LogitLogLik(tanh(l0)·3, y), fused or generic.
func logitCost(t *testing.T, fused bool, l0, y []float64, B, K int) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nl := inputNode(g, l0, B, K)
	ny := inputNode(g, y, B)
	b := graph.New(g)
	l := b.Mul(b.Tanh(nl), b.Const(3))
	var ll *G.Node
	if fused {
		var err error
		ll, err = LogitLogLik(l, ny)
		require.NoError(t, err)
	} else if K == 1 {
		// y·f − softplus(f)
		f := b.Reshape(l, B)
		ll = b.Sum(b.Sub(b.Mul(ny, f), b.Softplus(f)))
	} else {
		onehot := make([]float64, B*K)
		for i, v := range y {
			onehot[i*K+int(v)] = 1
		}
		oh := inputNode(g, onehot, B, K)
		lse := b.Log(b.Sum(b.Exp(l), 1))
		ll = b.Sub(b.Sum(b.Mul(oh, l)), b.Sum(lse))
	}
	require.NoError(t, b.Err())
	cost := G.Must(G.Mul(ll, graph.Scalar(g, 1.3)))
	return evalGrads(t, cost, nl)
}

func TestLogitLogLikGradient(t *testing.T) {
	t.Parallel()
	const B = 5
	for _, K := range []int{1, 4} {
		t.Run(fmt.Sprintf("K=%d", K), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(K)))
			l0 := randVec(r, B*K, 1)
			y := make([]float64, B)
			classes := max(K, 2)
			for i := range y {
				y[i] = float64(r.IntN(classes))
			}
			vf, gf := logitCost(t, true, l0, y, B, K)
			vu, gu := logitCost(t, false, l0, y, B, K)
			// Gorgonia's Softplus returns x exactly above 16 (≈1e-7 error);
			// the logits here lie in [−3, 3], where it is exact.
			assert.InDelta(t, vu, vf, fusedTol*math.Max(1, math.Abs(vu)))
			assertClose(t, gu[0], gf[0], fusedTol, "∂/∂logits fused vs generic")
			host := func(l0 []float64) float64 {
				l := make([]float64, len(l0))
				for i, v := range l0 {
					l[i] = 3 * math.Tanh(v)
				}
				ll, err := logitTerms(l, y, B, K, nil)
				require.NoError(t, err)
				return 1.3 * ll
			}
			assertClose(t, fdcheck.Grad(host, l0, fdStep), gf[0], fdTol, "∂/∂logits vs FD")
		})
	}
}

func TestOpErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	_, err := GaussianLogLik(inputNode(g, make([]float64, 3), 3), inputNode(g, make([]float64, 4), 4), graph.Scalar(g, 1))
	assert.ErrorContains(t, err, "do not fit")
	_, err = LogitLogLik(inputNode(g, make([]float64, 6), 3, 2), inputNode(g, make([]float64, 2), 2))
	assert.ErrorContains(t, err, "do not fit")
	// A label outside the classes fails the run, not silently.
	l := inputNode(g, make([]float64, 6), 3, 2)
	ll, err := LogitLogLik(l, inputNode(g, []float64{0, 1, 2}, 3))
	require.NoError(t, err)
	vm := G.NewTapeMachine(g.SubgraphRoots(ll))
	defer vm.Close()
	assert.ErrorContains(t, vm.RunAll(), "label 2 of row 2 is not a class in 0…1")
}

func TestPriorLogProb(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 0))
	w := randVec(r, 12, 0.7)
	const sd = 0.4
	g := G.NewGraph()
	nw := inputNode(g, w, 3, 4)
	lp, err := normalPrior{scale: sd}.LogProb(nw)
	require.NoError(t, err)
	cost := G.Must(G.Mul(lp, graph.Scalar(g, 2.5)))
	v, grads := evalGrads(t, cost, nw)
	// Oracle: gonum's distuv.Normal, summed.
	var want float64
	for _, x := range w {
		want += distuv.Normal{Mu: 0, Sigma: sd}.LogProb(x)
	}
	assert.InDelta(t, 2.5*want, v, 1e-12*math.Abs(want))
	host := func(p []float64) float64 {
		var s float64
		for _, x := range p {
			s += distuv.Normal{Mu: 0, Sigma: sd}.LogProb(x)
		}
		return 2.5 * s
	}
	assertClose(t, fdcheck.Grad(host, w, fdStep), grads[0], fdTol, "normal prior gradient")
	// Against the unfused graph: dist.Normal's elementwise log-density, summed.
	g = G.NewGraph()
	nw = inputNode(g, w, 3, 4)
	gb := graph.New(g)
	elem, err := dist.Normal{Loc: gb.Const(0), Scale: gb.Const(sd)}.LogProb(nw)
	require.NoError(t, err)
	unfused := gb.Mul(gb.Sum(elem), gb.Const(2.5))
	require.NoError(t, gb.Err())
	vu, gu := evalGrads(t, unfused, nw)
	assert.InDelta(t, vu, v, fusedTol*math.Abs(vu))
	assertClose(t, gu[0], grads[0], fusedTol, "fused vs dist.Normal gradient")

	// Gamma(a, b) on τ = exp(u), against distuv.Gamma (shape α, rate β).
	const a, b, u = 6.0, 6.0, 0.3
	g = G.NewGraph()
	nu := inputNode(g, []float64{u}, 1)
	tau := G.Must(G.Exp(G.Must(G.Sum(nu))))
	lp, err = gammaPrior{a: a, b: b}.LogProb(tau)
	require.NoError(t, err)
	v, grads = evalGrads(t, lp, nu)
	gam := distuv.Gamma{Alpha: a, Beta: b}
	assert.InDelta(t, gam.LogProb(math.Exp(u)), v, 1e-12)
	fd := fdcheck.Grad(func(p []float64) float64 { return gam.LogProb(math.Exp(p[0])) }, []float64{u}, fdStep)
	assertClose(t, fd, grads[0], fdTol, "gamma prior gradient")
	assert.Equal(t, "positive", gammaPrior{a: a, b: b}.Support().String())
	// Against the unfused graph: dist.Gamma's log-density of the same τ.
	g = G.NewGraph()
	nu = inputNode(g, []float64{u}, 1)
	tau = G.Must(G.Exp(G.Must(G.Sum(nu))))
	dg, err := dist.NewGamma(g, a, b)
	require.NoError(t, err)
	lpu, err := dg.LogProb(tau)
	require.NoError(t, err)
	vu, gu = evalGrads(t, lpu, nu)
	assert.InDelta(t, vu, v, 1e-12)
	assertClose(t, gu[0], grads[0], fusedTol, "fused vs dist.Gamma gradient")
}

// localCost is Σ c ⊙ Dense(LocalDense(tanh(x0), wLoc, e^{uW}, bLoc, e^{uB}, ε), w2, b2):
// a local-reparameterized layer whose input and variances are computed,
// so every gradient path is exercised.
func localCost(t *testing.T, act Activation, x0, wLoc, uW, bLoc, uB, eps, w2, b2, c []float64, B, D, H, K int) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nx := inputNode(g, x0, B, D)
	nwl, nuw := inputNode(g, wLoc, D, H), inputNode(g, uW, D, H)
	nbl, nub := inputNode(g, bLoc, H), inputNode(g, uB, H)
	ne := inputNode(g, eps, B, H)
	nw2, nb2, nc := inputNode(g, w2, H, K), inputNode(g, b2, K), inputNode(g, c, B, K)
	h, err := LocalDense(G.Must(G.Tanh(nx)), nwl, G.Must(G.Exp(nuw)), nbl, G.Must(G.Exp(nub)), ne, act)
	require.NoError(t, err)
	out, err := ops.Dense(h, nw2, nb2, Identity)
	require.NoError(t, err)
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(out, nc))))
	return evalGrads(t, cost, nx, nwl, nuw, nbl, nub)
}

// hostLocal is localCost computed with plain loops, for finite differences.
func hostLocal(act Activation, x0, wLoc, uW, bLoc, uB, eps, w2, b2, c []float64, B, D, H, K int) float64 {
	h := make([]float64, B*H)
	for r := 0; r < B; r++ {
		for j := 0; j < H; j++ {
			mu, v := bLoc[j], math.Exp(uB[j])
			for i := 0; i < D; i++ {
				x := math.Tanh(x0[r*D+i])
				mu += x * wLoc[i*H+j]
				v += x * x * math.Exp(uW[i*H+j])
			}
			h[r*H+j] = mu + math.Sqrt(v)*eps[r*H+j]
		}
	}
	act.Apply(h)
	var s float64
	for r := 0; r < B; r++ {
		for k := 0; k < K; k++ {
			o := b2[k]
			for j := 0; j < H; j++ {
				o += h[r*H+j] * w2[j*K+k]
			}
			s += c[r*K+k] * o
		}
	}
	return s
}

func TestLocalDenseGradient(t *testing.T) {
	t.Parallel()
	const B, D, H, K = 6, 4, 5, 2
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		t.Run(act.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(act)))
			x0, wLoc, uW := randVec(r, B*D, 1), randVec(r, D*H, 1), randVec(r, D*H, 0.5)
			bLoc, uB, eps := randVec(r, H, 0.5), randVec(r, H, 0.5), randVec(r, B*H, 1)
			w2, b2, c := randVec(r, H*K, 1), randVec(r, K, 0.5), randVec(r, B*K, 1)
			host := func([]float64) float64 { return hostLocal(act, x0, wLoc, uW, bLoc, uB, eps, w2, b2, c, B, D, H, K) }
			v, g := localCost(t, act, x0, wLoc, uW, bLoc, uB, eps, w2, b2, c, B, D, H, K)
			assert.InDelta(t, host(nil), v, fusedTol*math.Max(1, math.Abs(v)), "value")
			for i, p := range [][]float64{x0, wLoc, uW, bLoc, uB} {
				assertClose(t, fdcheck.Grad(host, p, fdStep), g[i], fdTol, "LocalDense vs finite differences ∂/∂"+[]string{"x", "wLoc", "uW", "bLoc", "uB"}[i])
			}
		})
	}
	g := G.NewGraph()
	x, w := inputNode(g, make([]float64, 6), 2, 3), inputNode(g, make([]float64, 12), 3, 4)
	b, e := inputNode(g, make([]float64, 4), 4), inputNode(g, make([]float64, 8), 2, 4)
	_, err := LocalDense(x, w, w, b, b, inputNode(g, make([]float64, 12), 3, 4), ReLU)
	assert.ErrorContains(t, err, "do not fit")
	_, err = LocalDense(x, w, inputNode(g, make([]float64, 12), 4, 3), b, b, e, ReLU)
	assert.ErrorContains(t, err, "do not fit")
	_, err = LocalDense(x, w, w, b, b, e, Activation(9))
	assert.ErrorContains(t, err, "unknown activation")
}
