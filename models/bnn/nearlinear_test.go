package bnn

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNearLinearDefaultIssue19 is the second must-hold of issue #19: on
// data from a linear model with Gaussian noise (4 correlated inputs,
// y = x·w + 0.5 + N(0, 1), 300 training and 2,000 test rows) the default
// fit of train bnn (the model selection on a 10% validation cut of the
// training rows, SelectModel: one hidden layer of 50 ReLU units or none,
// Gamma(6, 6) or Gamma(1, 0.01) noise prior, N(0, 1) weight priors, the
// mean-field guide, S = 2, B = 32, lr 3e-3 with the last 25% annealed, the
// protocol's 20,000 steps; then the chosen candidate refitted on all 300
// rows, 1,000 test draws) must reach the test log-likelihood of Bayesian
// linear regression with evidence-optimized α and β (LinearBaseline)
// within one standard error of the mean per-row difference on the same
// test rows. UCI_RESULTS.md has the same comparison over 20 splits. The
// selection chooses the linear model with Gamma(6, 6) here (validation LL
// −1.403 against −1.419 for the network); the test's difference is then
// +0.003 ± 0.001. About 17 s of CPU (16.1 s user measured, GOMAXPROCS=1).
//
// The network alone (Select none, the default before 2026-12-05) is
// 0.050 ± 0.007 nats per row below BLR here.
func TestNearLinearDefaultIssue19(t *testing.T) {
	if testing.Short() {
		t.Skip("a default fit: four selection fits and the final one, 20,000 steps each")
	}
	t.Parallel()
	all := linearData(t, 2300, 4, []float64{0.8, -0.6, 0.3, 0.2}, 0.5, 1, 19)
	train, err := all.Rows(seq(0, 300))
	require.NoError(t, err)
	test, err := all.Rows(seq(300, 2300))
	require.NoError(t, err)
	base, llBase, err := LinearBaseline(train, test)
	require.NoError(t, err)
	p := Protocol{Config: Config{Hidden: []int{50}}, Select: SelectModel, Settings: Settings{Anneal: 0.25, Seed: 1}}
	res, err := RunSplits(context.Background(), []Split{{Train: train, Test: test}}, p)
	require.NoError(t, err)
	net := res.Nets[0]
	pred, err := net.Predict(test.X, DefaultDraws, 1+1000) // Evaluate's draws (seed + k + 1000)
	require.NoError(t, err)
	llNet, err := pred.LogLik(test.Y)
	require.NoError(t, err)
	mean, se, err := PairedDiff(llNet, llBase)
	require.NoError(t, err)
	t.Logf("test LL: default bnn %.4f, BLR (evidence) %.4f; paired difference %.4f ± %.4f; RMSE %.4f against %.4f; %d steps; validation scores %+v",
		res.PerSplit[0].LogLik, base.LogLik, mean, se, res.PerSplit[0].RMSE, base.RMSE, net.Steps(), res.PerSplit[0].Validation)
	assert.InDelta(t, res.PerSplit[0].LogLik-base.LogLik, mean, 1e-9, "the per-row difference averages to the metrics' difference")
	assert.GreaterOrEqual(t, mean, -se, "the default BNN's test LL is within one standard error of BLR's")
}

// seq returns lo, lo+1, …, hi−1.
func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// TestLinearBaseline: on 2,000 rows from y = x·w + 0.5 + N(0, 1) (scaled
// by 10 and shifted by 100, to catch a unit slip in undoing the
// standardization) the evidence-optimized linear model trained on 300
// rows predicts with the truth's accuracy: noise sd within 10% of 10, test
// LL within 0.05 of the true model's −log(10·√(2πe)) (its standard error
// over 2,000 rows is 0.016, and the parameter error adds ≈ 5/300), and 95%
// coverage within 0.02 of 0.95 (binomial sd 0.005).
func TestLinearBaseline(t *testing.T) {
	t.Parallel()
	all := linearData(t, 2300, 4, []float64{0.8, -0.6, 0.3, 0.2}, 0.5, 1, 23)
	for i := range all.Y {
		all.Y[i] = 10*all.Y[i] + 100
	}
	train, err := all.Rows(seq(0, 300))
	require.NoError(t, err)
	test, err := all.Rows(seq(300, 2300))
	require.NoError(t, err)
	m, ll, err := LinearBaseline(train, test)
	require.NoError(t, err)
	assert.InDelta(t, 1, m.NoiseStd/10, 0.1, "noise sd %v", m.NoiseStd)
	assert.InDelta(t, -math.Log(10*math.Sqrt(2*math.Pi*math.E)), m.LogLik, 0.05)
	assert.InDelta(t, 0.95, m.Coverage95, 0.02)
	assert.Len(t, ll, test.N)
	_, _, err = LinearBaseline(train, &Data{N: 1, D: 2, X: []float64{1, 2}, Y: []float64{0}})
	assert.ErrorContains(t, err, "same width")
}
