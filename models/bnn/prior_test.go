package bnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
)

// priorTol: the fused priors (checked against distuv and finite
// differences in package ops) and the generic dist graphs do the same
// arithmetic in a different order, so they agree to a few ulps.
const priorTol = 1e-12

// priorValueGrad returns lp(f(x)) and its gradient with respect to x, for
// x holding v and f = exp when exp is set (a positive site).
func priorValueGrad(t *testing.T, v []float64, exp bool, lp func(g *G.ExprGraph, x *G.Node) (*G.Node, error)) (float64, []float64) {
	t.Helper()
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(len(v)), G.WithName(graph.Name(g, "x")),
		G.WithValue(tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(append([]float64(nil), v...)))))
	in := x
	if exp {
		in = G.Must(G.Exp(x))
	}
	l, err := lp(g, in)
	require.NoError(t, err)
	if !l.IsScalar() {
		l = G.Must(G.Sum(l))
	}
	grads, err := G.Grad(l, x)
	require.NoError(t, err)
	var lv, gv G.Value
	G.Read(l, &lv)
	G.Read(grads[0], &gv)
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	return lv.Data().(float64), append([]float64(nil), gv.Data().([]float64)...)
}

// TestPriorsMatchDist checks the fused priors against the unfused graphs
// of dist.Normal and dist.Gamma, value and gradient.
func TestPriorsMatchDist(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 0))
	w := make([]float64, 12)
	for i := range w {
		w[i] = 0.7 * r.NormFloat64()
	}
	const sd = 0.4
	vf, gf := priorValueGrad(t, w, false, func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) {
		return normalPrior{scale: sd}.LogProb(x)
	})
	vu, gu := priorValueGrad(t, w, false, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		b := graph.New(g)
		return dist.Normal{Loc: b.Const(0), Scale: b.Const(sd)}.LogProb(x)
	})
	assert.InDelta(t, vu, vf, priorTol*math.Abs(vu), "normal prior value")
	assert.InDeltaSlice(t, gu, gf, priorTol, "normal prior gradient")

	const a, b, u = 6.0, 6.0, 0.3
	vf, gf = priorValueGrad(t, []float64{u}, true, func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) {
		return gammaPrior{a: a, b: b}.LogProb(x)
	})
	vu, gu = priorValueGrad(t, []float64{u}, true, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		d, err := dist.NewGamma(g, a, b)
		if err != nil {
			return nil, err
		}
		return d.LogProb(x)
	})
	assert.InDelta(t, vu, vf, priorTol, "gamma prior value")
	assert.InDeltaSlice(t, gu, gf, priorTol, "gamma prior gradient")
	assert.Equal(t, "positive", gammaPrior{a: a, b: b}.Support().String())
}
