package vae

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    Settings
		rows int
		want Plan
	}{
		// 1438 rows in batches of 128: 11 steps per epoch.
		{"defaults", Settings{}, 1438, Plan{Batch: 128, Steps: 1100, Epochs: 100}},
		{"three epochs", Settings{Epochs: 3}, 1438, Plan{Batch: 128, Steps: 33, Epochs: 3}},
		{"a fraction rounds to the nearest step", Settings{Epochs: 0.5}, 1438, Plan{Batch: 128, Steps: 6, Epochs: 6.0 / 11}},
		{"at least one step", Settings{Epochs: 0.01}, 1438, Plan{Batch: 128, Steps: 1, Epochs: 1.0 / 11}},
		{"steps win", Settings{Epochs: 3, Steps: 20, Batch: 100}, 1000, Plan{Batch: 100, Steps: 20, Epochs: 2}},
		{"batch capped at the rows", Settings{Epochs: 2, Batch: 500}, 300, Plan{Batch: 300, Steps: 2, Epochs: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.s.Plan(tc.rows))
		})
	}
}

// TestFittedFigures: the per-image trace, its last-epoch mean and the
// speed, from a hand-made state.
func TestFittedFigures(t *testing.T) {
	t.Parallel()
	// 10 rows in batches of 4: 2 steps per epoch.
	f := &Fitted{Rows: 10, Plan: Plan{Batch: 4, Steps: 3}, State: &svi.State{Iter: 3, Trace: []float64{50, 40, 30}}, Elapsed: 2e9}
	assert.Equal(t, []float64{-5, -4, -3}, f.Trace())
	assert.InDelta(t, -3.5, f.TrainELBO(), 1e-15, "mean of the last epoch's two steps")
	assert.InDelta(t, 6, f.ImagesPerSecond(), 1e-15, "4 images × 3 steps in 2 s")
	f.State = &svi.State{}
	assert.Zero(t, f.TrainELBO(), "no steps")
}

// countingDriver runs like plain, resuming from a given state and counting
// the steps it was asked for.
type countingDriver struct {
	plain
	from  *svi.State
	asked int
}

func (d *countingDriver) Start(t *svi.Trainer) (*svi.State, error) {
	if d.from != nil {
		st := d.from.Clone()
		return st, nil
	}
	return d.plain.Start(t)
}

func (d *countingDriver) Run(ctx context.Context, t *svi.Trainer, st *svi.State, steps int, next func() (svi.Batch, error)) error {
	d.asked = steps
	return d.plain.Run(ctx, t, st, steps, next)
}

// TestFitDriver: a fit stopped after 6 of its 12 steps and resumed through
// a Driver from its state ends where an uninterrupted fit ends (the state
// carries its minibatches, svi.State.Batches), and a Driver's error comes
// back with the fit.
func TestFitDriver(t *testing.T) {
	t.Parallel()
	d, err := ReadDigits(digitsPath)
	require.NoError(t, err)
	train := d.Binarize(0.5).Head(200)
	cfg := Config{Dim: 64, Hidden: []int{8}}
	s := Settings{Steps: 12, Batch: 32, Estimator: svi.KLELBO, Seed: 3}
	full, err := Fit(context.Background(), cfg, train, s)
	require.NoError(t, err)
	assert.Equal(t, 12, full.State.Iter)

	half := s
	half.Steps = 6
	part, err := Fit(context.Background(), cfg, train, half)
	require.NoError(t, err)
	dr := &countingDriver{plain: plain{seed: s.Seed}, from: part.State}
	s.Driver = dr
	resumed, err := Fit(context.Background(), cfg, train, s)
	require.NoError(t, err)
	assert.Equal(t, 12, dr.asked, "the driver is told the steps in all")
	assert.Equal(t, full.State.Trace, resumed.State.Trace)

	s.Driver = failing{}
	f, err := Fit(context.Background(), cfg, train, s)
	require.NotNil(t, f)
	assert.ErrorContains(t, err, "vae: stuck")
}

type failing struct{ plain }

func (failing) Run(context.Context, *svi.Trainer, *svi.State, int, func() (svi.Batch, error)) error {
	return errors.New("stuck")
}

// TestAssess: the assessment reads the network's own Evaluate and
// AmortizationGap with the seeds it documents.
func TestAssess(t *testing.T) {
	t.Parallel()
	d, err := ReadDigits(digitsPath)
	require.NoError(t, err)
	train, test, err := d.Binarize(0.5).Head(300).SplitEvery(5)
	require.NoError(t, err)
	f, err := Fit(context.Background(), Config{Dim: 64, Hidden: []int{8}}, train, Settings{Steps: 10, Estimator: svi.KLELBO, Seed: 1})
	require.NoError(t, err)
	ctx := context.Background()
	a, err := f.Assess(ctx, test, AssessSettings{K: []int{1, 30}, GapRows: 4, GapSteps: 5, Seed: 7})
	require.NoError(t, err)
	net, err := f.Net()
	require.NoError(t, err)
	ev, err := net.Evaluate(test.X, test.Rows, []int{1, 30}, 7)
	require.NoError(t, err)
	assert.Equal(t, ev.ELBO, a.TestELBO)
	assert.Equal(t, ev.ELBOStdErr, a.TestELBOSE)
	assert.Equal(t, 30, a.EvalDraws)
	assert.Equal(t, map[string]float64{"1": ev.IWAE[0].Mean, "30": ev.IWAE[1].Mean}, a.TestIWAE)
	assert.Equal(t, ev.IWAE, a.Bounds)
	require.NotNil(t, a.Diagnostics, "30 draws per image: a PSIS report")
	assert.Equal(t, ev.IWAE[1].Mean, a.Diagnostics.IWAE)
	assert.Equal(t, ev.PSIS.MedianKHat, a.Diagnostics.KHat)
	assert.Equal(t, 10, a.Diagnostics.Steps)
	sub := test.Head(4)
	gap, err := net.AmortizationGap(ctx, sub.X, sub.Rows, LocalSettings{Steps: 5, Seed: 8})
	require.NoError(t, err)
	assert.Equal(t, gap, a.Gap)
	assert.Equal(t, gap.LocalIWAE-gap.Local, *a.ApproxGap)

	a, err = f.Assess(ctx, test, AssessSettings{K: []int{1}, Seed: 7})
	require.NoError(t, err)
	assert.Nil(t, a.Diagnostics, "one draw per image: no PSIS report")
	assert.Nil(t, a.Gap)
	_, err = f.Assess(ctx, test, AssessSettings{GapRows: -1})
	assert.ErrorContains(t, err, "must not be negative")
}
