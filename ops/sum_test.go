package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestReduceSum(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []struct {
		name  string
		shape []int
		axis  int
		want  []int
	}{
		{"vector", []int{4}, 0, nil},
		{"one row along 1 (gorgonia.Sum fails here)", []int{1, 3}, 1, []int{1}},
		{"one column along 0", []int{3, 1}, 0, []int{1}},
		{"matrix along 0", []int{3, 4}, 0, []int{4}},
		{"matrix along −1", []int{3, 4}, -1, []int{3}},
		{"3-D along 1", []int{2, 3, 2}, 1, []int{2, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 1
			for _, v := range tc.shape {
				n *= v
			}
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.NormFloat64()
			}
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, len(tc.shape), G.WithShape(tc.shape...), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(tc.shape...), tensor.WithBacking(append([]float64(nil), xs...)))))
			s, err := ReduceSum(x, tc.axis)
			require.NoError(t, err)
			assert.True(t, tensor.Shape(tc.want).Eq(s.Shape()), "shape %v, want %v", s.Shape(), tc.want)
			// Add a vector of the result's shape: this is what fails after
			// gorgonia.Sum on a [1, K] matrix.
			y := s
			if !s.IsScalar() {
				y, err = G.Add(s, constOf(g, make([]float64, s.Shape().TotalSize()), s.Shape()...))
				require.NoError(t, err)
			}
			w := make([]float64, max(1, s.Shape().TotalSize()))
			for i := range w {
				w[i] = r.NormFloat64()
			}
			var wn *G.Node
			if s.IsScalar() {
				wn = G.NewConstant(w[0], G.In(g), G.WithName("w"))
			} else {
				wn = constOf(g, w, s.Shape()...)
			}
			yv, grad := gradOf(t, g, x, y, wn)
			axis := (tc.axis + len(tc.shape)) % len(tc.shape)
			outer, inner := 1, 1
			for _, v := range tc.shape[:axis] {
				outer *= v
			}
			for _, v := range tc.shape[axis+1:] {
				inner *= v
			}
			k := tc.shape[axis]
			for o := range outer {
				for i := range inner {
					var want float64
					for j := range k {
						want += xs[(o*k+j)*inner+i]
						// ∂Σw⊙sum/∂x = w repeated along the axis.
						assert.Equal(t, w[o*inner+i], grad[(o*k+j)*inner+i])
					}
					assert.InDelta(t, want, yv[o*inner+i], 1e-15)
				}
			}
		})
	}
}

// TestRepeatAlongGradient checks the SymDiff of the gradient op itself, so
// that a gradient graph containing it can be differentiated again. (A true
// Hessian test is not possible here: gorgonia's Backpropagate stops at any
// node that already holds a derivative from an earlier Grad call, so Grad of
// Grad only works when the first gradient reaches x without passing through
// forward nodes, as for the elementwise ops and LogSumExp.)
func TestRepeatAlongGradient(t *testing.T) {
	vs := []float64{1, -2}
	ws := []float64{1, 2, 3, 4, 5, 6}
	g := G.NewGraph()
	v := vecNode(g, vs)
	rep, err := G.ApplyOp(repeatOp{alongOp{axis: 1, dims: 2, shape: tensor.Shape{2, 3}}}, v)
	require.NoError(t, err)
	yv, grad := gradOf(t, g, v, rep, constOf(g, ws, 2, 3))
	assert.Equal(t, []float64{1, 1, 1, -2, -2, -2}, yv)
	assert.Equal(t, []float64{6, 15}, grad)
}

func TestReduceSumErrors(t *testing.T) {
	g := G.NewGraph()
	_, err := ReduceSum(G.NewScalar(g, tensor.Float64, G.WithName("s")), 0)
	assert.ErrorContains(t, err, "scalar")
	_, err = ReduceSum(vecNode(g, []float64{1}), 1)
	assert.ErrorContains(t, err, "out of range")
}
