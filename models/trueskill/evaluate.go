package trueskill

import (
	"errors"
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

// HeldOut scores the forecasts of a held-out data set (see
// [Fitted.ScoreHeldOut]).
type HeldOut struct {
	LogLoss       float64 `json:"logloss"`             // posterior predictive
	Accuracy      float64 `json:"accuracy"`            // posterior predictive
	DrawRate      float64 `json:"draw_rate"`           // observed
	PredDraw      float64 `json:"mean_predicted_draw"` // posterior predictive
	PlugInLogLoss float64 `json:"plugin_logloss"`      // skills at their posterior means
	// BaseLogLoss is the log-loss of the training set's constant rates,
	// nil when infinite (a result the training set never saw).
	BaseLogLoss *float64   `json:"baseline_logloss,omitempty"`
	BaseRates   [3]float64 `json:"baseline_rates"` // training win/draw/loss rates for P1
}

// ErrZeroProbability is returned by [Fitted.ScoreHeldOut] when a held-out
// game's result had forecast probability 0.
var ErrZeroProbability = errors.New("trueskill: a test game has forecast probability 0 (a draw with a draw margin of 0?)")

// ScoreHeldOut scores on test (whose player indices are f's) the
// posterior-predictive forecasts of f, the plug-in forecasts at f's
// posterior means, and the constant win/draw/loss rates for P1 of train.
// In the winner/loser layout P1 always wins, so train's rates carry no
// information; they are then replaced by the symmetric rates
// ((1 − r)/2, r, (1 − r)/2) with train's draw rate r.
func (f *Fitted) ScoreHeldOut(train, test *Dataset) (*HeldOut, error) {
	mt, err := Evaluate(test, f.Predict)
	if err != nil {
		return nil, err
	}
	if math.IsInf(mt.LogLoss, 0) {
		return nil, ErrZeroProbability
	}
	h := &HeldOut{LogLoss: mt.LogLoss, Accuracy: mt.Accuracy, DrawRate: mt.DrawRate, PredDraw: mt.PredDraw}
	pi, err := Evaluate(test, f.PredictPlugIn)
	if err != nil {
		return nil, err
	}
	h.PlugInLogLoss = pi.LogLoss
	base, err := BaseRates(train)
	if err != nil {
		return nil, err
	}
	if base.Loss == 0 {
		base = Forecast{Win: (1 - base.Draw) / 2, Draw: base.Draw, Loss: (1 - base.Draw) / 2}
	}
	h.BaseRates = [3]float64{base.Win, base.Draw, base.Loss}
	if bm, err := Evaluate(test, ConstantPredictor(base)); err == nil && !math.IsInf(bm.LogLoss, 0) {
		h.BaseLogLoss = &bm.LogLoss
	}
	return h, nil
}
