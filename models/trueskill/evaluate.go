package trueskill

import (
	"fmt"
	"math"
)

// A Predictor returns the forecast of a game between players p1 and p2,
// indices into the evaluated Dataset's player list.
type Predictor func(p1, p2 int) (Forecast, error)

// PosteriorPredictor returns the posterior-predictive Predictor of p under c.
func PosteriorPredictor(p *Posterior, c Config) Predictor {
	return func(i, j int) (Forecast, error) { return p.Predict(c, i, j) }
}

// PlugInPredictor returns the Predictor that plugs in p's means.
func PlugInPredictor(p *Posterior, c Config) Predictor {
	return func(i, j int) (Forecast, error) { return p.PredictPlugIn(c, i, j) }
}

// ConstantPredictor returns a Predictor giving f to every game, such as the
// base rates of a training set.
func ConstantPredictor(f Forecast) Predictor {
	return func(int, int) (Forecast, error) { return f, nil }
}

// BaseRates returns the fractions of wins, draws and losses for P1 (the home
// side in football) over ds's games: the constant-rate baseline.
func BaseRates(ds *Dataset) (Forecast, error) {
	if len(ds.Games) == 0 {
		return Forecast{}, ErrNoGames
	}
	w, d, l := ds.Counts()
	n := float64(len(ds.Games))
	return Forecast{Win: float64(w) / n, Draw: float64(d) / n, Loss: float64(l) / n}, nil
}

// Metrics scores forecasts of a test set.
type Metrics struct {
	Games    int
	LogLoss  float64 // −(1/N) Σ log P(observed result); +Inf if one had probability 0
	Accuracy float64 // fraction of games whose likeliest forecast result happened
	DrawRate float64 // observed fraction of draws
	PredDraw float64 // mean forecast probability of a draw
}

// Evaluate scores predict on every game of test.
func Evaluate(test *Dataset, predict Predictor) (Metrics, error) {
	if len(test.Games) == 0 {
		return Metrics{}, ErrNoGames
	}
	var m Metrics
	for g, gm := range test.Games {
		f, err := predict(gm.P1, gm.P2)
		if err != nil {
			return Metrics{}, fmt.Errorf("trueskill: Evaluate: game %d: %w", g, err)
		}
		if s := f.Win + f.Draw + f.Loss; math.Abs(s-1) > forecastSumTol || f.Win < 0 || f.Draw < 0 || f.Loss < 0 {
			return Metrics{}, fmt.Errorf("trueskill: Evaluate: game %d: forecast %+v is not a distribution", g, f)
		}
		m.LogLoss -= math.Log(f.Prob(gm.Result))
		if f.Likeliest() == gm.Result {
			m.Accuracy++
		}
		if gm.Result == Draw {
			m.DrawRate++
		}
		m.PredDraw += f.Draw
	}
	n := float64(len(test.Games))
	m.Games = len(test.Games)
	m.LogLoss /= n
	m.Accuracy /= n
	m.DrawRate /= n
	m.PredDraw /= n
	return m, nil
}

// forecastSumTol is how far a forecast's probabilities may sum from 1:
// rounding in three separately computed probabilities, each with relative
// error below 1e-13.
const forecastSumTol = 1e-9
