package svi_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// Tolerances of the float32 checks of the discrete estimators and IWAE.
const (
	// f32EstTol is the agreement, relative to max(1, |value|), of the mean
	// loss and mean gradient over the same few draws (same seed) of a
	// float32 and a float64 training graph. Each draw's terms are sums of
	// a few dozen float32 products of size ≤ 10 (log-masses, squared
	// residuals, costs times scores), so they differ by about 1e-6; 1e-4
	// leaves a margin of a hundred and still fails on a wrong term. A
	// discrete draw Step(σ(l) − u) whose u lies within float32 rounding
	// (6e-8) of σ(l) would flip in float32: the agreement uses 50 draws,
	// about 10³ Bernoulli draws, so a flip has probability ≈ 1e-4.
	f32EstTol = 1e-4
	// f32Draws is the number of draws of the agreement checks.
	f32Draws = 50
)

// agree32 asserts that the float32 statistics agree with the float64 ones
// within f32EstTol, and returns the largest relative difference.
func agree32(t *testing.T, g64, g32 *svi.GradientStats, what string) float64 {
	t.Helper()
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Max(1, math.Abs(a)) }
	worst := rel(g64.Loss, g32.Loss)
	assert.InDelta(t, g64.Loss, g32.Loss, f32EstTol*math.Max(1, math.Abs(g64.Loss)), "%s: loss", what)
	require.Len(t, g32.Blocks, len(g64.Blocks), what)
	for i, b := range g64.Blocks {
		for j, m := range b.Mean {
			worst = math.Max(worst, rel(m, g32.Blocks[i].Mean[j]))
			assert.InDelta(t, m, g32.Blocks[i].Mean[j], f32EstTol*math.Max(1, math.Abs(m)), "%s: %s[%d]", what, b.Name, j)
		}
	}
	return worst
}

// with32 returns cfg with DType Float32.
func with32(cfg svi.Config) svi.Config {
	cfg.DType = svi.Float32
	return cfg
}

// TestFloat32DiscreteEstimators: every discrete estimator trains a
// float32 graph (Bernoulli and Categorical log-masses, their draws,
// enumeration's states and TileRows, the baselines, VIMCO's leave-one-out
// bounds, the concrete relaxation). On the same draws its loss and
// gradient agree with the float64 graph's within f32EstTol; over many
// draws the unbiased ones meet the reference values of the float64 tests
// (the exact ELBO or bound and its finite-difference gradient) within
// four standard errors.
func TestFloat32DiscreteEstimators(t *testing.T) {
	if testing.Short() {
		t.Skip("4000-draw gradient statistics")
	}
	const n = 4000
	bitsWant := negated(fdGrad(bits.elbo, bitsLogits))
	for _, tc := range []struct {
		name  string
		cfg   svi.Config
		trace []float64
		want  []float64 // the exact gradient, nil for a biased estimator
		loss  float64
	}{
		{"enum", svi.Config{Estimator: svi.EnumELBO}, nil, bitsWant, -bits.elbo(bitsLogits)},
		{"score/loo", svi.Config{Estimator: svi.ScoreELBO, Baseline: svi.BaselineLOO, Particles: 4}, nil, bitsWant, -bits.elbo(bitsLogits)},
		{"score/none", svi.Config{Estimator: svi.ScoreELBO, Baseline: svi.BaselineNone, Particles: 1}, nil, bitsWant, -bits.elbo(bitsLogits)},
		// The running average of a trace near the ELBO (computed on the
		// host in float64 from the float64 trace, then rounded).
		{"score/avg", svi.Config{Estimator: svi.ScoreELBO, Baseline: svi.BaselineAvg, Particles: 1},
			[]float64{-bits.elbo(bitsLogits) + 0.3, -bits.elbo(bitsLogits) - 0.2}, bitsWant, -bits.elbo(bitsLogits)},
		{"vimco", svi.Config{Estimator: svi.VIMCOBound, Particles: 3}, nil,
			negated(fdGrad(func(l []float64) float64 { return bits.iwae(l, 3) }, bitsLogits)), -bits.iwae(bitsLogits, 3)},
		{"concrete", svi.Config{Estimator: svi.ConcreteELBO, Temperature: 0.3, Particles: 1}, nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g64 := gradStatsAfter(t, tc.cfg, f32Draws, tc.trace)
			g32 := gradStatsAfter(t, with32(tc.cfg), f32Draws, tc.trace)
			t.Logf("largest relative float32−float64 difference over %d draws: %.3g", f32Draws, agree32(t, g64, g32, tc.name))
			if tc.want == nil {
				return
			}
			gs := gradStatsAfter(t, with32(tc.cfg), n, tc.trace)
			// The float64 tests' 1e-9 slack, widened to float32 rounding.
			within4SE(t, gs.Block("guides/z/logits"), n, tc.want, 1e-5)
			assert.InDelta(t, tc.loss, gs.Loss, 4*math.Sqrt(gs.LossVar/n)+1e-5)
		})
	}
}

// TestFloat32PlateEstimators: the plate cases of
// TestPlateEstimatorsAreUnbiased and TestEnumWithLocalContinuousSite (a
// continuous global site and a minibatch scale; the nvil network; a
// continuous local site tiled over the expanded plate) and the row-wise
// VIMCO bound, in float32: the same draws agree with float64 within
// f32EstTol, and the enumerated gradient is the exact one.
func TestFloat32PlateEstimators(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   svi.Config
		local bool
	}{
		{"enum", svi.Config{Estimator: svi.EnumELBO}, false},
		{"enum/local", svi.Config{Estimator: svi.EnumELBO}, true},
		{"score/loo", svi.Config{Estimator: svi.ScoreELBO, Particles: 4}, false},
		{"score/nvil", svi.Config{Estimator: svi.ScoreELBO, Particles: 1, Baseline: svi.BaselineNVIL, BaselineInput: "x", BaselineHidden: 5}, false},
		{"vimco", svi.Config{Estimator: svi.VIMCOBound, Particles: 2}, false},
		{"concrete/local", svi.Config{Estimator: svi.ConcreteELBO, Particles: 2}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g64 := plateStats(t, tc.cfg, f32Draws, tc.local)
			g32 := plateStats(t, with32(tc.cfg), f32Draws, tc.local)
			t.Logf("largest relative float32−float64 difference: %.3g", agree32(t, g64, g32, tc.name))
			if tc.cfg.Estimator != svi.EnumELBO || tc.local {
				return
			}
			// Enumeration has no variance from the discrete sites: the
			// mean over the draws of μ's noise meets the exact gradient of
			// the logits to float32 rounding of the summed-out terms.
			want := negated(fdGrad(plateELBO, plParams))
			for j, w := range want[2:] {
				assert.InDelta(t, w, g32.Block("guides/z/logits").Mean[j], 4*math.Sqrt(g32.Block("guides/z/logits").Var[j]/f32Draws)+1e-5, "logit %d", j)
			}
		})
	}
}

// TestFloat32CategoricalRows: Categorical sites in a plate (LogSumExp along
// the categories, the one-hot draw, enumeration over the rows' states) in
// float32: the enumerated loss is the exact ELBO to float32 rounding, and
// the score and concrete estimators agree with float64 on the same draws.
func TestFloat32CategoricalRows(t *testing.T) {
	logits := []float64{0.2, 0.4, -0.1, 1, -1, 0, 0.3, 0.3, -0.6}
	for _, cfg := range []svi.Config{{Estimator: svi.EnumELBO}, {Estimator: svi.ScoreELBO, Particles: 3}, {Estimator: svi.ConcreteELBO, Temperature: 0.5}} {
		stats := map[svi.DType]*svi.GradientStats{}
		for _, c := range []svi.Config{cfg, with32(cfg)} {
			tr, err := svi.New(catRowsModel{}, guides.Discrete{InitLogits: map[string][]float64{"c": logits}}, c)
			require.NoError(t, err, "%v %v", c.Estimator, c.DType)
			st, err := tr.Init(1)
			require.NoError(t, err)
			stats[c.DType], err = tr.GradientVariance(st, svi.Batch{"x": catRowsX}, f32Draws, 5)
			require.NoError(t, err)
		}
		agree32(t, stats[svi.Float64], stats[svi.Float32], cfg.Estimator.String())
		if cfg.Estimator == svi.EnumELBO {
			// Nine log-masses and residuals of size ≤ 5, rounded to 6e-8.
			assert.InDelta(t, -catRowsELBO(logits), stats[svi.Float32].Loss, 1e-5)
		}
	}
}

// TestFloat32IWAEBound: the IWAE bound of a float32 graph at the exact
// posterior is log p(y) for any K (the reference of TestIWAEBound), to
// float32 rounding: each log weight is a sum of about ten terms of size
// ≤ 10 rounded to 6e-8, and the log-mean-exp of K of them adds a few
// roundings more; 1e-4 is a margin of ten over that. Away from it the
// float32 and float64 bounds of the same draws agree within f32EstTol.
func TestFloat32IWAEBound(t *testing.T) {
	nn := smallModel()
	mean, sd := nn.posterior()
	logZ := nn.logEvidence()
	bound := func(k int, dt svi.DType, m, s float64) float64 {
		tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: k, Estimator: svi.IWAEBound, DType: dt})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		st, err := tr.Init(9)
		require.NoError(t, err)
		setExact(t, st, m, s)
		var sum float64
		for range 50 {
			info, err := tr.Step(st, nil)
			require.NoError(t, err)
			sum -= info.Loss
			setExact(t, st, m, s)
		}
		return sum / 50
	}
	for _, k := range []int{1, 5} {
		assert.InDelta(t, logZ, bound(k, svi.Float32, mean, sd), 1e-4, "K=%d at the exact posterior", k)
		b64, b32 := bound(k, svi.Float64, mean+sd, 2*sd), bound(k, svi.Float32, mean+sd, 2*sd)
		t.Logf("K=%d away from the posterior: float64 %.8f, float32 %.8f", k, b64, b32)
		assert.InDelta(t, b64, b32, f32EstTol*math.Max(1, math.Abs(b64)), "K=%d", k)
	}
}
