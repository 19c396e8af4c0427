package svi_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

func newNN(t *testing.T, cfg svi.Config, seed uint64) (*svi.Trainer, *svi.State, normalNormal) {
	t.Helper()
	nn := smallModel()
	tr, err := svi.New(nn, guides.MeanField{}, cfg)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
	st, err := tr.Init(seed)
	require.NoError(t, err)
	return tr, st, nn
}

func allFinite(p *svi.Params) bool {
	for i := range p.Names() {
		for _, v := range p.At(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// TestGuardGivesUpWithLastGoodState drives a fit to overflow with an absurd
// learning rate: the guard retries with smaller rates, then stops with a
// DivergenceError naming the site, and the state holds finite parameters
// equal to the last snapshot.
func TestGuardGivesUpWithLastGoodState(t *testing.T) {
	tr, st, _ := newNN(t, svi.Config{Optimizer: svi.SGD{LearnRate: 1e30}}, 1)
	before := st.Params.Clone()
	res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 500, Guard: &svi.Guard{MaxRetries: 3}})
	var de *svi.DivergenceError
	require.True(t, errors.As(err, &de), "want a DivergenceError, got %v", err)
	assert.Contains(t, err.Error(), "site mu")
	assert.Equal(t, "diverged", res.Reason)
	assert.Equal(t, 4, res.Retries)
	assert.True(t, allFinite(st.Params))
	assert.Equal(t, before.At(0), st.Params.At(0), "the state is the last good snapshot (here the start)")
}

// TestGuardRecovers: a learning rate that overflows at first is cut back
// until the fit runs, and the fit then reaches the exact posterior.
func TestGuardRecovers(t *testing.T) {
	tr, st, nn := newNN(t, svi.Config{Particles: 4, Optimizer: svi.SGD{LearnRate: 300}}, 2)
	res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 3000, Guard: &svi.Guard{Factor: 0.1, Every: 20, MaxRetries: 10}})
	require.NoError(t, err)
	assert.Greater(t, res.Retries, 0, "the learning rate must have been cut")
	assert.Equal(t, 3000, res.Steps)
	assert.Less(t, st.Opt.LRScale, 1.0)
	mean, sd := nn.posterior()
	loc, _ := st.Params.Get("guides/mu/loc")
	// Tolerance: plain SGD at the reduced rate still jitters; 0.3 sd.
	assert.InDelta(t, mean, loc[0], 0.3*sd)
}

func TestConvergenceStopsAndAverages(t *testing.T) {
	tr, st, nn := newNN(t, svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.05}}, 3)
	res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 50000, Stop: &svi.Convergence{}, Average: true})
	require.NoError(t, err)
	assert.Equal(t, "converged", res.Reason)
	assert.Less(t, res.Steps, 50000)
	mean, sd := nn.posterior()
	loc, std, err := guides.MeanField{}.Moments(st.Params, tr.Sites(), 0)
	require.NoError(t, err)
	t.Logf("stopped after %d steps: loc %.4f (exact %.4f), sd %.4f (exact %.4f)", res.Steps, loc[0], mean, std[0], sd)
	// Tolerances: at lr 0.05 single iterates jitter by ~0.1 sd; the average
	// over the final plateau windows is within 0.05 sd and 5%.
	assert.InDelta(t, mean, loc[0], 0.05*sd)
	assert.InDelta(t, sd, std[0], 0.05*sd)
}

func TestClipNorm(t *testing.T) {
	const clip = 0.01
	tr, st, _ := newNN(t, svi.Config{ClipNorm: clip, Optimizer: svi.SGD{LearnRate: 1}}, 4)
	before := st.Params.Clone()
	_, err := tr.Step(st, nil)
	require.NoError(t, err)
	var sq float64
	for i := range before.Names() {
		for j, v := range before.At(i) {
			d := st.Params.At(i)[j] - v
			sq += d * d
		}
	}
	// SGD with rate 1 moves the parameters by exactly the clipped gradient,
	// whose norm must be the clip (the raw gradient is far larger here).
	assert.InDelta(t, clip, math.Sqrt(sq), 1e-12)
	_, err = svi.New(smallModel(), guides.MeanField{}, svi.Config{ClipNorm: -1})
	assert.ErrorContains(t, err, "ClipNorm")
}

func TestSchedules(t *testing.T) {
	st := &svi.State{Iter: 250}
	assert.InDelta(t, 0.25, svi.StepDecay{Every: 100, Factor: 0.5}.Scale(st), 1e-15)
	// A trace that improves for 5 windows then is flat: after Patience = 2
	// flat windows the scale halves, after 2 more it halves again.
	var trace []float64
	for w := 0; w < 5; w++ {
		for i := 0; i < 10; i++ {
			trace = append(trace, float64(10-w))
		}
	}
	r := &svi.ReduceOnPlateau{Window: 10, Patience: 2}
	flat := func(n int) {
		for i := 0; i < n*10; i++ {
			trace = append(trace, 6)
		}
	}
	st.Trace = trace
	assert.Equal(t, 1.0, r.Scale(st))
	flat(2)
	st.Trace = trace
	assert.Equal(t, 0.5, r.Scale(st))
	flat(2)
	st.Trace = trace
	assert.Equal(t, 0.25, r.Scale(st))
}

// TestDiagnoseAfterRun: the fit report is asked for after the run, on the
// data it is given.
func TestDiagnoseAfterRun(t *testing.T) {
	tr, st, nn := newNN(t, svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.05}}, 3)
	res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 500})
	require.NoError(t, err)
	assert.Equal(t, "step limit", res.Reason)
	_, err = tr.Diagnose(st, nil, 400, 1)
	assert.ErrorContains(t, err, `no value given for data "y"`)
	d, err := tr.Diagnose(st, svi.Batch{"y": nn.y}, 400, 1)
	require.NoError(t, err)
	assert.Equal(t, 400, d.Draws)
	assert.Equal(t, 500, d.Steps)
}
