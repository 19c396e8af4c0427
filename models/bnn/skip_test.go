package bnn

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestSkipSites: with Skip a regression network with hidden layers has the
// skip path's site β of shape [inputs, outputs]; without it, and for
// networks without hidden layers and classification networks, none.
func TestSkipSites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want []int // β's shape; nil for no site
	}{
		{"skip", Config{Hidden: []int{4}, Skip: true}, []int{3, 1}},
		{"two layers", Config{Hidden: []int{4, 2}, Skip: true}, []int{3, 1}},
		{"heteroscedastic", Config{Hidden: []int{4}, Heteroscedastic: true, Skip: true}, []int{3, 2}},
		{"default: none", Config{Hidden: []int{4}}, nil},
		{"no hidden layer", Config{Skip: true}, nil},
		{"classification", Config{Hidden: []int{4}, Task: Classification, Classes: 3, Skip: true}, nil},
	} {
		m, err := NewModel(tc.cfg, 3, 8, 8)
		require.NoError(t, err, tc.name)
		sites, err := svi.Trace(m)
		require.NoError(t, err, tc.name)
		var got []int
		for _, s := range sites {
			if s.Name == SkipSite {
				got = s.Shape
			}
		}
		assert.Equal(t, tc.want, got, tc.name)
		assert.Equal(t, tc.want != nil, tc.cfg.skip(), tc.name)
	}
}

// TestSkipPredictsMLPPlusLinear: Predict's network outputs are, draw by
// draw, relu(x W₀ + b₀) W₁ + b₁ + x β for the weights Sample draws with the
// same seed, computed here by plain loops on the standardized inputs
// (tolerance: rounding of two orders of summation).
func TestSkipPredictsMLPPlusLinear(t *testing.T) {
	t.Parallel()
	const tol = 1e-12
	d := Toy(30, 4)
	net, err := Fit(context.Background(), Config{Hidden: []int{3}, Skip: true}, d, Settings{Steps: 50, Batch: 10, Seed: 2})
	require.NoError(t, err)
	const draws, seed = 5, 9
	p, err := net.Predict(d.X, draws, seed)
	require.NoError(t, err)
	ds, err := net.Sample(draws, seed)
	require.NoError(t, err)
	xs, err := net.Scaler().X(d.X)
	require.NoError(t, err)
	sc := net.Scaler()
	for k := range draws {
		w0, b0 := ds[WeightSite(0)][3*k:3*k+3], ds[BiasSite(0)][3*k:3*k+3]
		w1, b1 := ds[WeightSite(1)][3*k:3*k+3], ds[BiasSite(1)][k]
		beta := ds[SkipSite][k]
		for i, x := range xs {
			f := b1 + x*beta
			for j := range 3 {
				f += math.Max(0, x*w0[j]+b0[j]) * w1[j]
			}
			assert.InDelta(t, f*sc.YStd+sc.YMean, p.F[k*d.N+i], tol*math.Max(1, math.Abs(f)), "draw %d row %d", k, i)
		}
	}
}

// TestSkipCombinations: the skip path trains with every option that builds
// the regression graph its own way (one step each).
func TestSkipCombinations(t *testing.T) {
	t.Parallel()
	d := Toy(20, 3)
	for _, tc := range []struct {
		name string
		cfg  Config
		s    Settings
	}{
		{"vectorize", Config{Hidden: []int{4}}, Settings{Vectorize: true}},
		{"local reparameterization", Config{Hidden: []int{4}, LocalReparam: true}, Settings{}},
		{"dvi", Config{Hidden: []int{4}}, Settings{Estimator: EstimatorDVI}},
		{"kl", Config{Hidden: []int{4}}, Settings{Estimator: "kl"}},
		{"heteroscedastic", Config{Hidden: []int{4}, Heteroscedastic: true}, Settings{}},
		{"empirical Bayes", Config{Hidden: []int{4}, EmpiricalBayes: true}, Settings{}},
		{"hyperprior", Config{Hidden: []int{4}, PriorShape: 1, PriorRate: 1}, Settings{}},
		{"lastlayer", Config{Hidden: []int{4}}, Settings{Guide: LastLayer}},
		{"float32", Config{Hidden: []int{4}}, Settings{DType: svi.Float32}},
	} {
		tc.cfg.Skip = true
		tc.s.Steps, tc.s.Batch = 3, 10
		net, err := Fit(context.Background(), tc.cfg, d, tc.s)
		require.NoError(t, err, tc.name)
		ds, err := net.Sample(2, 1)
		require.NoError(t, err, tc.name)
		assert.Contains(t, ds, SkipSite, tc.name)
		_, err = net.Evaluate(d, 10, 1)
		require.NoError(t, err, tc.name)
	}
	net, err := Fit(context.Background(), Config{Hidden: []int{4}, EmpiricalBayes: true, Skip: true}, d, Settings{Steps: 3})
	require.NoError(t, err)
	sd, err := net.PriorStd()
	require.NoError(t, err)
	assert.Len(t, sd, 3, "two layers' and the skip path's prior sds")
	net, err = Fit(context.Background(), Config{Hidden: []int{4}, PriorShape: 1, PriorRate: 1, Skip: true}, d, Settings{Steps: 1})
	require.NoError(t, err)
	ds, err := net.Sample(1, 1)
	require.NoError(t, err)
	assert.Contains(t, ds, PrecisionSite(SkipLayer), "the skip path's own prior precision")
}

// TestSkipResumeRefused: a checkpoint of a network without the skip path
// is refused by a fit with it, with an error naming Skip rather than a
// panic over the extra site.
func TestSkipResumeRefused(t *testing.T) {
	t.Parallel()
	d := Toy(20, 5)
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	old := Config{Hidden: []int{3}}
	s := Settings{Steps: 4, Batch: 10, Seed: 1, Checkpoint: ck}
	_, err := Fit(context.Background(), old, d, s)
	require.NoError(t, err)
	s.Checkpoint, s.Resume = "", ck
	_, err = Fit(context.Background(), Config{Hidden: []int{3}, Skip: true}, d, s)
	assert.ErrorContains(t, err, `model.Skip is "false" in the checkpoint and "true" in this run`)
	_, err = Fit(context.Background(), old, d, s)
	assert.NoError(t, err, "the same configuration resumes")
}
