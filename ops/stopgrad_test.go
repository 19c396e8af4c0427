package ops

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// StopGradient passes values through with a zero gradient, and Step is the
// indicator of x > 0 with a zero gradient: in y = Σ x² + Σ StopGradient(x)·x
// + Σ Step(x), dy/dx = 2x + x exactly (the stopped factor is a constant).
func TestStopGradientAndStep(t *testing.T) {
	g := G.NewGraph()
	xs := []float64{-1.5, 0, 0.25, 2}
	x := G.NewTensor(g, tensor.Float64, 1, G.WithShape(4), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(4), tensor.WithBacking(append([]float64(nil), xs...)))))
	sx, err := StopGradient(x)
	require.NoError(t, err)
	st, err := Step(x)
	require.NoError(t, err)
	y := G.Must(G.Add(G.Must(G.Sum(G.Must(G.Square(x)))), G.Must(G.Sum(G.Must(G.HadamardProd(sx, x))))))
	y = G.Must(G.Add(y, G.Must(G.Sum(st))))
	_, err = G.Grad(y, x)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	assert.Equal(t, []float64{0, 0, 1, 1}, st.Value().Data())
	gx, err := x.Grad()
	require.NoError(t, err)
	for i, v := range gx.Data().([]float64) {
		assert.Equal(t, 3*xs[i], v, "element %d", i)
	}
	var want float64
	for _, v := range xs {
		want += 2 * v * v
		if v > 0 {
			want++
		}
	}
	assert.Equal(t, want, y.Value().Data())
}
