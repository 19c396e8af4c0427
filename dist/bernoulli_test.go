package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/special"
)

var _ Drawer = Bernoulli{}

// bernoulliOracle scores x ∈ {0, 1} with distuv.Bernoulli, parameterized so
// that the probability of the observed outcome is computed directly as
// σ(±l): P = σ(l) is rounded to 1 for l > 37, and distuv's log(1 − P) would
// then be −Inf where the truth is −l. When that probability underflows
// (|l| > 745) distuv cannot represent it and the oracle is the limit
// log σ(−|l|) = −|l| − log1p(e^{−|l|}) = −|l| in float64.
func bernoulliOracle(l float64) func(float64) float64 {
	return func(x float64) float64 {
		s := l
		if x == 0 {
			s = -l
		}
		if special.Sigmoid(s) == 0 {
			return s
		}
		return distuv.Bernoulli{P: special.Sigmoid(s)}.LogProb(1)
	}
}

func TestBernoulliLogProb(t *testing.T) {
	var cases []lpCase
	for _, l := range []float64{0, 0.3, -2, 15, -30, 40, -700, 1e3, -1e5} {
		cases = append(cases, lpCase{
			name:   "logit " + fmtG(l),
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewBernoulli(g, l) },
			oracle: bernoulliOracle(l),
			xs:     []float64{0, 1},
		})
	}
	checkLogProbs(t, cases)
}

func TestBernoulliEntropyGrad(t *testing.T) {
	for _, l := range []float64{0, 1.5, -4, 30} {
		g := G.NewGraph()
		d, err := NewBernoulli(g, l)
		require.NoError(t, err)
		checkEntropy(t, g, d, distuv.Bernoulli{P: special.Sigmoid(l)}.Entropy())
	}
	for _, x := range []float64{0, 1} {
		checkGradFD(t, [][]float64{{-0.8}, {x}},
			func(n []*G.Node) (*G.Node, error) { return Bernoulli{Logits: n[0]}.LogProb(n[1]) },
			// The continuous extension x·l − softplus(l) for ∂/∂x (= l).
			func(p [][]float64) float64 { return p[1][0]*p[0][0] - special.Softplus(p[0][0]) })
	}
	// ∂/∂l at a huge logit is σ(l) − x, exact: 0 or −1.
	checkGradFD(t, [][]float64{{50}, {0}},
		func(n []*G.Node) (*G.Node, error) { return Bernoulli{Logits: n[0]}.LogProb(n[1]) },
		func(p [][]float64) float64 { return -p[0][0] - math.Log1p(math.Exp(-p[0][0])) + p[1][0]*p[0][0] })
	_, ok := any(Bernoulli{}).(Supporter)
	require.False(t, ok, "a discrete distribution has no bijector")
}
