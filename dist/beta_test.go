package dist

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = Beta{}

func TestBetaLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name   string
		c1, c0 float64
		xs     []float64
	}{
		{"uniform", 1, 1, []float64{1e-3, 0.5, 0.999}},
		{"moderate", 2.5, 4, []float64{0.05, 0.3, 0.9}},
		{"concentrations 1e-3", 1e-3, 1e-3, []float64{1e-200, 1e-5, 0.5, 1 - 1e-12}},
		{"concentrations 1e3", 1e3, 1e3, []float64{0.45, 0.5, 0.52}},
		{"mixed 1e-3, 1e3", 1e-3, 1e3, []float64{1e-100, 1e-4, 0.01}},
		{"far tails", 3, 2, []float64{1e-300, 1 - 1e-15}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewBeta(g, p.c1, p.c0) },
			oracle: distuv.Beta{Alpha: p.c1, Beta: p.c0}.LogProb,
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

func TestBetaEntropyGrad(t *testing.T) {
	for _, p := range []struct{ c1, c0 float64 }{{0.5, 0.5}, {2, 5}, {1e-3, 1e3}, {300, 200}} {
		g := G.NewGraph()
		d, err := NewBeta(g, p.c1, p.c0)
		require.NoError(t, err)
		checkEntropy(t, g, d, distuv.Beta{Alpha: p.c1, Beta: p.c0}.Entropy())
	}
	checkGradFD(t, [][]float64{{2.3}, {0.8}, {0.35}},
		func(n []*G.Node) (*G.Node, error) {
			return Beta{Concentration1: n[0], Concentration0: n[1]}.LogProb(n[2])
		},
		func(p [][]float64) float64 { return distuv.Beta{Alpha: p[0][0], Beta: p[1][0]}.LogProb(p[2][0]) })
	require.Equal(t, UnitInterval, SupportOf(Beta{}))
}
