package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distmv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dirichletLogProb is the oracle: gonum's stat/distmv.Dirichlet.
func dirichletLogProb(alpha, x []float64) float64 {
	return distmv.NewDirichlet(alpha, nil).LogProb(x)
}

func TestDirichletLogProb(t *testing.T) {
	var worst float64
	for _, tc := range []struct {
		name  string
		alpha []float64
		xs    [][]float64 // points on the simplex
	}{
		{"uniform", []float64{1, 1, 1}, [][]float64{{0.2, 0.3, 0.5}, {1e-10, 0.5, 0.5 - 1e-10}}},
		{"moderate", []float64{2.5, 0.7, 4}, [][]float64{{0.3, 0.1, 0.6}, {0.05, 0.05, 0.9}}},
		{"concentrations 1e-3", []float64{1e-3, 1e-3, 1e-3, 1e-3}, [][]float64{{1e-100, 1e-50, 1 - 1e-9, 1e-9}, {0.25, 0.25, 0.25, 0.25}}},
		{"concentrations 1e3", []float64{1e3, 1e3}, [][]float64{{0.5, 0.5}, {0.48, 0.52}}},
		{"mixed, one row", []float64{1e-3, 1e3, 1}, [][]float64{{1e-6, 0.99, 0.01 - 1e-6}}},
	} {
		k := len(tc.alpha)
		flat := make([]float64, 0, k*len(tc.xs))
		for _, x := range tc.xs {
			flat = append(flat, x...)
		}
		g := G.NewGraph()
		d, err := NewDirichlet(g, tc.alpha)
		require.NoError(t, err)
		lp, err := d.LogProb(matIn(g, len(tc.xs), k, flat))
		require.NoError(t, err)
		require.Equal(t, tensor.Shape{len(tc.xs)}, lp.Shape())
		got := evalNodes(t, g, nil, lp)[0]
		for i, x := range tc.xs {
			worst = math.Max(worst, near(t, dirichletLogProb(tc.alpha, x), got[i], logProbTol, "%s at %v", tc.name, x))
		}
	}
	t.Logf("worst scaled LogProb error vs distmv.Dirichlet: %.2g", worst)
}

func TestDirichletGradSupport(t *testing.T) {
	alpha := []float64{1.5, 0.6, 3}
	x := []float64{0.2, 0.3, 0.5}
	checkGradFD(t, [][]float64{alpha, x},
		func(n []*G.Node) (*G.Node, error) { return Dirichlet{Concentration: n[0]}.LogProb(n[1]) },
		func(p [][]float64) float64 { return dirichletLogProb(p[0], p[1]) })
	require.Equal(t, Simplex, SupportOf(Dirichlet{}))
}
