package trueskill

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// footballConfig is the probit model with draws used for the EPL data: the
// draw margin ε = 0.5 (with σ₀ = β = 1) makes the mean forecast draw
// probability on the training seasons 0.245, near their observed draw rate
// 0.261; it was chosen on the training seasons only. The model has no
// home advantage.
var footballConfig = Config{Sigma0: 1, Beta: 1, Margin: 0.5}

// TestFootballEPGibbs checks the draw handling of EP (truncation to
// [−ε, ε]) and of the Gibbs sampler (draws from the normal truncated to
// [−ε, ε]) against each other on all five seasons, where a quarter of the
// games are draws.
func TestFootballEPGibbs(t *testing.T) {
	t.Parallel()
	ds, err := ReadFootball(footballPath(t))
	require.NoError(t, err)
	c := footballConfig
	gb, err := Gibbs(ds, c, GibbsSettings{Samples: 10_000, BurnIn: 1_000}, rand.New(rand.NewPCG(2008, 2013)))
	require.NoError(t, err)
	epf, err := EP(ds, c, &EPSettings{FullCovariance: true})
	require.NoError(t, err)
	require.True(t, epf.Converged)
	ep, err := EP(ds, c, nil)
	require.NoError(t, err)
	require.True(t, ep.Converged)
	var dmF, dsF, dmE, dsE float64
	for i := range gb.Mean {
		assert.InDelta(t, gb.Mean[i], epf.Mean[i], epFullMeanBias+mcZ*gb.MCSEMean[i], "EP-full mean of %s", ds.Players[i])
		assert.InDelta(t, gb.Std[i], epf.Std[i], epFullStdBias*gb.Std[i]+mcZ*gb.MCSEStd[i], "EP-full std of %s", ds.Players[i])
		dmF = math.Max(dmF, math.Abs(gb.Mean[i]-epf.Mean[i]))
		dsF = math.Max(dsF, math.Abs(epf.Std[i]/gb.Std[i]-1))
		dmE = math.Max(dmE, math.Abs(gb.Mean[i]-ep.Mean[i]))
		dsE = math.Max(dsE, math.Abs(ep.Std[i]/gb.Std[i]-1))
	}
	t.Logf("football, all seasons, ε = 0.5: EP-full vs Gibbs max |Δmean| %.4f, max |Δstd|/std %.4f; EP vs Gibbs %.4f, %.4f (%d and %d sweeps)",
		dmF, dsF, dmE, dsE, epf.Sweeps, ep.Sweeps)
	// Factorized EP gets the means but not the spreads here: each team
	// plays ~130 games, so the differences between teams are known far
	// better than their common level, which only the prior fixes, and a
	// factorized approximation cannot represent that shared uncertainty.
	assert.LessOrEqual(t, dmE, epGibbsMeanTol, "EP means")
	for i := range gb.Std {
		assert.Less(t, ep.Std[i], gb.Std[i], "factorized EP std of %s", ds.Players[i])
	}
	r := gb.Ratings()
	t.Logf("top 4 (Gibbs): %s %.2f, %s %.2f, %s %.2f, %s %.2f", r[0].Name, r[0].Mean, r[1].Name, r[1].Mean, r[2].Name, r[2].Mean, r[3].Name, r[3].Mean)
}

// TestFootballForecast trains on 2008/9–2011/12 and forecasts 2012/13
// (games of teams promoted in 2012/13 are skipped), against the
// constant-rate baseline of the training seasons (home win, draw, away win
// rates).
func TestFootballForecast(t *testing.T) {
	t.Parallel()
	p := footballPath(t)
	train, err := ReadFootball(p, "2008-9", "2009-10", "2010-11", "2011-12")
	require.NoError(t, err)
	opts := FootballOptions("2012-13")
	opts.Players = train.Players
	opts.SkipUnknown = true
	test, err := ReadFile(p, opts)
	require.NoError(t, err)
	// 380 games, of which 74 involve one of the three promoted teams
	// (counted with Python's csv module).
	assert.Equal(t, 306, len(test.Games))
	assert.Equal(t, 74, test.Skipped)

	c := footballConfig
	base, err := BaseRates(train)
	require.NoError(t, err)
	ep, err := EP(train, c, &EPSettings{FullCovariance: true})
	require.NoError(t, err)
	epFact, err := EP(train, c, nil)
	require.NoError(t, err)
	la, err := Laplace(train, c, nil)
	require.NoError(t, err)
	logit := Config{Sigma0: 1, Beta: 0.6, Margin: 0.5, Link: Logistic}
	laLogit, err := Laplace(train, logit, nil)
	require.NoError(t, err)

	results := map[string]Metrics{}
	for _, m := range []struct {
		name string
		pred Predictor
	}{
		{"baseline (training rates)", ConstantPredictor(base)},
		{"EP-full predictive", PosteriorPredictor(&ep.Posterior, c)},
		{"EP-full plug-in", PlugInPredictor(&ep.Posterior, c)},
		{"EP predictive", PosteriorPredictor(&epFact.Posterior, c)},
		{"Laplace predictive", PosteriorPredictor(la, c)},
		{"Laplace logistic β=0.6", PosteriorPredictor(laLogit, logit)},
	} {
		got, err := Evaluate(test, m.pred)
		require.NoError(t, err, m.name)
		results[m.name] = got
		t.Logf("%-26s log-loss %.4f  accuracy %.3f  observed draws %.3f  mean P(draw) %.3f", m.name, got.LogLoss, got.Accuracy, got.DrawRate, got.PredDraw)
	}
	// The skill model beats the constant rates on held-out games even
	// without a home advantage (measured 0.98 against 1.08 nats).
	assert.Less(t, results["EP-full predictive"].LogLoss, results["baseline (training rates)"].LogLoss)
	assert.InDelta(t, 0.2745, results["baseline (training rates)"].DrawRate, 1e-4, "84 draws in 306 games")
}
