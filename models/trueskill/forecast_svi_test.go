package trueskill

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/svi"
)

// forecastPlan fits the forecast models from the posterior mode
// (Model.InitLoc): 2,000 steps of S = 2 at 0.01, halved every 400 steps.
var forecastPlan = plan{Particles: 2, Steps: 2000, LearnRate: 0.01, Every: 400, Decay: 0.5}

// fitFrom fits guide g (mean-field or full-rank) started at m's mode.
func fitFrom(t *testing.T, m *Model, fullRank bool, p plan, seed uint64) *Fitted {
	t.Helper()
	init, err := m.InitLoc()
	require.NoError(t, err)
	var g svi.Guide = guides.MeanField{InitLoc: init}
	if fullRank {
		g = guides.FullRank{InitLoc: init}
	}
	_, _, f := fit(t, m, g, p, seed, nil)
	return f
}

// scored is one row of a forecast table.
type scored struct {
	name string
	m    Metrics
}

func score(t *testing.T, test *Dataset, rows []struct {
	name string
	pred Predictor
}) map[string]Metrics {
	t.Helper()
	out := map[string]Metrics{}
	for _, r := range rows {
		got, err := Evaluate(test, r.pred)
		require.NoError(t, err, r.name)
		out[r.name] = got
		t.Logf("%-40s log-loss %.4f  accuracy %.3f  observed draws %.3f  mean P(draw) %.3f (%d games)",
			r.name, got.LogLoss, got.Accuracy, got.DrawRate, got.PredDraw, got.Games)
	}
	return out
}

type predRow = struct {
	name string
	pred Predictor
}

// TestFootballForecastSVI trains on the EPL seasons 2008/9–2011/12 and
// forecasts 2012/13 (306 games between known teams; the promoted teams'
// 74 are scored separately with the prior policy), with the probit model
// of TestFootballForecast (σ₀ = β = 1, ε = 0.5 fixed, no home advantage)
// and with a learned margin and home advantage.
func TestFootballForecastSVI(t *testing.T) {
	t.Parallel()
	p := footballPath(t)
	train, err := ReadFootball(p, "2008-9", "2009-10", "2010-11", "2011-12")
	require.NoError(t, err)
	opts := FootballOptions("2012-13")
	opts.Players = train.Players
	opts.SkipUnknown = true
	test, err := ReadFile(p, opts)
	require.NoError(t, err)
	require.Equal(t, 306, len(test.Games))

	base, err := BaseRates(train)
	require.NoError(t, err)
	fixed, err := NewModel(train, footballConfig, Options{})
	require.NoError(t, err)
	learned, err := NewModel(train, Config{Sigma0: 1, Beta: 1}, Options{LearnMargin: true, HomeAdvantage: true})
	require.NoError(t, err)
	frFixed := fitFrom(t, fixed, true, forecastPlan, 32)
	frHome := fitFrom(t, learned, true, forecastPlan, 34)
	t.Logf("learned (full-rank): ε = %.3f ± %.3f, η = %.3f ± %.3f", frHome.Margin.Mean, frHome.Margin.Std, frHome.Home.Mean, frHome.Home.Std)
	epf, err := EP(train, footballConfig, &EPSettings{FullCovariance: true})
	require.NoError(t, err)
	rows := []predRow{
		{"baseline (training rates)", ConstantPredictor(base)},
		{"EP-full predictive, ε = 0.5", PosteriorPredictor(&epf.Posterior, footballConfig)},
		{"SVI full-rank predictive, ε = 0.5", frFixed.Predict},
		{"SVI full-rank plug-in, ε = 0.5", frFixed.PredictPlugIn},
		{"SVI full-rank predictive, ε, η learned", frHome.Predict},
		{"SVI full-rank plug-in, ε, η learned", frHome.PredictPlugIn},
	}
	res := score(t, test, rows)
	// The full-rank fit of the fixed-margin model is the EP-full posterior
	// up to SVI noise: their forecasts agree closely (measured 0.0001).
	const sameModelTol = 0.002
	assert.InDelta(t, res["EP-full predictive, ε = 0.5"].LogLoss, res["SVI full-rank predictive, ε = 0.5"].LogLoss, sameModelTol)
	assert.Less(t, res["SVI full-rank predictive, ε, η learned"].LogLoss, res["SVI full-rank predictive, ε = 0.5"].LogLoss,
		"a home advantage helps")
	assert.Less(t, res["SVI full-rank predictive, ε, η learned"].LogLoss, res["baseline (training rates)"].LogLoss)
	assert.Greater(t, frHome.Home.Mean, 0.0, "home advantage")

	// All 380 games, the three promoted teams at the prior.
	all, err := ReadFootball(p, "2012-13")
	require.NoError(t, err)
	ext := frHome.Extend(all.Players)
	opts = FootballOptions("2012-13")
	opts.Players = ext.Players
	test380, err := ReadFile(p, opts)
	require.NoError(t, err)
	require.Equal(t, 380, len(test380.Games))
	score(t, test380, []predRow{
		{"all 380: baseline (training rates)", ConstantPredictor(base)},
		{"all 380: full-rank predictive, ε, η", ext.Predict},
		{"all 380: full-rank plug-in, ε, η", ext.PredictPlugIn},
	})
}

// orient puts each game's players in a seeded random order (flipping the
// result with them): in a winner/loser file P1 is always the winner, which
// makes accuracy with ties and the P1-rate baseline meaningless.
func orient(ds *Dataset, seed uint64) *Dataset {
	r := rand.New(rand.NewPCG(seed, 0))
	out := *ds
	out.Games = make([]Game, len(ds.Games))
	for g, gm := range ds.Games {
		if r.IntN(2) == 1 {
			gm = Game{P1: gm.P2, P2: gm.P1, Result: gm.Result.Reverse()}
		}
		out.Games[g] = gm
	}
	return &out
}

// coin is the constant forecast for a game without draws in random order.
var coin = ConstantPredictor(Forecast{Win: 0.5, Loss: 0.5})

// TestTennisForecastSVI trains on Sackmann's 2011 ATP tour-level singles
// (walkovers left out; 459 players) and forecasts 2012, probit, σ₀ = β = 1.
// Players of 2012 unseen in 2011 are handled two ways: their games are
// left out ("known"), or they get the prior N(μ₀, σ₀²) ("prior").
func TestTennisForecastSVI(t *testing.T) {
	t.Parallel()
	train, err := ReadSackmann(datadir.Require(t, Sackmann2011File), true)
	require.NoError(t, err)
	path2012 := datadir.Require(t, Sackmann2012File)
	c := tennisConfig
	m, err := NewModel(train, c, Options{})
	require.NoError(t, err)
	mf := fitFrom(t, m, false, forecastPlan, 41)

	opts := SackmannOptions(true)
	opts.Players, opts.SkipUnknown = train.Players, true
	known, err := ReadFile(path2012, opts)
	require.NoError(t, err)
	known = orient(known, 2012)
	all, err := ReadSackmann(path2012, true)
	require.NoError(t, err)
	ext := mf.Extend(all.Players)
	opts = SackmannOptions(true)
	opts.Players = ext.Players
	withNew, err := ReadFile(path2012, opts)
	require.NoError(t, err)
	withNew = orient(withNew, 2012)
	t.Logf("2011: %d players, %d games; 2012: %d games, %d between players seen in 2011 (%d left out), %d new players",
		len(train.Players), len(train.Games), len(withNew.Games), len(known.Games), known.Skipped, len(ext.Players)-len(train.Players))

	la, err := Laplace(train, c, nil)
	require.NoError(t, err)
	res := score(t, known, []predRow{
		{"known: coin", coin},
		{"known: SVI mean-field predictive", mf.Predict},
		{"known: SVI mean-field plug-in", mf.PredictPlugIn},
		{"known: Laplace predictive", PosteriorPredictor(la, c)},
	})
	score(t, withNew, []predRow{
		{"prior: coin", coin},
		{"prior: SVI mean-field predictive", ext.Predict},
		{"prior: SVI mean-field plug-in", ext.PredictPlugIn},
	})
	assert.Less(t, res["known: SVI mean-field predictive"].LogLoss, math.Ln2, "better than a coin")
	assert.Less(t, res["known: SVI mean-field predictive"].LogLoss, res["known: SVI mean-field plug-in"].LogLoss,
		"integrating over the skills helps on held-out games")
}
