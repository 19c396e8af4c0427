package bnn

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// summaryTol is the tolerance of the aggregation against hand-computed
// values: a few roundings of sums of three or four terms.
const summaryTol = 1e-12

func TestMeanSE(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		v        []float64
		mean, se float64 // se NaN: none
	}{
		// mean 2; s² = ((−1)² + 0² + 1²)/2 = 1; se = √(1/3).
		{"1 2 3", []float64{1, 2, 3}, 2, math.Sqrt(1.0 / 3)},
		// mean 5; s² = (9 + 1 + 1 + 9)/3 = 20/3; se = √(20/3/4) = √(5/3).
		{"2 4 6 8", []float64{2, 4, 6, 8}, 5, math.Sqrt(5.0 / 3)},
		{"constant", []float64{7, 7}, 7, 0},
		{"one split: no standard error", []float64{4.5}, 4.5, math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, se := meanSE(tc.v)
			require.NotNil(t, m)
			assert.InDelta(t, tc.mean, *m, summaryTol)
			if math.IsNaN(tc.se) {
				assert.Nil(t, se)
				return
			}
			require.NotNil(t, se)
			assert.InDelta(t, tc.se, *se, summaryTol)
		})
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{2, 2, 9, 9}, 5.5}} {
		v := append([]float64(nil), tc.v...)
		assert.Equal(t, tc.want, median(v), "%v", tc.v)
		assert.Equal(t, tc.v, v, "median leaves its input alone")
	}
}

// TestSummarize aggregates three hand-made regression splits and two
// classification splits.
func TestSummarize(t *testing.T) {
	t.Parallel()
	reg := &SplitsResult{PerSplit: []SplitResult{
		{Test: 10, Metrics: Metrics{RMSE: 3, LogLik: -2, Coverage95: 0.9}, StepsPerSecond: 100},
		{Test: 10, Metrics: Metrics{RMSE: 4, LogLik: -2.5, Coverage95: 0.95}, StepsPerSecond: 300},
		{Test: 10, Metrics: Metrics{RMSE: 5, LogLik: -3, Coverage95: 1}, StepsPerSecond: 200},
	}}
	reg.summarize(Regression)
	assert.InDelta(t, 4, *reg.TestRMSE, summaryTol)
	assert.InDelta(t, math.Sqrt(1.0/3), *reg.TestRMSESE, summaryTol, "s² = 1 over 3 splits")
	assert.InDelta(t, -2.5, *reg.TestLL, summaryTol)
	assert.InDelta(t, math.Sqrt(0.25/3), *reg.TestLLSE, summaryTol, "s² = 0.25")
	assert.InDelta(t, 0.95, *reg.Coverage95, summaryTol)
	assert.Equal(t, 200.0, reg.StepsPerSecond, "median speed")
	assert.Nil(t, reg.TestAccuracy)
	assert.Nil(t, reg.Diagnostics, "several splits: no single fit report")

	cls := &SplitsResult{PerSplit: []SplitResult{
		{Test: 5, Metrics: Metrics{Accuracy: 0.8, NLL: 0.5, ECE: 0.02}, StepsPerSecond: 10},
		{Test: 5, Metrics: Metrics{Accuracy: 0.9, NLL: 0.3, ECE: 0.04}, StepsPerSecond: 30},
	}}
	cls.summarize(Classification)
	assert.InDelta(t, 0.85, *cls.TestAccuracy, summaryTol)
	assert.InDelta(t, 0.05, *cls.TestAccSE, summaryTol, "s² = 0.005, se = √(0.005/2)")
	assert.InDelta(t, 0.4, *cls.TestNLL, summaryTol)
	assert.InDelta(t, 0.03, *cls.ECE, summaryTol)
	assert.Equal(t, 20.0, cls.StepsPerSecond)
	assert.Nil(t, cls.TestRMSE)

	// Without test rows (the toy problem) there is nothing to average.
	toy := &SplitsResult{PerSplit: []SplitResult{{StepsPerSecond: 50}}}
	toy.summarize(Regression)
	assert.Nil(t, toy.TestRMSE)
	assert.Zero(t, toy.StepsPerSecond)
}

func TestParseSelectMode(t *testing.T) {
	t.Parallel()
	for _, m := range []SelectMode{SelectNone, SelectEpochs, SelectNoise} {
		got, err := ParseSelectMode(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := ParseSelectMode("grid")
	assert.ErrorContains(t, err, `unknown selection "grid"`)
}

// toySplits cuts the toy problem into two train/test splits.
func toySplits(t *testing.T) []Split {
	t.Helper()
	var splits []Split
	for k := range 2 {
		tr, te, err := HoldOut(Toy(60, uint64(k)), 0.25, uint64(k))
		require.NoError(t, err)
		splits = append(splits, Split{Index: k + 3, Train: tr, Test: te})
	}
	return splits
}

// TestRunSplits runs the protocol with selection on two small splits and
// checks the per-split results against the library's pieces: the test
// metrics are those of Evaluate with the split's seed, and the summary
// is the mean over splits.
func TestRunSplits(t *testing.T) {
	t.Parallel()
	splits := toySplits(t)
	var log bytes.Buffer
	var planned []int
	p := Protocol{Config: Config{Hidden: []int{4}}, Settings: Settings{Epochs: 4, Batch: 16, Seed: 10},
		Select: SelectNoise, Checks: 2, Draws: 50, DiagnosticDraws: 30, Log: &log,
		NewRecorder: func(steps int) svi.Recorder { planned = append(planned, steps); return nil }}
	res, err := RunSplits(context.Background(), splits, p)
	require.NoError(t, err)
	require.Len(t, res.PerSplit, 2)
	require.Len(t, res.Nets, 2)
	for i, r := range res.PerSplit {
		sp := splits[i]
		assert.Equal(t, sp.Index, r.Split)
		assert.Equal(t, sp.Train.N, r.Train)
		assert.Equal(t, sp.Test.N, r.Test)
		assert.Len(t, r.Validation, 4, "two candidates × two checks")
		assert.Contains(t, []string{"Gamma(6, 6)", "Gamma(1, 0.01)"}, r.Validation[0].Candidate)
		assert.NotNil(t, r.Diagnostics)
		assert.Equal(t, res.Nets[i].Steps(), r.Steps)
		assert.Equal(t, planned[i], r.Steps, "the recorder was told the planned steps")
		m, err := res.Nets[i].Evaluate(sp.Test, 50, 10+uint64(sp.Index)+1000)
		require.NoError(t, err)
		assert.Equal(t, *m, r.Metrics, "split %d: test metrics from the split's seed", sp.Index)
	}
	assert.InDelta(t, (res.PerSplit[0].RMSE+res.PerSplit[1].RMSE)/2, *res.TestRMSE, summaryTol)
	assert.NotNil(t, res.TestRMSESE)
	assert.Contains(t, log.String(), "split 3: choosing noise on a 10% validation cut of the training split")
	assert.Contains(t, log.String(), "split 4 (2/2): test RMSE")
}

func TestRunSplitsErrors(t *testing.T) {
	t.Parallel()
	splits := toySplits(t)
	labels := []Split{{Train: &Data{X: []float64{1, 2}, Y: []float64{0, 0.5}, N: 2, D: 1}}}
	for _, tc := range []struct {
		name   string
		splits []Split
		p      Protocol
		want   string
	}{
		{"no splits", nil, Protocol{Config: Config{Hidden: []int{2}}}, "at least one split"},
		{"empty layer", splits, Protocol{Config: Config{Hidden: []int{0}}}, "hidden layer 0 has 0 units"},
		{"labels", labels, Protocol{Config: Config{Hidden: []int{2}, Task: Classification}}, "class labels must be integers 0…K−1, found 0.5"},
		{"steps with selection", splits, Protocol{Config: Config{Hidden: []int{2}}, Select: SelectEpochs, Settings: Settings{Steps: 5}}, "Settings.Steps must be 0"},
		{"checkpoint of two splits", splits, Protocol{Config: Config{Hidden: []int{2}}, Settings: Settings{Checkpoint: "x"}}, "a checkpoint holds one fit"},
		{"negative draws", splits, Protocol{Config: Config{Hidden: []int{2}}, Draws: -1}, "must not be negative"},
		{"fit error names the split", splits, Protocol{Config: Config{Hidden: []int{2}}, Settings: Settings{Steps: 1, Estimator: "elbo"}}, "bnn: split 3: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := RunSplits(context.Background(), tc.splits, tc.p)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestNetToyBand: the grid spans [−6, 6] and the summary is that of the
// predictive on it.
func TestNetToyBand(t *testing.T) {
	t.Parallel()
	net, err := Fit(context.Background(), Config{Hidden: []int{8}, NoiseShape: 1, NoiseRate: 0.01}, Toy(40, 1), Settings{Steps: 200, Seed: 2})
	require.NoError(t, err)
	b, err := net.ToyBand(100, 3)
	require.NoError(t, err)
	require.Len(t, b.X, toyGrid)
	assert.Equal(t, -6.0, b.X[0])
	assert.Equal(t, 6.0, b.X[toyGrid-1])
	p, err := net.Predict(b.X, 100, 3)
	require.NoError(t, err)
	assert.Equal(t, p.Std, b.Std)
	var in, sd float64
	for i, x := range b.X {
		if math.Abs(x) <= 4 {
			in++
			sd += p.Std[i]
		}
	}
	assert.Equal(t, 161.0, in, "grid points in [−4, 4]: 12/240 apart")
	assert.InDelta(t, sd/in, b.SDInside, summaryTol)
	assert.GreaterOrEqual(t, b.CoverInside, 0.0)
	assert.LessOrEqual(t, b.CoverInside, 1.0)
}

// TestSelectModelCandidates: SelectModel tries the network and the
// Bayesian linear model (no hidden layers), each under the Config's noise
// prior and Gamma(1, 0.01); a heteroscedastic network has no noise prior
// to vary, classification only its own configuration (the epochs), and
// SelectNoise the two noise priors.
func TestSelectModelCandidates(t *testing.T) {
	t.Parallel()
	reg := Config{Hidden: []int{50}, NoiseShape: 6, NoiseRate: 6}
	for _, tc := range []struct {
		name   string
		sel    SelectMode
		cfg    Config
		want   []string
		linear []bool
	}{
		{"model", SelectModel, reg, []string{"Gamma(6, 6)", "Gamma(1, 0.01)", "linear, Gamma(6, 6)", "linear, Gamma(1, 0.01)"}, []bool{false, false, true, true}},
		{"noise", SelectNoise, reg, []string{"Gamma(6, 6)", "Gamma(1, 0.01)"}, []bool{false, false}},
		{"model, heteroscedastic", SelectModel, Config{Hidden: []int{50}, Heteroscedastic: true}, []string{"heteroscedastic", "linear, heteroscedastic"}, []bool{false, true}},
		{"model, classification", SelectModel, Config{Hidden: []int{50}, Task: Classification, Classes: 3}, []string{"Gamma(0, 0)"}, []bool{false}},
		{"model, no hidden layer", SelectModel, Config{NoiseShape: 6, NoiseRate: 6}, []string{"Gamma(6, 6)", "Gamma(1, 0.01)"}, []bool{true, true}},
	} {
		p := Protocol{Select: tc.sel}
		cands := p.candidates(tc.cfg, Settings{})
		var names []string
		for i, c := range cands {
			names = append(names, c.Name)
			assert.Equal(t, tc.linear[i], len(c.Config.Hidden) == 0, "%s: %s", tc.name, c.Name)
		}
		assert.Equal(t, tc.want, names, tc.name)
	}
}

// TestPairedDiff against hand-computed values: differences 1, 2, 3 have
// mean 2 and sample sd 1, so standard error 1/√3.
func TestPairedDiff(t *testing.T) {
	t.Parallel()
	m, se, err := PairedDiff([]float64{1, 3, 5}, []float64{0, 1, 2})
	require.NoError(t, err)
	assert.InDelta(t, 2, m, summaryTol)
	assert.InDelta(t, 1/math.Sqrt(3), se, summaryTol)
	_, _, err = PairedDiff([]float64{1}, []float64{1})
	assert.Error(t, err)
	_, _, err = PairedDiff([]float64{1, 2}, []float64{1})
	assert.Error(t, err)
}

// TestSimplestRule: SelectModel's one-standard-error rule keeps a network
// whose validation rows beat the best linear candidate's by more than one
// standard error of the paired difference, and otherwise takes the best
// linear candidate (and its epochs); a linear best stays.
func TestSimplestRule(t *testing.T) {
	t.Parallel()
	net, lin := Config{Hidden: []int{50}}, Config{}
	cands := []Candidate{{Name: "net", Config: net}, {Name: "net weak", Config: net}, {Name: "lin", Config: lin}, {Name: "lin weak", Config: lin}}
	linRows := []float64{-1, -1.2, -0.8, -1.1, -0.9}
	shift := func(d float64, noise ...float64) []float64 {
		out := make([]float64, len(linRows))
		for i, v := range linRows {
			out[i] = v + d + noise[i%len(noise)]
		}
		return out
	}
	mean := func(v []float64) float64 {
		var m float64
		for _, x := range v {
			m += x / float64(len(v))
		}
		return m
	}
	sel := func(netRows []float64) *Selection {
		cps := []Checkpoint{
			{Candidate: 0, Epochs: 40, RowLogLik: netRows},
			{Candidate: 1, Epochs: 40, RowLogLik: shift(-0.5, 0)},
			{Candidate: 2, Epochs: 40, RowLogLik: linRows},
			{Candidate: 3, Epochs: 40, RowLogLik: shift(-0.01, 0)},
		}
		for i := range cps {
			cps[i].LogLik = mean(cps[i].RowLogLik)
		}
		return &Selection{Best: 0, Epochs: 40, Checkpoints: cps}
	}
	// Better by 0.1 with row noise ±0.3 (differences 0.4, −0.2, 0.4, −0.2,
	// 0.1: sd 0.3, se 0.134): the linear model.
	s := sel(shift(0.1, 0.3, -0.3, 0.3, -0.3, 0))
	require.NoError(t, simplest(s, cands))
	assert.Equal(t, 2, s.Best, "within one standard error: the best linear candidate")
	// Better by 0.1 on every row (se ≈ 0): the network.
	s = sel(shift(0.1, 0.01, -0.01))
	require.NoError(t, simplest(s, cands))
	assert.Equal(t, 0, s.Best, "beyond one standard error: the network")
	s = sel(shift(-0.3, 0))
	s.Best = 2
	require.NoError(t, simplest(s, cands))
	assert.Equal(t, 2, s.Best, "a linear best stays")
}
