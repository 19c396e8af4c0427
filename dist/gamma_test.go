package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = Gamma{}

// gonumDigammaTol is the agreement with closed forms evaluated with gonum's
// mathext.Digamma, which is itself accurate only to ~5e-11 (see
// ops/special_test.go), scaled by the coefficient of ψ.
const gonumDigammaTol = 1e-9

func TestGammaLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name       string
		conc, rate float64
		xs         []float64
	}{
		{"exponential", 1, 1, []float64{1e-3, 1, 10}},
		{"moderate", 2.5, 0.7, []float64{0.1, 3, 20}},
		{"concentration 1e-3", 1e-3, 1, []float64{1e-300, 1e-10, 0.5, 5}},
		{"concentration 1e3", 1e3, 2, []float64{400, 500, 600}},
		{"huge rate", 3, 1e8, []float64{1e-9, 3e-8, 1e-6}},
		{"tiny rate", 0.5, 1e-8, []float64{1, 1e8, 1e10}},
		{"far tail", 2, 1, []float64{1e4, 1e-200}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewGamma(g, p.conc, p.rate) },
			oracle: distuv.Gamma{Alpha: p.conc, Beta: p.rate}.LogProb,
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

func TestGammaEntropyGrad(t *testing.T) {
	for _, p := range []struct{ conc, rate float64 }{{0.5, 2}, {3.2, 0.4}, {200, 1}} {
		g := G.NewGraph()
		d, err := NewGamma(g, p.conc, p.rate)
		require.NoError(t, err)
		h := entropyOf(t, g, d)
		lg, _ := math.Lgamma(p.conc)
		want := p.conc - math.Log(p.rate) + lg + (1-p.conc)*mathext.Digamma(p.conc)
		near(t, want, h, gonumDigammaTol*math.Max(1, p.conc), "entropy α=%v β=%v", p.conc, p.rate)
		oracle := distuv.Gamma{Alpha: p.conc, Beta: p.rate, Src: rand.NewPCG(4, 5)}
		draws := make([]float64, mcDraws)
		for i := range draws {
			draws[i] = oracle.Rand()
		}
		checkEntropyMC(t, h, draws, oracle.LogProb)
	}
	checkGradFD(t, [][]float64{{2.3}, {0.8}, {1.9}},
		func(n []*G.Node) (*G.Node, error) { return Gamma{Concentration: n[0], Rate: n[1]}.LogProb(n[2]) },
		func(p [][]float64) float64 { return distuv.Gamma{Alpha: p[0][0], Beta: p[1][0]}.LogProb(p[2][0]) })
	require.Equal(t, Positive, SupportOf(Gamma{}))
}
