package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = Poisson{}

func TestPoissonLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name string
		rate float64
		ks   []float64
	}{
		{"moderate", 3.5, []float64{0, 1, 3, 10}},
		{"rate 1e-3", 1e-3, []float64{0, 1, 5}},
		{"rate 1e3", 1e3, []float64{900, 1000, 1100}},
		{"rate 1e8", 1e8, []float64{1e8, 1e8 + 1e4}},
		{"far tail", 2, []float64{500, 1e6}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewPoisson(g, p.rate) },
			oracle: distuv.Poisson{Lambda: p.rate}.LogProb,
			xs:     p.ks,
		})
	}
	checkLogProbs(t, cases)
}

func TestPoissonGrad(t *testing.T) {
	checkGradFD(t, [][]float64{{2.7}, {4}},
		func(n []*G.Node) (*G.Node, error) { return Poisson{Rate: n[0]}.LogProb(n[1]) },
		// The continuous extension in k (distuv returns −Inf off the integers).
		func(p [][]float64) float64 {
			lg, _ := math.Lgamma(p[1][0] + 1)
			return p[1][0]*math.Log(p[0][0]) - p[0][0] - lg
		})
	_, ok := any(Poisson{}).(Supporter)
	require.False(t, ok)
}
