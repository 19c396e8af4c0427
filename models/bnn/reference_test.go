package bnn

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/mcmc"
	"github.com/govi/govi/internal/softmaxreg"
)

const digitsPath = "../../data/digits_8x8/digits.csv"

// TestLogLinearAgainstHMC fits the log-linear classifier (no hidden
// layer) to a subset of the 8×8 digits — classes 3, 5 and 8, pixels summed
// in 2×2 blocks (16 inputs, 51 weights), the seeded 80/20 split of train
// bnn (431 training rows) — with the full-rank and the mean-field guides,
// and compares them with the exact posterior by HMC (internal/softmaxreg:
// Laplace-preconditioned, 4 chains, checked by R̂ and ESS) under the same
// N(0, 1) prior (the BNN's default fixed prior; no hyperprior).
//
// Measured (seed 1; `go run ./benchmarks/loglinear -classes 3,5,8 -pool 2
// -steps 3000 -lr 0.02`): full-rank predictive probabilities within 0.003
// on average (0.03 at most) of HMC's, weight means within 0.21 posterior
// sds, median sd ratio 1.00; mean-field probabilities within 0.004 (0.04),
// means within 0.21 sds, sds halved (median ratio 0.51). The tolerances
// below are 2–3 times those figures, far below what a wrong likelihood,
// prior or parameter layout gives (mean errors of whole sds), and the
// mean-field sd check asserts the known under-estimation.
func TestLogLinearAgainstHMC(t *testing.T) {
	if testing.Short() {
		t.Skip("fits two guides and runs HMC (≈ 15 s)")
	}
	t.Parallel()
	train, test, post := digitsSubset(t)
	la, err := post.NewLaplace()
	require.NoError(t, err)
	ref, err := post.Sample(la, mcmc.HMC{Seed: 1, Warmup: 300, Draws: 500, Leapfrog: 12}, 4, 0)
	require.NoError(t, err)
	s := ref.Summary
	require.Less(t, s.MaxRhat, 1.02, "the reference's chains have mixed")
	require.Greater(t, s.MinESS, 300.0, "enough effective draws that the reference's own error (≤ 0.06 sd) is small")
	sc, err := NewScaler(train, false)
	require.NoError(t, err)
	xt, err := sc.X(test.X)
	require.NoError(t, err)
	refProbs := post.PredictiveProbs(xt, ref)
	for _, tc := range []struct {
		guide Guide
		steps int
		// Tolerances: mean |Δp|, max |Δp|, max |Δmean|/sd_ref, and the
		// range of the median sd ratio.
		probMAD, probMax, meanZ, sdLo, sdHi float64
	}{
		{FullRank, 3000, 0.01, 0.08, 0.6, 0.85, 1.15},
		{MeanField, 2000, 0.015, 0.1, 0.6, 0.3, 0.75},
	} {
		t.Run(tc.guide.String(), func(t *testing.T) {
			t.Parallel()
			net, err := Fit(context.Background(), Config{Task: Classification, Classes: 3}, train,
				Settings{Steps: tc.steps, Batch: train.N, LearnRate: 0.02, Particles: 4, Anneal: 0.25, Guide: tc.guide, Seed: 1})
			require.NoError(t, err)
			cp, err := net.PredictClass(test.X, 4000, 2)
			require.NoError(t, err)
			ds, err := net.Sample(4000, 2)
			require.NoError(t, err)
			th := make([]float64, 0, 4000*post.Dim())
			w, b := ds[WeightSite(0)], ds[BiasSite(0)]
			nw, nb := len(w)/4000, len(b)/4000
			for k := range 4000 {
				th = append(th, w[k*nw:(k+1)*nw]...) // θ = (vec W, b), softmaxreg's layout
				th = append(th, b[k*nb:(k+1)*nb]...)
			}
			mean, sd := softmaxreg.Moments(th, post.Dim())
			c, err := softmaxreg.Compare(test.Y, 3, refProbs, cp.Probs, s.Mean, s.SD, mean, sd)
			require.NoError(t, err)
			t.Logf("%v: probs MAD %.4f max %.4f; means corr %.4f max z %.2f; median sd ratio %.3f; log-loss %.4f (HMC %.4f)",
				tc.guide, c.ProbMAD, c.ProbMax, c.MeanCorr, c.MeanMaxZ, c.SDRatio, c.LogLoss, c.LogLossRef)
			assert.Less(t, c.ProbMAD, tc.probMAD)
			assert.Less(t, c.ProbMax, tc.probMax)
			assert.Less(t, c.MeanMaxZ, tc.meanZ)
			assert.Greater(t, c.SDRatio, tc.sdLo)
			assert.Less(t, c.SDRatio, tc.sdHi)
		})
	}
}

// digitsSubset returns the training and test split of the digits 3, 5
// and 8 pooled to 4×4 (bnn.HoldOut(0.2, seed 1), as train bnn -data
// splits), and the exact posterior of the training split under the
// default N(0, 1) prior.
func digitsSubset(t *testing.T) (train, test *Data, post *softmaxreg.Posterior) {
	t.Helper()
	all, err := ReadData(digitsPath)
	require.NoError(t, err)
	x, y, err := softmaxreg.SelectClasses(all.X, all.Y, all.D, []int{3, 5, 8})
	require.NoError(t, err)
	x, err = softmaxreg.Pool(x, 8, 2)
	require.NoError(t, err)
	sub, err := NewData(x, y, 16)
	require.NoError(t, err)
	train, test, err = HoldOut(sub, 0.2, 1)
	require.NoError(t, err)
	sc, err := NewScaler(train, false)
	require.NoError(t, err)
	xs, err := sc.X(train.X)
	require.NoError(t, err)
	post, err = softmaxreg.New(xs, train.Y, 16, 3, DefaultPriorScale)
	require.NoError(t, err)
	return train, test, post
}
