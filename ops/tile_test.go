package ops

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TileRows copies a [2, 3] matrix three times along its rows, and the
// gradient of Σ c ⊙ TileRows(x) is the sum of c's three blocks: checked
// against values written out by hand, and SumTiles against the same sums.
func TestTileRows(t *testing.T) {
	g := G.NewGraph()
	xs := []float64{1, 2, 3, 4, 5, 6}
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(xs))))
	cs := make([]float64, 18)
	for i := range cs {
		cs[i] = float64(i + 1)
	}
	c := G.NewTensor(g, tensor.Float64, 2, G.WithShape(6, 3), G.WithName("c"),
		G.WithValue(tensor.New(tensor.WithShape(6, 3), tensor.WithBacking(cs))))
	tiled, err := TileRows(x, 3)
	require.NoError(t, err)
	summed, err := SumTiles(c, 3)
	require.NoError(t, err)
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(c, tiled))))
	_, err = G.Grad(cost, x)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	assert.Equal(t, []int{6, 3}, []int(tiled.Shape()))
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, tiled.Value().Data())
	// Blocks of c: rows (1,2),(3,4),(5,6) of 3 columns each.
	want := []float64{1 + 7 + 13, 2 + 8 + 14, 3 + 9 + 15, 4 + 10 + 16, 5 + 11 + 17, 6 + 12 + 18}
	assert.Equal(t, want, summed.Value().Data())
	gx, err := x.Grad()
	require.NoError(t, err)
	assert.Equal(t, want, gx.Data())
	_, err = SumTiles(c, 4)
	assert.ErrorContains(t, err, "not a multiple")
}
