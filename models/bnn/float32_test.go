package bnn

import (
	"context"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestFloat32BostonFit fits TestBostonFit's network and split in float32
// and float64 with the same seed: test RMSE and LL agree, and the float32
// fit did train a float32 graph (its losses differ from the float64 ones
// by rounding).
func TestFloat32BostonFit(t *testing.T) {
	t.Parallel()
	d := bostonShipped(t)
	train, test, err := HoldOut(d, 0.1, 7)
	require.NoError(t, err)
	type result struct {
		rmse, ll float64
		losses   []float64
	}
	res := map[svi.DType]result{}
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		net, err := Fit(context.Background(), Config{Hidden: []int{50}}, train, Settings{Steps: 4000, Anneal: 0.25, Seed: 3, DType: dt})
		require.NoError(t, err)
		p, err := net.Predict(test.X, 500, 4)
		require.NoError(t, err)
		rmse, err := p.RMSE(test.Y)
		require.NoError(t, err)
		ll, err := p.MeanLogLik(test.Y)
		require.NoError(t, err)
		t.Logf("%v: test RMSE %.6f, LL %.6f, %d steps in %v", dt, rmse, ll, net.Steps(), net.TrainTime())
		res[dt] = result{rmse, ll, net.Losses()}
	}
	r64, r32 := res[svi.Float64], res[svi.Float32]
	// Tolerances: the same noise and minibatches, so the fits differ only
	// by float32 rounding of the parameters and gradients (1e-7
	// relative per step), which Adam's averaging keeps from growing: run
	// -v gives RMSE and LL equal to about 1e-6. 1% of the RMSE and 0.02
	// nats of LL are well below the scatter between seeds (0.1–0.3 RMSE)
	// yet fail a float32 path that trains a different model.
	assert.InDelta(t, r64.rmse, r32.rmse, 0.01*r64.rmse, "test RMSE")
	assert.InDelta(t, r64.ll, r32.ll, 0.02, "test LL")
	assert.Less(t, r32.rmse, 4.32, "TestBostonFit's bound")
	require.Equal(t, len(r64.losses), len(r32.losses))
	// The first loss: same parameters and noise; the float32 graph rounds
	// inputs and arithmetic, about 1e-7 relative of a loss of order 1e3.
	assert.NotEqual(t, r64.losses[0], r32.losses[0], "float32 arithmetic must show")
	assert.InDelta(t, r64.losses[0], r32.losses[0], 1e-4*math.Abs(r64.losses[0]), "first loss")
}

// TestFloat32Classification fits the shipped digits (categorical
// likelihood, 64-50-10) briefly in both dtypes: the test accuracies agree.
func TestFloat32Classification(t *testing.T) {
	t.Parallel()
	train, test := digitsHoldOut(t)
	cfg := Config{Hidden: []int{50}, Task: Classification, Classes: 10}
	acc := map[svi.DType]float64{}
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		net, err := Fit(context.Background(), cfg, train, Settings{Steps: 800, LearnRate: 0.01, Particles: 2, Seed: 1, DType: dt})
		require.NoError(t, err)
		p, err := net.PredictClass(test.X, 200, 2)
		require.NoError(t, err)
		acc[dt], err = p.Accuracy(test.Y)
		require.NoError(t, err)
	}
	t.Logf("digits accuracy: float64 %.4f, float32 %.4f", acc[svi.Float64], acc[svi.Float32])
	// 360 test digits: 0.02 is 7 digits, far more than rounding moves
	// (run -v: the same accuracy), far less than a broken likelihood.
	assert.InDelta(t, acc[svi.Float64], acc[svi.Float32], 0.02)
	assert.Greater(t, acc[svi.Float32], 0.85)
}

// TestFloat32StepAllocations: a float32 step of the 13-50-1 network on
// N = 455 rows allocates fewer bytes than a float64 one, and about as
// many objects: 1154 against 1120 when this test was written, 707
// against 673 since the mean-field scale and entropy became single ops.
// The 34 extra are gorgonia's (v0.9.18): the scalar sums and products of
// the loss on *F32 values run scalarBinOp.Do, which allocates its result
// and two type values, where the float64 graph runs preallocated ops. An
// allowance of 40 leaves room for that and fails on a per-element or
// per-parameter allocation (hundreds per step).
func TestFloat32StepAllocations(t *testing.T) {
	d := Toy(455, 1)
	x := make([]float64, 455*13)
	for i := range x {
		x[i] = d.X[i/13] * float64(i%13+1) / 13
	}
	data, err := NewData(x, d.Y, 13)
	require.NoError(t, err)
	type allocs struct{ objects, bytes float64 }
	got := map[svi.DType]allocs{}
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		tr, _, err := newTrainer(Config{Hidden: []int{50}}.withDefaults(), Settings{Particles: 1, DType: dt}.withDefaults(455), data, 455, 455)
		require.NoError(t, err)
		st, err := tr.Init(1)
		require.NoError(t, err)
		b := svi.Batch{"x": x, "y": d.Y}
		for range 5 { // warm up the ops' output buffers
			_, err := tr.Step(st, b)
			require.NoError(t, err)
		}
		const steps = 50
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for range steps {
			if _, err := tr.Step(st, b); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&m1)
		got[dt] = allocs{float64(m1.Mallocs-m0.Mallocs) / steps, float64(m1.TotalAlloc-m0.TotalAlloc) / steps}
	}
	a64, a32 := got[svi.Float64], got[svi.Float32]
	t.Logf("per step: float64 %.0f objects, %.0f bytes; float32 %.0f objects, %.0f bytes", a64.objects, a64.bytes, a32.objects, a32.bytes)
	assert.Less(t, a32.bytes, a64.bytes, "bytes per step")
	assert.LessOrEqual(t, a32.objects, a64.objects+40, "objects per step")
}

// TestFloat32Refusals: the configurations whose operations are
// float64-only fail with an error naming float32; local
// reparameterization, dvi, the lowrank guide and -vectorize, refused before their ops
// took float32, now build and step.
func TestFloat32Refusals(t *testing.T) {
	t.Parallel()
	d := Toy(40, 2)
	for _, tc := range []struct {
		name string
		cfg  Config
		s    Settings
	}{
		{"iwae", Config{Hidden: []int{5}}, Settings{Steps: 1, Estimator: "iwae", DType: svi.Float32}},
	} {
		_, err := Fit(context.Background(), tc.cfg, d, tc.s)
		assert.ErrorContains(t, err, "float32", tc.name)
	}
	// Refused until the local, moment and SPD ops took float32.
	for _, tc := range []struct {
		name string
		cfg  Config
		s    Settings
	}{
		{"local reparameterization", Config{Hidden: []int{5}, LocalReparam: true}, Settings{Steps: 1, DType: svi.Float32}},
		{"dvi", Config{Hidden: []int{5}}, Settings{Steps: 1, Estimator: EstimatorDVI, DType: svi.Float32}},
		{"lowrank", Config{Hidden: []int{5}}, Settings{Steps: 1, Guide: LowRank, DType: svi.Float32}},
		{"vectorize", Config{Hidden: []int{5}}, Settings{Steps: 1, Particles: 2, Vectorize: true, DType: svi.Float32}},
	} {
		_, err := Fit(context.Background(), tc.cfg, d, tc.s)
		assert.NoError(t, err, tc.name)
	}
}

// TestFloat32LocalReparamAndDVI fits the Boston network of
// TestFloat32BostonFit with the local reparameterization (ops.LocalDense)
// and with deterministic VI (ops.MomentDense, MomentReLU,
// GaussianExpectedLogLik) in both dtypes from the same seed: the test RMSE
// and LL agree. Tolerances as TestFloat32BostonFit's (same noise and
// minibatches, so the fits differ by float32 rounding only).
func TestFloat32LocalReparamAndDVI(t *testing.T) {
	t.Parallel()
	d := bostonShipped(t)
	train, test, err := HoldOut(d, 0.1, 7)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		cfg  Config
		est  string
	}{
		{"local", Config{Hidden: []int{50}, LocalReparam: true}, ""},
		{"dvi", Config{Hidden: []int{50}}, EstimatorDVI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rmse, ll := map[svi.DType]float64{}, map[svi.DType]float64{}
			for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
				net, err := Fit(context.Background(), tc.cfg, train, Settings{Steps: 1500, Anneal: 0.25, Seed: 3, Estimator: tc.est, DType: dt})
				require.NoError(t, err)
				p, err := net.Predict(test.X, 200, 4)
				require.NoError(t, err)
				rmse[dt], err = p.RMSE(test.Y)
				require.NoError(t, err)
				ll[dt], err = p.MeanLogLik(test.Y)
				require.NoError(t, err)
			}
			t.Logf("%s: RMSE %.6f / %.6f, LL %.6f / %.6f (float64 / float32)", tc.name, rmse[svi.Float64], rmse[svi.Float32], ll[svi.Float64], ll[svi.Float32])
			assert.InDelta(t, rmse[svi.Float64], rmse[svi.Float32], 0.01*rmse[svi.Float64], "test RMSE")
			assert.InDelta(t, ll[svi.Float64], ll[svi.Float32], 0.02, "test LL")
		})
	}
}
