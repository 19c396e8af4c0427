package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// vecNode returns a float64 vector input node holding a copy of v.
func vecNode(g *G.ExprGraph, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewVector(g, tensor.Float64, G.WithShape(len(v)), G.WithName(graph.Name("x")), G.WithValue(t))
}

// matNode returns an r×c float64 matrix input node holding a copy of v.
func matNode(g *G.ExprGraph, r, c int, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(graph.Name("x")), G.WithValue(t))
}

// constOf returns a constant node of the given shape holding v.
func constOf(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewConstant(t, G.In(g), G.WithName(graph.Name("w")))
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
	res := make([][]float64, len(outs))
	for i := range outs {
		res[i] = valuesOf(t, vals[i])
	}
	return res
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
