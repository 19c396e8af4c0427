package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = LogNormal{}

func TestLogNormalLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name       string
		loc, scale float64
		xs         []float64
	}{
		{"standard", 0, 1, []float64{1e-3, 0.5, 1, 3, 50}},
		{"shifted narrow", 3, 0.1, []float64{15, 20, 25}},
		{"tiny scale", 2, 1e-6, []float64{math.Exp(2), math.Exp(2 + 1e-6)}},
		{"huge scale", -5, 1e3, []float64{1e-300, 1, 1e300}},
		{"far tails", 0, 1, []float64{1e-300, 1e300}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewLogNormal(g, p.loc, p.scale) },
			oracle: distuv.LogNormal{Mu: p.loc, Sigma: p.scale}.LogProb,
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

func TestLogNormalEntropyMomentsGrad(t *testing.T) {
	const loc, scale = 0.3, 0.4
	g := G.NewGraph()
	d, err := NewLogNormal(g, loc, scale)
	require.NoError(t, err)
	oracle := distuv.LogNormal{Mu: loc, Sigma: scale}
	checkEntropy(t, g, d, oracle.Entropy())
	draws := rsampleDraws(t, func(g *G.ExprGraph) (Rsampler, error) { return NewLogNormal(g, loc, scale) }, FillStdNormal, 1)
	checkMoments(t, draws, oracle.Mean(), oracle.Variance())
	checkGradFD(t, [][]float64{{loc}, {scale}, {1.7}},
		func(n []*G.Node) (*G.Node, error) { return LogNormal{Loc: n[0], Scale: n[1]}.LogProb(n[2]) },
		func(p [][]float64) float64 { return distuv.LogNormal{Mu: p[0][0], Sigma: p[1][0]}.LogProb(p[2][0]) })
	require.Equal(t, Positive, SupportOf(d))
}
