package trueskill

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// forecastMCDraws is the Monte Carlo sample size of the predictive checks.
const forecastMCDraws = 400_000

// logisticQuadTol compares the logistic predictive with a composite
// Gauss–Legendre reference (16 nodes per panel over m ± 15√v, panels at most
// β wide, so the sigmoid is resolved to rounding): both are exact to
// ~1e-15, see ghNodes.
const logisticQuadTol = 1e-13

// testPosterior has three players with a full covariance.
func testPosterior() *Posterior {
	cov := mat.NewSymDense(3, []float64{
		0.49, 0.20, -0.05,
		0.20, 0.36, 0.10,
		-0.05, 0.10, 1.00,
	})
	return &Posterior{
		Players: []string{"a", "b", "c"},
		Mean:    []float64{0.8, -0.3, 0.1},
		Std:     []float64{0.7, 0.6, 1.0},
		Cov:     cov,
	}
}

// TestPredictMC checks the posterior predictive, closed form (probit) and
// quadrature (logistic), against simulation of the generative model: draw
// the skills from the posterior, add the performance noise, apply the
// margin.
func TestPredictMC(t *testing.T) {
	t.Parallel()
	p := testPosterior()
	var chol mat.Cholesky
	require.True(t, chol.Factorize(p.Cov))
	var l mat.TriDense
	chol.LTo(&l)
	for k, c := range []Config{
		{Sigma0: 1, Beta: 0.8, Margin: 0.3, Link: Probit},
		{Sigma0: 1, Beta: 0.8, Margin: 0.3, Link: Logistic},
		{Sigma0: 1, Beta: 1.5, Link: Probit},
		{Sigma0: 1, Beta: 0.3, Margin: 1, Link: Logistic},
	} {
		for _, pair := range [][2]int{{0, 1}, {1, 2}, {2, 0}} {
			i, j := pair[0], pair[1]
			want, err := p.Predict(c, i, j)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(uint64(k), uint64(3*i+j)))
			var counts [4]float64
			z := make([]float64, 3)
			for range forecastMCDraws {
				for q := range z {
					z[q] = r.NormFloat64()
				}
				si := p.Mean[i] + l.At(i, 0)*z[0] + l.At(i, 1)*z[1] + l.At(i, 2)*z[2]
				sj := p.Mean[j] + l.At(j, 0)*z[0] + l.At(j, 1)*z[1] + l.At(j, 2)*z[2]
				var noise float64
				if c.Link == Probit {
					noise = math.Sqrt2 * c.Beta * r.NormFloat64()
				} else {
					u := r.Float64()
					noise = c.Beta * math.Log(u/(1-u)) // standard logistic by inversion
				}
				perf := si - sj + noise
				switch {
				case perf > c.Margin:
					counts[Win]++
				case perf < -c.Margin:
					counts[Loss]++
				default:
					counts[Draw]++
				}
			}
			for _, res := range []Result{Win, Draw, Loss} {
				pw := want.Prob(res)
				se := math.Sqrt(pw * (1 - pw) / forecastMCDraws)
				assert.InDelta(t, pw, counts[res]/forecastMCDraws, mcZ*se+1e-12, "%v β=%v ε=%v (%d,%d) %v", c.Link, c.Beta, c.Margin, i, j, res)
			}
		}
	}
}

func TestPredictiveLogisticQuadrature(t *testing.T) {
	t.Parallel()
	for _, c := range []Config{
		{Sigma0: 1, Beta: 1, Margin: 0.4, Link: Logistic},
		{Sigma0: 1, Beta: 0.5, Margin: 0.1, Link: Logistic},
		{Sigma0: 1, Beta: 2, Link: Logistic},
	} {
		b2 := c.Beta * c.Beta
		for _, m := range []float64{-3, 0, 0.7, 5, 40} {
			// Both sides of the switch at v = 2β², and far beyond it.
			for _, v := range []float64{1e-4, 0.09, b2, 2 * b2, 2.01 * b2, 16 * b2, 1e4 * b2} {
				got := c.Predictive(m, v)
				sd := math.Sqrt(v)
				dens := func(x float64) float64 {
					z := (x - m) / sd
					return math.Exp(-0.5*z*z) / (sd * math.Sqrt(2*math.Pi))
				}
				for _, r := range []Result{Win, Draw, Loss} {
					if r == Draw && c.Margin == 0 {
						assert.Equal(t, 0.0, got.Draw)
						continue
					}
					f := func(x float64) float64 { return dens(x) * math.Exp(c.LogLik(r, x)) }
					var want float64
					panels := max(200, int(math.Ceil(30*sd/c.Beta)))
					lo, hi := m-15*sd, m+15*sd
					for k := range panels {
						a := lo + (hi-lo)*float64(k)/float64(panels)
						b := lo + (hi-lo)*float64(k+1)/float64(panels)
						want += quad.Fixed(f, a, b, 16, quad.Legendre{}, 0)
					}
					assert.InDelta(t, want, got.Prob(r), logisticQuadTol, "β=%v m=%v v/β²=%v %v", c.Beta, m, v/b2, r)
				}
			}
		}
	}
}

func TestPredictPlugInAndEdges(t *testing.T) {
	t.Parallel()
	p := testPosterior()
	for _, c := range []Config{{Sigma0: 1, Beta: 1, Margin: 0.2}, {Sigma0: 1, Beta: 1, Margin: 0.2, Link: Logistic}} {
		got, err := p.PredictPlugIn(c, 0, 2)
		require.NoError(t, err)
		d := p.Mean[0] - p.Mean[2]
		assert.Equal(t, c.Probs(d), got)
		// Zero uncertainty: the predictive is the plug-in.
		assert.Equal(t, c.Probs(d), c.Predictive(d, 0))
		// Uncertainty pulls probabilities towards the middle.
		pred, err := p.Predict(c, 0, 2)
		require.NoError(t, err)
		assert.Less(t, pred.Win, got.Win)
		assert.InDelta(t, 1, pred.Win+pred.Draw+pred.Loss, forecastSumTol)
	}
	// Without a covariance the difference's variance is σᵢ² + σⱼ².
	c := Config{Sigma0: 1, Beta: 1}
	q := &Posterior{Mean: []float64{1, 0}, Std: []float64{0.3, 0.4}}
	f, err := q.Predict(c, 0, 1)
	require.NoError(t, err)
	assert.InDelta(t, 0.74750746245307708641, f.Win, 1e-15, "Φ(1/√(2 + 0.3² + 0.4²)) from mpmath")
	_, err = q.Predict(c, 0, 2)
	assert.Error(t, err)
	_, err = q.Predict(Config{}, 0, 1)
	assert.Error(t, err)
	_, err = (&Posterior{Mean: []float64{1, 2}, Std: []float64{1}}).Predict(c, 0, 1)
	assert.Error(t, err)
	_, err = q.PredictPlugIn(c, -1, 1)
	assert.Error(t, err)
	_, err = q.Predict(c, 1, 1)
	assert.ErrorContains(t, err, "cannot play itself")

	assert.Equal(t, Win, Forecast{0.4, 0.2, 0.4}.Likeliest(), "ties go to Win")
	assert.Equal(t, Draw, Forecast{0.3, 0.4, 0.3}.Likeliest())
	assert.Equal(t, Loss, Forecast{0.2, 0.3, 0.5}.Likeliest())
	assert.Equal(t, 0.0, Forecast{0.2, 0.3, 0.5}.Prob(Result(0)))
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	ds, err := NewDataset([]string{"a", "b"}, []Game{{0, 1, Win}, {0, 1, Draw}, {1, 0, Loss}, {0, 1, Win}})
	require.NoError(t, err)
	base, err := BaseRates(ds)
	require.NoError(t, err)
	assert.Equal(t, Forecast{Win: 0.5, Draw: 0.25, Loss: 0.25}, base)
	m, err := Evaluate(ds, ConstantPredictor(base))
	require.NoError(t, err)
	// −(2 log 0.5 + 2 log 0.25)/4 = 1.5 log 2; the likeliest result (win)
	// happened twice; one draw in four games.
	assert.InDelta(t, 1.5*math.Ln2, m.LogLoss, 1e-15)
	assert.Equal(t, 0.5, m.Accuracy)
	assert.Equal(t, 0.25, m.DrawRate)
	assert.InDelta(t, 0.25, m.PredDraw, 1e-15)
	assert.Equal(t, 4, m.Games)

	zeroDraw := ConstantPredictor(Forecast{Win: 0.5, Loss: 0.5})
	m, err = Evaluate(ds, zeroDraw)
	require.NoError(t, err)
	assert.True(t, math.IsInf(m.LogLoss, 1), "a draw forecast at probability 0 costs +Inf")

	_, err = Evaluate(ds, ConstantPredictor(Forecast{Win: 0.9, Draw: 0.3}))
	assert.ErrorContains(t, err, "not a distribution")
	_, err = Evaluate(ds, func(int, int) (Forecast, error) { return Forecast{}, ErrNoGames })
	assert.ErrorIs(t, err, ErrNoGames)
	_, err = Evaluate(&Dataset{}, zeroDraw)
	assert.ErrorIs(t, err, ErrNoGames)
	_, err = BaseRates(&Dataset{})
	assert.ErrorIs(t, err, ErrNoGames)
}
