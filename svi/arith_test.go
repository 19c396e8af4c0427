package svi

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/ops"
)

// arithTol is the relative tolerance of M's arithmetic against the same
// formulas in plain Go: both use float64 and Go's math functions, so they
// differ only by rounding in a different evaluation order (a few ulps,
// ~1e-15); 1e-12 leaves room for the reductions' summation order.
const arithTol = 1e-12

// arithInput returns an input node of the given shape holding v.
func arithInput(g *G.ExprGraph, name string, shape []int, v []float64) *G.Node {
	n, t := input(g, name, shape)
	copy(t.Data().([]float64), v)
	return n
}

// mapGo applies f to every element of v.
func mapGo(v []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

// arithOperands are the inputs of TestArithValues: a 2×3 matrix x, a row
// vector of length 3, a positive 2×3 matrix and a scalar constant 2.5.
type arithOperands struct{ x, row, pos, c *G.Node }

var (
	arithX   = []float64{0.5, -1.25, 2, 0.75, 3, -0.1} // 2×3, row-major
	arithRow = []float64{1.5, 2.5, -0.5}
	arithPos = []float64{0.2, 1.7, 4.1, 0.9, 2.2, 0.05}
)

// evalArith builds one expression on a fresh graph and returns its value
// and shape. Each case gets its own graph: gorgonia merges identical nodes
// and may overwrite an intermediate value in place, so only the node a
// graph is evaluated for is read.
func evalArith(t *testing.T, build func(m *M, in arithOperands) *G.Node) ([]float64, tensor.Shape) {
	t.Helper()
	g := G.NewGraph()
	m := &M{g: g, scale: 1}
	n := build(m, arithOperands{
		x:   arithInput(g, "x", []int{2, 3}, arithX),
		row: arithInput(g, "row", []int{3}, arithRow),
		pos: arithInput(g, "pos", []int{2, 3}, arithPos),
		c:   m.Const(2.5),
	})
	require.NoError(t, m.Err())
	require.NotNil(t, n)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	switch v := n.Value().Data().(type) {
	case float64:
		return []float64{v}, n.Shape()
	case []float64:
		return append([]float64(nil), v...), n.Shape()
	}
	t.Fatalf("unexpected value %v", n.Value())
	return nil, nil
}

// TestArithValues evaluates every arithmetic method of M and compares it
// with the same computation written in plain Go.
func TestArithValues(t *testing.T) {
	xv, rv, pv := arithX, arithRow, arithPos
	byIndex := func(f func(i, j int) float64) []float64 {
		out := make([]float64, 6)
		for i := range out {
			out[i] = f(i, i%3)
		}
		return out
	}
	rowSums := []float64{xv[0] + xv[1] + xv[2], xv[3] + xv[4] + xv[5]}
	colSums := []float64{xv[0] + xv[3], xv[1] + xv[4], xv[2] + xv[5]}
	total := rowSums[0] + rowSums[1]
	lgamma := func(v float64) float64 { l, _ := math.Lgamma(v); return l }
	for _, tc := range []struct {
		name  string
		build func(m *M, in arithOperands) *G.Node
		want  []float64
		shape tensor.Shape
	}{
		{"Add matrix+row", func(m *M, in arithOperands) *G.Node { return m.Add(in.x, in.row) },
			byIndex(func(i, j int) float64 { return xv[i] + rv[j] }), tensor.Shape{2, 3}},
		{"Sub scalar−matrix", func(m *M, in arithOperands) *G.Node { return m.Sub(in.c, in.x) },
			mapGo(xv, func(v float64) float64 { return 2.5 - v }), tensor.Shape{2, 3}},
		{"Mul row⊙matrix", func(m *M, in arithOperands) *G.Node { return m.Mul(in.row, in.x) },
			byIndex(func(i, j int) float64 { return rv[j] * xv[i] }), tensor.Shape{2, 3}},
		{"Div matrix/positive", func(m *M, in arithOperands) *G.Node { return m.Div(in.x, in.pos) },
			byIndex(func(i, _ int) float64 { return xv[i] / pv[i] }), tensor.Shape{2, 3}},
		{"MatMul matrix×vector", func(m *M, in arithOperands) *G.Node { return m.MatMul(in.x, in.row) },
			[]float64{xv[0]*rv[0] + xv[1]*rv[1] + xv[2]*rv[2], xv[3]*rv[0] + xv[4]*rv[1] + xv[5]*rv[2]}, tensor.Shape{2}},
		{"Neg", func(m *M, in arithOperands) *G.Node { return m.Neg(in.x) },
			mapGo(xv, func(v float64) float64 { return -v }), tensor.Shape{2, 3}},
		{"Exp", func(m *M, in arithOperands) *G.Node { return m.Exp(in.x) }, mapGo(xv, math.Exp), tensor.Shape{2, 3}},
		{"Log", func(m *M, in arithOperands) *G.Node { return m.Log(in.pos) }, mapGo(pv, math.Log), tensor.Shape{2, 3}},
		{"Log1p", func(m *M, in arithOperands) *G.Node { return m.Log1p(in.pos) }, mapGo(pv, math.Log1p), tensor.Shape{2, 3}},
		{"Sqrt", func(m *M, in arithOperands) *G.Node { return m.Sqrt(in.pos) }, mapGo(pv, math.Sqrt), tensor.Shape{2, 3}},
		{"Square", func(m *M, in arithOperands) *G.Node { return m.Square(in.x) },
			mapGo(xv, func(v float64) float64 { return v * v }), tensor.Shape{2, 3}},
		{"Abs", func(m *M, in arithOperands) *G.Node { return m.Abs(in.x) }, mapGo(xv, math.Abs), tensor.Shape{2, 3}},
		{"Tanh", func(m *M, in arithOperands) *G.Node { return m.Tanh(in.x) }, mapGo(xv, math.Tanh), tensor.Shape{2, 3}},
		{"Softplus", func(m *M, in arithOperands) *G.Node { return m.Softplus(in.x) },
			mapGo(xv, func(v float64) float64 { return math.Log1p(math.Exp(v)) }), tensor.Shape{2, 3}},
		{"Sigmoid", func(m *M, in arithOperands) *G.Node { return m.Sigmoid(in.x) },
			mapGo(xv, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }), tensor.Shape{2, 3}},
		{"LogSigmoid", func(m *M, in arithOperands) *G.Node { return m.LogSigmoid(in.x) },
			mapGo(xv, func(v float64) float64 { return -math.Log1p(math.Exp(-v)) }), tensor.Shape{2, 3}},
		{"Apply Lgamma", func(m *M, in arithOperands) *G.Node { return m.Apply("Lgamma", ops.Lgamma, in.pos) },
			mapGo(pv, lgamma), tensor.Shape{2, 3}},
		{"Reshape 3×2", func(m *M, in arithOperands) *G.Node { return m.Reshape(in.x, 3, 2) }, xv, tensor.Shape{3, 2}},
		{"Sum all", func(m *M, in arithOperands) *G.Node { return m.Sum(in.x) }, []float64{total}, tensor.ScalarShape()},
		{"Sum axis 1", func(m *M, in arithOperands) *G.Node { return m.Sum(in.x, 1) }, rowSums, tensor.Shape{2}},
		{"Sum axis 0", func(m *M, in arithOperands) *G.Node { return m.Sum(in.x, 0) }, colSums, tensor.Shape{3}},
		{"Mean all", func(m *M, in arithOperands) *G.Node { return m.Mean(in.x) }, []float64{total / 6}, tensor.ScalarShape()},
		{"Mean axis 1", func(m *M, in arithOperands) *G.Node { return m.Mean(in.x, 1) },
			[]float64{rowSums[0] / 3, rowSums[1] / 3}, tensor.Shape{2}},
		{"Mean axis 0", func(m *M, in arithOperands) *G.Node { return m.Mean(in.x, 0) },
			[]float64{colSums[0] / 2, colSums[1] / 2, colSums[2] / 2}, tensor.Shape{3}},
		{"Mean axes 0,1", func(m *M, in arithOperands) *G.Node { return m.Mean(in.x, 0, 1) }, []float64{total / 6}, tensor.ScalarShape()},
		{"Mean scalar", func(m *M, in arithOperands) *G.Node { return m.Mean(in.c) }, []float64{2.5}, tensor.ScalarShape()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, shape := evalArith(t, tc.build)
			assert.True(t, tc.shape.Eq(shape), "shape %v, want %v", shape, tc.shape)
			require.Len(t, got, len(tc.want))
			for i := range got {
				assert.InDelta(t, tc.want[i], got[i], arithTol*(1+math.Abs(tc.want[i])), "element %d", i)
			}
		})
	}
}

// TestArithKeepsFirstError: an operation that fails records its error,
// naming the operation, and returns nil; every later method returns nil and
// the first error stays.
func TestArithKeepsFirstError(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(m *M, a, b *G.Node) *G.Node
		msg  string
	}{
		{"broadcast", func(m *M, a, b *G.Node) *G.Node { return m.Add(a, b) }, "svi: Add: shapes (2) and (3) do not broadcast"},
		{"nil operand", func(m *M, a, _ *G.Node) *G.Node { return m.Mul(a, nil) }, "svi: Mul: nil operand"},
		{"matmul", func(m *M, a, b *G.Node) *G.Node { return m.MatMul(a, b) }, "svi: MatMul: shapes (2) and (3) do not multiply"},
		{"reshape", func(m *M, a, _ *G.Node) *G.Node { return m.Reshape(a, 3) }, "svi: Reshape"},
		{"negative axis", func(m *M, a, _ *G.Node) *G.Node { return m.Sum(a, -1) }, "svi: Sum: axis -1 outside shape (2)"},
		{"axis twice", func(m *M, _, b *G.Node) *G.Node { return m.Mean(m.Reshape(b, 1, 3), 1, 1) }, "svi: Mean: axis 1 given twice"},
		{"axis of scalar", func(m *M, _, _ *G.Node) *G.Node { return m.Sum(m.Const(1), 0) }, "svi: Sum: axes [0] of a scalar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			m := &M{g: g, scale: 1}
			a := arithInput(g, "a", []int{2}, []float64{1, 2})
			b := arithInput(g, "b", []int{3}, []float64{1, 2, 3})
			assert.Nil(t, tc.fail(m, a, b))
			require.Error(t, m.Err())
			assert.ErrorContains(t, m.Err(), tc.msg)
			first := m.Err()
			for name, n := range map[string]*G.Node{
				"Add": m.Add(a, a), "Exp": m.Exp(a), "Sum": m.Sum(a), "Mean": m.Mean(a),
				"MatMul": m.MatMul(a, a), "Reshape": m.Reshape(a, 2, 1), "Apply": m.Apply("Lgamma", ops.Lgamma, a),
			} {
				assert.Nil(t, n, "%s after an error", name)
			}
			assert.Same(t, first, m.Err(), "the first error is kept")
		})
	}
}
