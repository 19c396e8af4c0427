package bnn

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestMixPredictivesByHand: the mixture of two one-draw predictives at two
// points, N(f₁, s₁²) and N(f₂, s₂²), against its closed form with gonum's
// distuv.Normal as the oracle: log-likelihood log ½(p₁(y) + p₂(y)) per
// row, mean (f₁ + f₂)/2, sd √(Var f + mean s²), the 95% interval's ends
// at the mixture's 2.5% and 97.5% points (CDF ½Φ₁ + ½Φ₂), and the
// coverage of targets either side of them.
func TestMixPredictivesByHand(t *testing.T) {
	t.Parallel()
	const tol = 1e-12 // closed forms, double precision
	p1 := &Predictive{N: 2, T: 1, F: []float64{-1, 2}, NoiseStd: []float64{1}, Mean: []float64{-1, 2}, Std: []float64{1, 1}, EpiStd: []float64{0, 0}}
	p2 := &Predictive{N: 2, T: 1, F: []float64{1, 2.5}, NoiseStd: []float64{0.5}, Mean: []float64{1, 2.5}, Std: []float64{0.5, 0.5}, EpiStd: []float64{0, 0}}
	mix, err := MixPredictives(p1, p2)
	require.NoError(t, err)
	y := []float64{0.3, 1.7}
	ll, err := mix.LogLik(y)
	require.NoError(t, err)
	for i, yi := range y {
		want := math.Log(0.5*distuv.Normal{Mu: p1.F[i], Sigma: 1}.Prob(yi) + 0.5*distuv.Normal{Mu: p2.F[i], Sigma: 0.5}.Prob(yi))
		assert.InDelta(t, want, ll[i], tol, "row %d", i)
		assert.InDelta(t, (p1.F[i]+p2.F[i])/2, mix.Mean[i], tol, "mean %d", i)
		d := (p1.F[i] - p2.F[i]) / 2
		assert.InDelta(t, math.Sqrt(d*d+(1+0.25)/2), mix.Std[i], tol, "sd %d", i)
	}
	mll, err := mix.MeanLogLik(y)
	require.NoError(t, err)
	assert.InDelta(t, (ll[0]+ll[1])/2, mll, tol)
	rmse, err := mix.RMSE(y)
	require.NoError(t, err)
	assert.InDelta(t, math.Sqrt((0.3*0.3+0.55*0.55)/2), rmse, tol)

	qs, err := mix.Quantiles([]float64{0.025, 0.975})
	require.NoError(t, err)
	cdf := func(i int, v float64) float64 {
		return 0.5*distuv.Normal{Mu: p1.F[i], Sigma: 1}.CDF(v) + 0.5*distuv.Normal{Mu: p2.F[i], Sigma: 0.5}.CDF(v)
	}
	const qtol = 1e-7 // bisection to 1e-9 of the range of the draws ± 40 sd
	for i := range 2 {
		assert.InDelta(t, 0.025, cdf(i, qs[0][i]), qtol, "lower end %d", i)
		assert.InDelta(t, 0.975, cdf(i, qs[1][i]), qtol, "upper end %d", i)
	}
	cov, err := mix.Coverage([]float64{qs[1][0] - 1e-3, qs[1][1] + 1e-3}, 0.95)
	require.NoError(t, err)
	assert.Equal(t, 0.5, cov, "one target just inside its interval, one just outside")

	one, err := MixPredictives(p1)
	require.NoError(t, err)
	assert.Same(t, p1, one, "one predictive is its own mixture")
	_, err = MixPredictives(p1, &Predictive{N: 3, T: 1})
	assert.ErrorContains(t, err, "predictive 1 has 3 points")
}

// TestEnsembleProtocol: RunSplits with Ensemble 1 scores exactly what one
// Fit (seed Seed + k) and its Evaluate (seed Seed + k + 1000) score, and
// with Ensemble 2 the test log-likelihood of each row is log ½(p₁ + p₂) of
// the two fits seeded Seed + k and Seed + k + 1, computed from each fit's
// own predictive (RMSE that of the mean of their means).
func TestEnsembleProtocol(t *testing.T) {
	t.Parallel()
	all := Toy(80, 4)
	train, test, err := HoldOut(all, 0.25, 1)
	require.NoError(t, err)
	cfg := Config{Hidden: []int{4}, NoiseShape: 1, NoiseRate: 0.01}
	s := Settings{Steps: 300, Batch: 20, Seed: 5}
	const draws, k = 50, 2
	sp := []Split{{Index: k, Train: train, Test: test}}
	var nets [2]*Net
	var preds [2]*Predictive
	for j := range nets {
		sj := s
		sj.Seed += k + uint64(j)
		nets[j], err = Fit(context.Background(), cfg, train, sj)
		require.NoError(t, err)
		preds[j], err = nets[j].Predict(test.X, draws, sj.Seed+1000)
		require.NoError(t, err)
	}
	plain, err := nets[0].Evaluate(test, draws, s.Seed+k+1000)
	require.NoError(t, err)
	one, err := RunSplits(context.Background(), sp, Protocol{Config: cfg, Settings: s, Draws: draws, Ensemble: 1})
	require.NoError(t, err)
	assert.Equal(t, *plain, one.PerSplit[0].Metrics, "K = 1 is the plain fit")
	assert.Zero(t, one.PerSplit[0].Ensemble)

	two, err := RunSplits(context.Background(), sp, Protocol{Config: cfg, Settings: s, Draws: draws, Ensemble: 2})
	require.NoError(t, err)
	const tol = 1e-12 // the same numbers summed in another order
	var lls [2][]float64
	for j := range preds {
		lls[j], err = preds[j].LogLik(test.Y)
		require.NoError(t, err)
	}
	var ll, se float64
	for i, y := range test.Y {
		var p, m float64
		for j := range preds {
			p += math.Exp(lls[j][i]) / 2
			m += preds[j].Mean[i] / 2
		}
		ll += math.Log(p) / float64(test.N)
		se += (y - m) * (y - m) / float64(test.N)
	}
	got := two.PerSplit[0]
	assert.InDelta(t, ll, got.LogLik, tol)
	assert.InDelta(t, math.Sqrt(se), got.RMSE, tol)
	assert.Equal(t, 2, got.Ensemble)
	assert.InDelta(t, nets[0].TrainTime().Seconds()+nets[1].TrainTime().Seconds(), got.TrainSeconds, 2, "the members' training times add (timing noise)")

	_, err = RunSplits(context.Background(), sp, Protocol{Config: cfg, Settings: s, Ensemble: -1})
	assert.ErrorContains(t, err, "Ensemble must not be negative")
}
