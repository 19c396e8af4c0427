package svi_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

func fitAndSummarize(t *testing.T, model svi.Model, g svi.Guide, b svi.Batch, steps int) []svi.SiteSummary {
	t.Helper()
	tr, err := svi.New(model, g, svi.Config{Particles: 8, Optimizer: svi.Adam{LearnRate: 0.02}})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(b))
	st, err := tr.Init(5)
	require.NoError(t, err)
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: steps, Stop: &svi.Convergence{}, Average: true})
	require.NoError(t, err)
	sum, err := tr.Summarize(st, 100000, rand.New(rand.NewPCG(9, 9)), nil)
	require.NoError(t, err)
	return sum
}

// TestGammaPrecision: yᵢ ~ N(0, 1/τ) with τ ~ Gamma(a, b) has the posterior
// Gamma(a + n/2, b + Σy²/2). τ is a positive site fitted through exp.
func TestGammaPrecision(t *testing.T) {
	const a, b = 2.0, 1.0
	r := rand.New(rand.NewPCG(2, 2))
	y := make([]float64, 60)
	ss := 0.0
	for i := range y {
		y[i] = 0.5 * r.NormFloat64()
		ss += y[i] * y[i]
	}
	model := svi.ModelFunc(func(m *svi.M) error {
		prior, err := dist.NewGamma(m.Graph(), a, b)
		if err != nil {
			return err
		}
		tau := m.Sample("tau", prior)
		yn := m.Data("y", len(y))
		if m.Err() != nil {
			return m.Err()
		}
		sd, err := G.Inverse(G.Must(G.Sqrt(tau)))
		if err != nil {
			return err
		}
		m.Observe("y", dist.Normal{Loc: m.Const(0), Scale: sd}, yn)
		return m.Err()
	})
	post := distuv.Gamma{Alpha: a + float64(len(y))/2, Beta: b + ss/2}
	sum := fitAndSummarize(t, model, guides.MeanField{}, svi.Batch{"y": y}, 6000)
	t.Logf("τ: mean %.4f (exact %.4f), sd %.4f (exact %.4f)", sum[0].Mean[0], post.Mean(), sum[0].Std[0], post.StdDev())
	assert.Equal(t, "positive", sum[0].Support)
	// Tolerances: q is log-normal, the posterior a Gamma with shape 32, for
	// which the two agree to about 1% in mean and 3% in sd.
	assert.InDelta(t, post.Mean(), sum[0].Mean[0], 0.015*post.Mean())
	assert.InDelta(t, post.StdDev(), sum[0].Std[0], 0.05*post.StdDev())
}

// TestDirichletWeights: w ~ Dirichlet(α) with multinomial counts c has the
// posterior Dirichlet(α + c). w is a simplex site fitted through
// stick-breaking with K − 1 unconstrained coordinates.
func TestDirichletWeights(t *testing.T) {
	alpha := []float64{1, 2, 1, 0.5}
	counts := []float64{30, 55, 12, 3}
	model := svi.ModelFunc(func(m *svi.M) error {
		prior, err := dist.NewDirichlet(m.Graph(), alpha)
		if err != nil {
			return err
		}
		w := m.Sample("w", prior, len(alpha))
		c := m.Data("counts", len(counts))
		if m.Err() != nil {
			return m.Err()
		}
		lw, err := G.Log(w)
		if err != nil {
			return err
		}
		m.Factor("counts", G.Must(G.HadamardProd(c, lw)))
		return m.Err()
	})
	sum := fitAndSummarize(t, model, guides.FullRank{}, svi.Batch{"counts": counts}, 8000)
	require.Len(t, sum[0].Mean, len(alpha))
	assert.Equal(t, "simplex", sum[0].Support)
	a0 := 0.0
	for i := range alpha {
		a0 += alpha[i] + counts[i]
	}
	for i := range alpha {
		ai := alpha[i] + counts[i]
		mean := ai / a0
		sd := math.Sqrt(ai * (a0 - ai) / (a0 * a0 * (a0 + 1)))
		t.Logf("w[%d]: mean %.4f (exact %.4f), sd %.4f (exact %.4f)", i, sum[0].Mean[i], mean, sum[0].Std[i], sd)
		// Tolerances: a logistic-normal q against a Dirichlet posterior with
		// α₀ = 104.5: means within 0.005, sds within 10%.
		assert.InDelta(t, mean, sum[0].Mean[i], 0.005)
		assert.InDelta(t, sd, sum[0].Std[i], 0.1*sd)
	}
}

// TestLowerBoundedSite: a site declared on (2, ∞) with a Gamma prior shifted
// by 2 is fitted through Softplus{Low: 2}; with no data its posterior is the
// prior, 2 + Gamma(3, 2).
func TestLowerBoundedSite(t *testing.T) {
	model := svi.ModelFunc(func(m *svi.M) error {
		g := m.Graph()
		prior, err := dist.NewGamma(g, 3, 2)
		if err != nil {
			return err
		}
		x := m.SampleIn("x", shifted{prior, m.Const(2)}, dist.Softplus{Low: 2})
		if m.Err() != nil {
			return m.Err()
		}
		m.Factor("none", G.Must(G.HadamardProd(x, m.Const(0))))
		return m.Err()
	})
	sum := fitAndSummarize(t, model, guides.MeanField{}, svi.Batch{}, 6000)
	assert.Equal(t, "greater than 2", sum[0].Support)
	want := distuv.Gamma{Alpha: 3, Beta: 2}
	t.Logf("x: mean %.4f (exact %.4f), sd %.4f (exact %.4f)", sum[0].Mean[0], 2+want.Mean(), sum[0].Std[0], want.StdDev())
	// Tolerances: a softplus-normal q against a Gamma(3, 2): 3% in the mean
	// of x − 2 and 10% in the sd.
	assert.InDelta(t, 2+want.Mean(), sum[0].Mean[0], 0.03*want.Mean())
	assert.InDelta(t, want.StdDev(), sum[0].Std[0], 0.1*want.StdDev())
	assert.Greater(t, sum[0].Quantiles[0][0], 2.0)
}

// shifted is the law of lo + y for y ~ base.
type shifted struct {
	base dist.LogProber
	lo   *G.Node
}

func (s shifted) LogProb(x *G.Node) (*G.Node, error) {
	d, err := G.Sub(x, s.lo)
	if err != nil {
		return nil, err
	}
	return s.base.LogProb(d)
}
