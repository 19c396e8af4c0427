package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = HalfNormal{}

// halfNormalLogProb is the oracle: gonum has no half-normal, and its density
// is twice the normal's on x ≥ 0.
func halfNormalLogProb(scale float64) func(float64) float64 {
	return func(x float64) float64 { return math.Ln2 + distuv.Normal{Mu: 0, Sigma: scale}.LogProb(x) }
}

func TestHalfNormalLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name  string
		scale float64
		xs    []float64
	}{
		{"standard", 1, []float64{0, 0.3, 1, 4}},
		{"tiny scale", 1e-8, []float64{0, 1e-8, 5e-8}},
		{"huge scale", 1e6, []float64{0, 1, 1e6, 1e7}},
		{"far tail", 1, []float64{40, 1e3}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewHalfNormal(g, p.scale) },
			oracle: halfNormalLogProb(p.scale),
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

func TestHalfNormalEntropyMomentsGrad(t *testing.T) {
	const scale = 1.7
	g := G.NewGraph()
	d, err := NewHalfNormal(g, scale)
	require.NoError(t, err)
	h := entropyOf(t, g, d)
	near(t, 0.5*math.Log(math.Pi*math.E*scale*scale/2), h, logProbTol, "closed-form entropy")
	draws := rsampleDraws(t, func(g *G.ExprGraph) (Rsampler, error) { return NewHalfNormal(g, scale) }, FillStdNormal, 2)
	// Mean σ√(2/π), variance σ²(1 − 2/π).
	checkMoments(t, draws, scale*math.Sqrt(2/math.Pi), scale*scale*(1-2/math.Pi))
	checkEntropyMC(t, h, draws, halfNormalLogProb(scale))
	checkGradFD(t, [][]float64{{scale}, {0.9}},
		func(n []*G.Node) (*G.Node, error) { return HalfNormal{Scale: n[0]}.LogProb(n[1]) },
		func(p [][]float64) float64 { return halfNormalLogProb(p[0][0])(p[1][0]) })
	require.Equal(t, Positive, SupportOf(d))
}
