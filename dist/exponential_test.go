package dist

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = Exponential{}

func TestExponentialLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name string
		rate float64
		xs   []float64
	}{
		{"unit", 1, []float64{0, 0.5, 3, 700}},
		{"tiny rate", 1e-9, []float64{0, 1e9, 1e12}},
		{"huge rate", 1e9, []float64{0, 1e-9, 1e-6}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewExponential(g, p.rate) },
			oracle: distuv.Exponential{Rate: p.rate}.LogProb,
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

func TestExponentialEntropyMomentsGrad(t *testing.T) {
	const rate = 2.5
	g := G.NewGraph()
	d, err := NewExponential(g, rate)
	require.NoError(t, err)
	oracle := distuv.Exponential{Rate: rate}
	checkEntropy(t, g, d, oracle.Entropy())
	draws := rsampleDraws(t, func(g *G.ExprGraph) (Rsampler, error) { return NewExponential(g, rate) }, FillStdExponential, 3)
	checkMoments(t, draws, oracle.Mean(), oracle.Variance())
	checkGradFD(t, [][]float64{{rate}, {0.7}},
		func(n []*G.Node) (*G.Node, error) { return Exponential{Rate: n[0]}.LogProb(n[1]) },
		func(p [][]float64) float64 { return distuv.Exponential{Rate: p[0][0]}.LogProb(p[1][0]) })
	require.Equal(t, Positive, SupportOf(d))
}
