package dist

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = Laplace{}

func TestLaplaceLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name       string
		loc, scale float64
		xs         []float64
	}{
		{"standard", 0, 1, []float64{-3, 0, 0.5, 20}},
		{"tiny scale", 1, 1e-10, []float64{1, 1 + 1e-10, 1 - 3e-10}},
		{"huge scale", -4, 1e10, []float64{-1e10, 0, 1e12}},
		{"far tail", 0, 1, []float64{-1e300, 1e300}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewLaplace(g, p.loc, p.scale) },
			oracle: distuv.Laplace{Mu: p.loc, Scale: p.scale}.LogProb,
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

func TestLaplaceEntropyMomentsGrad(t *testing.T) {
	const loc, scale = -0.7, 1.8
	g := G.NewGraph()
	d, err := NewLaplace(g, loc, scale)
	require.NoError(t, err)
	oracle := distuv.Laplace{Mu: loc, Scale: scale}
	checkEntropy(t, g, d, oracle.Entropy())
	draws := rsampleDraws(t, func(g *G.ExprGraph) (Rsampler, error) { return NewLaplace(g, loc, scale) }, FillCenteredUniform, 6)
	checkMoments(t, draws, oracle.Mean(), oracle.Variance())
	checkGradFD(t, [][]float64{{loc}, {scale}, {0.4}},
		func(n []*G.Node) (*G.Node, error) { return Laplace{Loc: n[0], Scale: n[1]}.LogProb(n[2]) },
		func(p [][]float64) float64 { return distuv.Laplace{Mu: p[0][0], Scale: p[1][0]}.LogProb(p[2][0]) })
	// The reparameterized draw is differentiable in its parameters:
	// ∂x/∂b = s(u), with s(u) = −sgn(u) log(1 − 2|u|).
	checkGradFD(t, [][]float64{{loc}, {scale}, {0.3}},
		func(n []*G.Node) (*G.Node, error) { return Laplace{Loc: n[0], Scale: n[1]}.Rsample(n[2]) },
		func(p [][]float64) float64 { return p[0][0] + p[1][0]*laplaceICDF.F(p[2][0]) })
	require.Equal(t, Real, SupportOf(d))
}
