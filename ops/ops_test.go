package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// Tolerances shared by the fused-op checks.
const (
	// fusedTol: a fused op and the generic gorgonia graph of the same
	// function do the same arithmetic in a different order (BLAS
	// blocking), so they agree to a few ulps of the largest term.
	fusedTol = 1e-12
	// fdStep and fdRelTol: central differences of a smooth function with
	// step 1e-6 have truncation error O(h²) ≈ 1e-12 and rounding error
	// ≈ ε·|f|/h ≈ 1e-10·|f|; 1e-6 relative (absolute below 1) leaves a
	// wide margin.
	fdStep   = 1e-6
	fdRelTol = 1e-6
)

// randVec returns n seeded normal draws times scale.
func randVec(r *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// assertClose checks got against want elementwise, within tol relative to
// |want| (absolute below 1).
func assertClose(t *testing.T, want, got []float64, tol float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		assert.InDelta(t, want[i], got[i], tol*math.Max(1, math.Abs(want[i])), "%s[%d]", what, i)
	}
}

// tensorNode returns a float64 input node of the given shape holding a
// copy of v.
func tensorNode(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(graph.Name(g, "in")), G.WithValue(t))
}

// evalGrads runs the scalar cost and its gradient with respect to wrt and
// returns the cost and the gradients.
func evalGrads(t *testing.T, cost *G.Node, wrt ...*G.Node) (float64, [][]float64) {
	t.Helper()
	grads, err := G.Grad(cost, wrt...)
	require.NoError(t, err)
	res := runTape(t, cost.Graph(), wrt, append(G.Nodes{cost}, grads...)...)
	return res[0][0], res[1:]
}

// benchGrad times runs of the scalar cost and its gradient with respect
// to wrt (graph building excluded).
func benchGrad(b *testing.B, cost *G.Node, wrt ...*G.Node) {
	grads, err := G.Grad(cost, wrt...)
	if err != nil {
		b.Fatal(err)
	}
	vm := G.NewTapeMachine(cost.Graph().SubgraphRoots(append(G.Nodes{cost}, grads...)...), G.BindDualValues(wrt...))
	defer vm.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
}

// vecNode returns a float64 vector input node holding a copy of v.
func vecNode(g *G.ExprGraph, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewVector(g, tensor.Float64, G.WithShape(len(v)), G.WithName(graph.Name(g, "x")), G.WithValue(t))
}

// matNode returns an r×c float64 matrix input node holding a copy of v.
func matNode(g *G.ExprGraph, r, c int, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(graph.Name(g, "x")), G.WithValue(t))
}

// constOf returns a constant node of the given shape holding v.
func constOf(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewConstant(t, G.In(g), G.WithName(graph.Name(g, "w")))
}

// valuesOf returns v's elements as a fresh slice.
func valuesOf(t *testing.T, v G.Value) []float64 {
	t.Helper()
	xs, err := floats(v)
	require.NoError(t, err)
	return append([]float64(nil), xs...)
}

// runTape runs a TapeMachine over g, binding dual values for wrt, and
// returns the values of outs read through G.Read (immune to register reuse).
func runTape(t *testing.T, g *G.ExprGraph, wrt G.Nodes, outs ...*G.Node) [][]float64 {
	t.Helper()
	vals := runValues(t, g, wrt, outs...)
	res := make([][]float64, len(outs))
	for i := range outs {
		res[i] = valuesOf(t, vals[i])
	}
	return res
}

// runValues runs a TapeMachine over g, binding dual values for wrt, and
// returns the values of outs read through G.Read.
func runValues(t *testing.T, g *G.ExprGraph, wrt G.Nodes, outs ...*G.Node) []G.Value {
	t.Helper()
	vals := make([]G.Value, len(outs))
	for i, o := range outs {
		G.Read(o, &vals[i])
	}
	var opts []G.VMOpt
	if len(wrt) > 0 {
		opts = append(opts, G.BindDualValues(wrt...))
	}
	vm := G.NewTapeMachine(g, opts...)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	return vals
}

// gradOf returns the gradient of Σ w⊙y with respect to x, where y = f(x)
// for the vector or matrix input node x and w is a fixed weight tensor of
// y's shape (nil means all ones), together with y.
func gradOf(t *testing.T, g *G.ExprGraph, x, y, w *G.Node) (yv, grad []float64) {
	t.Helper()
	cost := y
	var err error
	if w != nil {
		cost, err = G.HadamardProd(y, w)
		require.NoError(t, err)
	}
	if !cost.IsScalar() {
		cost, err = G.Sum(cost)
		require.NoError(t, err)
	}
	grads, err := G.Grad(cost, x)
	require.NoError(t, err)
	res := runTape(t, g, G.Nodes{x}, y, grads[0])
	return res[0], res[1]
}

// closeRel reports whether got is within tol of want, relative to |want|
// (absolute below 1). Equal infinities and two NaNs agree.
func closeRel(want, got, tol float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(want) && math.IsNaN(got) || want == got
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// relErr returns |got − want|/max(1, |want|) (0 for matching non-finite values).
func relErr(want, got float64) float64 {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		if closeRel(want, got, 0) {
			return 0
		}
		return math.Inf(1)
	}
	return math.Abs(got-want) / math.Max(1, math.Abs(want))
}
