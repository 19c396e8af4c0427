package bnn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

var _ svi.Model = (*Model)(nil)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero units", Config{Hidden: []int{50, 0}}, "hidden layer 1 has 0 units"},
		{"negative units", Config{Hidden: []int{-3}}, "hidden layer 0 has -3 units"},
		{"unknown activation", Config{Hidden: []int{5}, Activation: Activation(7)}, "unknown hidden activation"},
		{"identity activation", Config{Hidden: []int{5}, Activation: Identity}, "unknown hidden activation identity"},
		{"unknown task", Config{Hidden: []int{5}, Task: Task(3)}, "unknown task"},
		{"one class", Config{Hidden: []int{5}, Task: Classification, Classes: 1}, "at least 2 classes"},
		{"classes for regression", Config{Hidden: []int{5}, Classes: 3}, "Classes must be 0 for regression"},
		{"NaN prior scale", Config{Hidden: []int{5}, PriorScale: math.NaN()}, "PriorScale must be positive"},
		{"negative prior scale", Config{Hidden: []int{5}, PriorScale: -1}, "PriorScale must be positive"},
		{"infinite noise rate", Config{Hidden: []int{5}, NoiseRate: math.Inf(1)}, "NoiseRate must be positive"},
		{"negative noise shape", Config{Hidden: []int{5}, NoiseShape: -6}, "NoiseShape must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			_, err = NewModel(tc.cfg, 3, 4, 10)
			assert.Error(t, err, "NewModel must validate too")
			_, err = Fit(context.Background(), tc.cfg, Toy(10, 1), Settings{Steps: 1})
			assert.Error(t, err, "Fit must validate too")
		})
	}
	require.NoError(t, Config{}.Validate(), "the zero Config (no hidden layer: a linear model) is valid")
	require.NoError(t, Config{Hidden: []int{50}}.Validate(), "the zero value of every other field is valid")
	_, err := ParseTask("ranking")
	assert.ErrorContains(t, err, `unknown task "ranking"`)
}

func TestModelSites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    Config
		inputs int
		want   map[string][]int
	}{
		{"UCI regression 13-50-1", Config{Hidden: []int{50}}, 13, map[string][]int{
			"layer0/w": {13, 50}, "layer0/b": {50}, "layer1/w": {50, 1}, "layer1/b": {1}, "tau": {}}},
		{"two hidden tanh layers", Config{Hidden: []int{8, 4}, Activation: Tanh}, 3, map[string][]int{
			"layer0/w": {3, 8}, "layer0/b": {8}, "layer1/w": {8, 4}, "layer1/b": {4}, "layer2/w": {4, 1}, "layer2/b": {1}, "tau": {}}},
		{"10 classes", Config{Hidden: []int{20}, Task: Classification, Classes: 10}, 64, map[string][]int{
			"layer0/w": {64, 20}, "layer0/b": {20}, "layer1/w": {20, 10}, "layer1/b": {10}}},
		{"2 classes: one logit", Config{Hidden: []int{20}, Task: Classification, Classes: 2}, 5, map[string][]int{
			"layer0/w": {5, 20}, "layer0/b": {20}, "layer1/w": {20, 1}, "layer1/b": {1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(tc.cfg, tc.inputs, 8, 100)
			require.NoError(t, err)
			sites, err := svi.Trace(m)
			require.NoError(t, err)
			got := map[string][]int{}
			for _, s := range sites {
				got[s.Name] = s.Shape
				if s.Name == NoiseSite {
					assert.Equal(t, "positive", s.Support.String())
				}
			}
			assert.Len(t, got, len(tc.want))
			for name, shape := range tc.want {
				assert.True(t, slices.Equal(shape, got[name]), "site %s: shape %v, want %v", name, got[name], shape)
			}
		})
	}
	for _, tc := range []struct {
		name                string
		inputs, batch, rows int
	}{{"no inputs", 0, 8, 100}, {"batch above N", 3, 101, 100}, {"zero batch", 3, 0, 100}} {
		_, err := NewModel(Config{Hidden: []int{5}}, tc.inputs, tc.batch, tc.rows)
		assert.Error(t, err, tc.name)
	}
}

func TestDataErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x, y []float64
		d    int
		want string
	}{
		{"empty", nil, nil, 2, "no examples"},
		{"no columns", []float64{1}, []float64{1}, 0, "at least one input column"},
		{"wrong column count", []float64{1, 2, 3, 4, 5}, []float64{1, 2}, 2, "5 input values do not make 2 rows of 2 columns"},
		{"NaN input", []float64{1, math.NaN(), 3, 4}, []float64{1, 2}, 2, "input row 0, column 1 is NaN"},
		{"infinite target", []float64{1, 2, 3, 4}, []float64{1, math.Inf(-1)}, 2, "target of row 1 is -Inf"},
	} {
		_, err := NewData(tc.x, tc.y, tc.d)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	d, err := NewData([]float64{1, 2, 3, 4}, []float64{5, 6}, 2)
	require.NoError(t, err)
	_, err = d.Rows([]int{0, 2})
	assert.ErrorContains(t, err, "row 2 outside [0, 2)")
	_, err = NewScaler(d, true)
	require.NoError(t, err)
	_, err = NewScaler(&Data{X: []float64{1, 2}, Y: []float64{3, 3}, N: 2, D: 1}, true)
	assert.ErrorContains(t, err, "target is constant")
}

func TestFitAndPredictErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	toy := Toy(30, 1)
	cfg := Config{Hidden: []int{4}}
	for _, tc := range []struct {
		name string
		s    Settings
		want string
	}{
		{"negative epochs", Settings{Epochs: -1}, "must not be negative"},
		{"negative batch", Settings{Batch: -2}, "batch size"},
		{"NaN learning rate", Settings{LearnRate: math.NaN()}, "learning rate"},
		{"negative particles", Settings{Particles: -1}, "particles"},
		{"anneal everything", Settings{Anneal: 1}, "Anneal"},
	} {
		_, err := Fit(ctx, cfg, toy, tc.s)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	bad := *toy
	bad.Y = slices.Clone(toy.Y)
	bad.Y[3] = math.NaN()
	_, err := Fit(ctx, cfg, &bad, Settings{Steps: 1})
	assert.ErrorContains(t, err, "target of row 3 is NaN")
	_, err = Fit(ctx, Config{Hidden: []int{4}, Task: Classification, Classes: 3}, toy, Settings{Steps: 1})
	assert.ErrorContains(t, err, "not a class in 0…2")
	_, err = Fit(ctx, cfg, toy, Settings{Steps: 1, Estimator: "kl"})
	assert.NoError(t, err, "the KL estimator falls back to Monte Carlo for the positive noise site")
	_, err = Fit(ctx, cfg, toy, Settings{Steps: 1, Guide: LowRank, Estimator: "kl"})
	assert.ErrorContains(t, err, "factorizes over sites", "a joint guide has no per-site KL")

	net, err := Fit(ctx, cfg, toy, Settings{Steps: 3})
	require.NoError(t, err)
	assert.Equal(t, 3, net.Steps())
	_, err = net.Predict([]float64{1, 2, 3}, 10, 1)
	require.NoError(t, err, "three rows of one column")
	_, err = net.Predict(nil, 10, 1)
	assert.ErrorContains(t, err, "not rows of 1 columns")
	_, err = net.Predict([]float64{math.Inf(1)}, 10, 1)
	assert.ErrorContains(t, err, "is +Inf")
	_, err = net.Predict([]float64{1}, -1, 1)
	assert.ErrorContains(t, err, "at least one posterior draw")
	_, err = net.PredictClass([]float64{1}, 10, 1)
	assert.ErrorIs(t, err, ErrTask)
	p, err := net.Predict([]float64{0, 1}, 10, 1)
	require.NoError(t, err)
	_, err = p.LogLik([]float64{1})
	assert.ErrorContains(t, err, "1 targets for 2 predictions")
	_, err = p.Quantiles([]float64{1.5})
	assert.ErrorContains(t, err, "outside (0, 1)")
}

// TestPredictiveLogLik checks the log-mean-exp predictive density against a
// direct computation on a tiny case, and that it is not the plug-in
// density at the mean prediction.
func TestPredictiveLogLik(t *testing.T) {
	t.Parallel()
	p := &Predictive{N: 2, T: 3,
		F:        []float64{1, -2, 1.5, -1, 0.5, -3}, // draw-major: fₜ(x₀), fₜ(x₁)
		NoiseStd: []float64{0.5, 1, 2}}
	y := []float64{1.2, -1.5}
	got, err := p.LogLik(y)
	require.NoError(t, err)
	for i := range y {
		var mix float64
		for k := 0; k < p.T; k++ {
			s := p.NoiseStd[k]
			z := (y[i] - p.F[k*p.N+i]) / s
			mix += math.Exp(-z*z/2) / (s * math.Sqrt(2*math.Pi)) / float64(p.T)
		}
		// Tolerance: the max-shift sums the same three terms; a few ulps.
		assert.InDelta(t, math.Log(mix), got[i], 1e-14, "point %d", i)
	}
	// Far in the tail the direct sum underflows to log 0; log-mean-exp stays finite
	// and equals the dominant term's log-density minus log T.
	far, err := p.LogLik([]float64{200, 0})
	require.NoError(t, err)
	z := (200 - 0.5) / 2.0 // the draw with f = 0.5 and the widest noise, sd 2
	assert.InDelta(t, -z*z/2-math.Log(2)-special.LogSqrt2Pi-math.Log(3), far[0], 1e-9)
	mean, err := p.MeanLogLik(y)
	require.NoError(t, err)
	assert.InDelta(t, (got[0]+got[1])/2, mean, 1e-15)

	// A three-point mixture's quantiles invert its CDF (bisection to 1e-9
	// of a bracket ≈ 170 wide: ≈ 2e-7 in y, below 1e-7 in probability).
	qs, err := p.Quantiles([]float64{0.1, 0.5, 0.9})
	require.NoError(t, err)
	for q, pr := range []float64{0.1, 0.5, 0.9} {
		for i := 0; i < p.N; i++ {
			assert.InDelta(t, pr, p.CDF(i, qs[q][i]), 1e-6)
		}
	}
}

// TestToyBand fits the 1-D toy problem and checks the predictive band:
// it covers the true function inside the data's range and widens outside.
func TestToyBand(t *testing.T) {
	t.Parallel()
	d := Toy(100, 1)
	// Gamma(1, 0.01): a weak noise prior; Gamma(6, 6) holds the noise sd
	// of standardized targets near 1, while the toy's is ≈ 0.12.
	net, err := Fit(context.Background(), Config{Hidden: []int{50}, NoiseShape: 1, NoiseRate: 0.01}, d,
		Settings{Steps: 4000, LearnRate: 0.01, Seed: 1})
	require.NoError(t, err)
	var xs []float64
	for x := -6.0; x <= 6.0; x += 0.1 {
		xs = append(xs, x)
	}
	p, err := net.Predict(xs, 500, 2)
	require.NoError(t, err)
	var in, cover int
	var sdIn, sdOut float64
	var nOut int
	for i, x := range xs {
		switch {
		case math.Abs(x) <= 4:
			in++
			sdIn += p.Std[i]
			if math.Abs(ToyTruth(x)-p.Mean[i]) <= 2*p.Std[i] {
				cover++
			}
		case math.Abs(x) >= 5:
			nOut++
			sdOut += p.Std[i]
		}
	}
	sdIn /= float64(in)
	sdOut /= float64(nOut)
	t.Logf("truth inside ±2 sd at %d/%d grid points; mean sd %.2f inside, %.2f outside", cover, in, sdIn, sdOut)
	// Thresholds: a ±2 sd band of a well-fitted posterior predictive covers
	// the truth almost everywhere; allow 10% of the grid (the ends of the
	// data's range, where points are sparse) to miss.
	assert.GreaterOrEqual(t, float64(cover)/float64(in), 0.9)
	// The noise sd (≈ 3) sets a floor inside; outside, the epistemic part
	// must at least double the band (it grows like |x|·sd(weights)).
	assert.Greater(t, sdOut, 2*sdIn)
	assert.Less(t, sdIn, 3*ToyNoise, "inside the data the band must be of the order of the noise")
}

// bostonShipped reads the shipped Boston housing table.
func bostonShipped(t *testing.T) *Data {
	t.Helper()
	path, ok := datadir.Shipped("boston_mass/boston.csv")
	if !ok {
		t.Skip("data/boston_mass/boston.csv not found")
	}
	d, err := ReadData(path)
	require.NoError(t, err)
	return d
}

// TestBostonFit fits the UCI architecture (13-50-1, ReLU, Gamma(6, 6) noise
// prior, B = 32, S = 2, lr 3e-3 with the last quarter annealed) to a seeded
// 90/10 split of the shipped Boston data with a short budget (4,000 steps,
// a fifth of the benchmark's), and checks test RMSE and log-likelihood
// against the published VI numbers (Hernández-Lobato & Adams 2015: RMSE
// 4.32 ± 0.29, LL −2.90 ± 0.07 over 20 splits).
func TestBostonFit(t *testing.T) {
	t.Parallel()
	d := bostonShipped(t)
	train, test, err := HoldOut(d, 0.1, 7)
	require.NoError(t, err)
	net, err := Fit(context.Background(), Config{Hidden: []int{50}}, train, Settings{Steps: 4000, Anneal: 0.25, Seed: 3})
	require.NoError(t, err)
	p, err := net.Predict(test.X, 500, 4)
	require.NoError(t, err)
	rmse, err := p.RMSE(test.Y)
	require.NoError(t, err)
	ll, err := p.MeanLogLik(test.Y)
	require.NoError(t, err)
	t.Logf("Boston (shipped, seeded split): test RMSE %.3f, LL %.3f, %d steps in %v", rmse, ll, net.Steps(), net.TrainTime())
	// Threshold: the published VI mean RMSE, 4.32. A split's RMSE scatters
	// with sd ≈ 0.29·√20 ≈ 1.3 around its method's mean; this seeded split
	// and budget give 2.75 and LL −2.65 (run -v), so the bounds fail a
	// broken fit, not an unlucky one.
	assert.Less(t, rmse, 4.32)
	assert.Greater(t, ll, -2.90, "published VI mean test LL")
	// The plug-in density at the predictive mean is not what LogLik computes.
	plug := 0.0
	for i, y := range test.Y {
		z := (y - p.Mean[i]) / p.Std[i]
		plug += (-z*z/2 - math.Log(p.Std[i]) - special.LogSqrt2Pi) / float64(test.N)
	}
	assert.NotEqual(t, plug, ll)
}

// TestBostonUCISplit0 loads split 0 of the UCI Boston folder from GOVI_DATA.
func TestBostonUCISplit0(t *testing.T) {
	t.Parallel()
	dir := datadir.Require(t, "uci_bnn/bostonHousing")
	u, err := OpenUCI(dir)
	require.NoError(t, err)
	assert.Equal(t, 20, u.Splits)
	train, test, err := u.Split(0)
	require.NoError(t, err)
	assert.Equal(t, 455, train.N)
	assert.Equal(t, 51, test.N)
	assert.Equal(t, 13, train.D)
	_, _, err = u.Split(20)
	assert.ErrorContains(t, err, "split 20 outside [0, 20)")
}

// digitsHoldOut returns the shipped 8×8 digits split 80/20 (seed 1), or
// skips the test when the file is absent.
func digitsHoldOut(t *testing.T) (train, test *Data) {
	t.Helper()
	path, ok := datadir.Shipped("digits_8x8/digits.csv")
	if !ok {
		t.Skip("data/digits_8x8/digits.csv not found")
	}
	d, err := ReadData(path)
	require.NoError(t, err)
	require.Equal(t, 64, d.D)
	train, test, err = HoldOut(d, 0.2, 1)
	require.NoError(t, err)
	return train, test
}

// TestClassification fits the shipped 8×8 digits briefly and checks
// accuracy and calibration, and a two-class (Bernoulli) problem.
func TestClassification(t *testing.T) {
	t.Parallel()
	train, test := digitsHoldOut(t)
	cfg := Config{Hidden: []int{50}, Task: Classification, Classes: 10}
	net, err := Fit(context.Background(), cfg, train, Settings{Steps: 1500, LearnRate: 0.01, Particles: 2, Seed: 1})
	require.NoError(t, err)
	p, err := net.PredictClass(test.X, 200, 2)
	require.NoError(t, err)
	acc, err := p.Accuracy(test.Y)
	require.NoError(t, err)
	nll, err := p.NLL(test.Y)
	require.NoError(t, err)
	ece, err := p.ECE(test.Y, 10)
	require.NoError(t, err)
	t.Logf("digits: accuracy %.4f, NLL %.4f, ECE %.4f", acc, nll, ece)
	// Thresholds: a linear softmax model reaches ≈ 0.95 on this test cut;
	// 0.9 and ECE < 0.1 fail a broken likelihood or gradient, not a short run.
	assert.Greater(t, acc, 0.9)
	assert.Less(t, ece, 0.1)
	for i := 0; i < p.N; i++ {
		var s float64
		for _, v := range p.Probs[i*p.K : (i+1)*p.K] {
			s += v
		}
		require.InDelta(t, 1, s, 1e-12, "probabilities of point %d", i)
	}
	_, err = net.Predict(test.X, 10, 1)
	assert.ErrorIs(t, err, ErrTask)

	// Two classes: y = 1 when x₀ + x₁ > 0, one logit, Bernoulli likelihood,
	// fitted with the closed-form KL estimator (all sites are real-valued).
	r := rand.New(rand.NewPCG(5, 5))
	x := make([]float64, 400)
	y := make([]float64, 200)
	for i := range y {
		x[2*i], x[2*i+1] = r.NormFloat64(), r.NormFloat64()
		if x[2*i]+x[2*i+1] > 0 {
			y[i] = 1
		}
	}
	bin, err := NewData(x, y, 2)
	require.NoError(t, err)
	net2, err := Fit(context.Background(), Config{Hidden: []int{8}, Task: Classification, Classes: 2}, bin,
		Settings{Steps: 1500, LearnRate: 0.01, Estimator: "kl", Seed: 2})
	require.NoError(t, err)
	p2, err := net2.PredictClass(x, 200, 3)
	require.NoError(t, err)
	acc2, err := p2.Accuracy(y)
	require.NoError(t, err)
	assert.Greater(t, acc2, 0.9, "a linearly separable problem")
}

// TestSeedReproducible checks that a seed fixes the whole fit.
func TestSeedReproducible(t *testing.T) {
	t.Parallel()
	d := Toy(40, 2)
	fit := func(seed uint64) []float64 {
		net, err := Fit(context.Background(), Config{Hidden: []int{6}}, d, Settings{Steps: 50, Batch: 16, Seed: seed})
		require.NoError(t, err)
		return net.Losses()
	}
	a, b, c := fit(1), fit(1), fit(2)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
}

func TestSelect(t *testing.T) {
	t.Parallel()
	d := Toy(60, 3)
	cands := []Candidate{
		{Name: "tiny lr", Config: Config{Hidden: []int{10}}, Settings: Settings{Epochs: 20, LearnRate: 1e-6, Batch: 16}},
		{Name: "good", Config: Config{Hidden: []int{10}, NoiseShape: 1, NoiseRate: 0.01}, Settings: Settings{Epochs: 200, LearnRate: 0.01, Batch: 16}},
	}
	sel, err := Select(context.Background(), d, cands, 0.2, 4, 100, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, sel.Best, "a learning rate of 1e-6 barely moves the prior")
	assert.Equal(t, 12, sel.Validation)
	assert.Len(t, sel.Checkpoints, 8)
	assert.Contains(t, []int{50, 100, 150, 200}, sel.Epochs)
	_, err = Select(context.Background(), d, nil, 0.2, 4, 100, 1)
	assert.Error(t, err)
	_, err = Select(context.Background(), d, cands, 1, 4, 100, 1)
	assert.ErrorContains(t, err, "validation fraction")
	stopErr := errors.New("stop")
	_, err = Fit(context.Background(), Config{Hidden: []int{3}}, d,
		Settings{Epochs: 4, Every: 1, Check: func(int, *Net) error { return stopErr }})
	assert.ErrorIs(t, err, stopErr)
}
