package graph

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func in(g *G.ExprGraph, shape []int, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(Name(g, "x")), G.WithValue(t))
}

func TestBroadcastMatchesNumPy(t *testing.T) {
	g := G.NewGraph()
	b := New(g)
	m := in(g, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	row := in(g, []int{3}, []float64{10, 20, 30})
	col := in(g, []int{2, 1}, []float64{100, 200})
	s := b.Const(0.5)
	sum := b.Add(m, row)     // [2,3] + [3]   → rows
	prod := b.Mul(m, col)    // [2,3] ⊙ [2,1] → columns
	diff := b.Sub(row, m)    // [3] − [2,3]
	scal := b.Div(m, s)      // scalar
	outer := b.Mul(col, row) // [2,1] ⊙ [3] → [2,3]
	require.NoError(t, b.Err())
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	for _, tc := range []struct {
		name string
		n    *G.Node
		want []float64
	}{
		{"matrix+row", sum, []float64{11, 22, 33, 14, 25, 36}},
		{"matrix⊙column", prod, []float64{100, 200, 300, 800, 1000, 1200}},
		{"row−matrix", diff, []float64{9, 18, 27, 6, 15, 24}},
		{"matrix/scalar", scal, []float64{2, 4, 6, 8, 10, 12}},
		{"column⊙row", outer, []float64{1000, 2000, 3000, 2000, 4000, 6000}},
	} {
		got := tc.n.Value().Data().([]float64)
		assert.Equal(t, tc.want, got, tc.name)
		assert.Equal(t, tensor.Shape{2, 3}, tc.n.Shape(), tc.name)
	}
}

func TestStickyError(t *testing.T) {
	g := G.NewGraph()
	b := New(g)
	a := in(g, []int{2}, []float64{1, 2})
	c := in(g, []int{3}, []float64{1, 2, 3})
	assert.Nil(t, b.Add(a, c))
	require.Error(t, b.Err())
	assert.Contains(t, b.Err().Error(), "Add: shapes (2) and (3) do not broadcast")
	first := b.Err()
	assert.Nil(t, b.Log(a), "calls after an error return nil")
	assert.Nil(t, b.Mul(a, a))
	assert.Equal(t, first, b.Err(), "the first error wins")
	b2 := New(g)
	assert.Nil(t, b2.Neg(nil))
	assert.ErrorContains(t, b2.Err(), "Neg: nil operand")
}

// TestNamesAreUnique: names are unique within a graph, and a second graph
// built meanwhile gets the same sequence (so node hashes do not depend on
// what else the process builds).
func TestNamesAreUnique(t *testing.T) {
	g, h := G.NewGraph(), G.NewGraph()
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n := Name(g, "p")
		assert.False(t, seen[n])
		seen[n] = true
		assert.Equal(t, n, Name(h, "p"))
	}
}

// TestSetDtype: Scalar's constants take the dtype recorded for their
// graph (float64 by default), so they combine with float32 inputs.
func TestSetDtype(t *testing.T) {
	g64, g32 := G.NewGraph(), G.NewGraph()
	SetDtype(g32, tensor.Float32)
	assert.Equal(t, tensor.Float64, Dtype(g64))
	assert.Equal(t, tensor.Float32, Dtype(g32))
	assert.Equal(t, tensor.Float64, Dtype(nil))
	assert.Equal(t, tensor.Float64, Scalar(g64, 0.5).Dtype())
	c := Scalar(g32, 0.5)
	assert.Equal(t, tensor.Float32, c.Dtype())
	x := G.NewVector(g32, tensor.Float32, G.WithShape(3), G.WithName(Name(g32, "x")))
	b := New(g32)
	_ = b.Mul(x, c)
	assert.NoError(t, b.Err(), "a float32 input times a float32 constant")
}
