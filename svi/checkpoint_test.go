package svi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestResumeIsExact runs 300 steps straight, and 120 steps, a checkpoint, a
// fresh trainer and 180 more: losses and parameters must agree bit for bit,
// including with a schedule, averaging and the convergence rule.
func TestResumeIsExact(t *testing.T) {
	settings := func(n int) *svi.Settings {
		return &svi.Settings{Steps: n, Schedule: &svi.ReduceOnPlateau{Window: 20}, Stop: &svi.Convergence{Window: 50, Patience: 100}, Average: true}
	}
	cfg := svi.Config{Particles: 3, Optimizer: svi.Adam{LearnRate: 0.05}}
	tr, st, _ := newNN(t, cfg, 7)
	full, err := svi.Run(context.Background(), tr, st, nil, settings(300))
	require.NoError(t, err)

	tr2, st2, _ := newNN(t, cfg, 7)
	_, err = svi.Run(context.Background(), tr2, st2, nil, settings(120))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "fit.ckpt")
	require.NoError(t, tr2.SaveCheckpoint(path, st2))

	tr3, _, nn := newNN(t, cfg, 99)
	st3, err := tr3.LoadCheckpoint(path)
	require.NoError(t, err)
	require.NoError(t, tr3.Feed(svi.Batch{"y": nn.y}))
	_, err = svi.Run(context.Background(), tr3, st3, nil, settings(180))
	require.NoError(t, err)

	assert.Equal(t, st.Trace, st3.Trace, "loss trajectories")
	assert.Equal(t, full.Losses[120:], st3.Trace[120:])
	for i, name := range st.Params.Names() {
		assert.Equal(t, st.Params.At(i), st3.Params.At(i), name)
	}
}

func TestCheckpointRefusals(t *testing.T) {
	dir := t.TempDir()
	tr, st, _ := newNN(t, svi.Config{}, 1)
	_, err := tr.Step(st, nil)
	require.NoError(t, err)
	path := filepath.Join(dir, "a.ckpt")
	require.NoError(t, tr.SaveCheckpoint(path, st))

	// Corrupt one byte of the payload.
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	bad := []byte(string(b))
	i := len(bad) / 2
	for bad[i] < '0' || bad[i] > '8' {
		i++
	}
	bad[i]++
	corrupt := filepath.Join(dir, "corrupt.ckpt")
	require.NoError(t, os.WriteFile(corrupt, bad, 0o644))
	_, err = tr.LoadCheckpoint(corrupt)
	assert.ErrorIs(t, err, svi.ErrCorruptCheckpoint)

	trunc := filepath.Join(dir, "trunc.ckpt")
	require.NoError(t, os.WriteFile(trunc, b[:len(b)/3], 0o644))
	_, err = tr.LoadCheckpoint(trunc)
	assert.ErrorIs(t, err, svi.ErrCorruptCheckpoint)

	other := filepath.Join(dir, "other.json")
	require.NoError(t, os.WriteFile(other, []byte(`{"format":"something","version":1}`), 0o644))
	_, err = tr.LoadCheckpoint(other)
	assert.ErrorContains(t, err, "is not a govi checkpoint")

	// A checkpoint of another guide or model is refused, naming why.
	fr, err := svi.New(smallModel(), guides.FullRank{}, svi.Config{})
	require.NoError(t, err)
	_, err = fr.LoadCheckpoint(path)
	assert.ErrorContains(t, err, "written for guide guides.MeanField, this trainer uses guides.FullRank")
	mf, err := svi.New(posModel(), guides.MeanField{}, svi.Config{})
	require.NoError(t, err)
	_, err = mf.LoadCheckpoint(path)
	assert.ErrorContains(t, err, "latent sites")
	_, err = tr.LoadCheckpoint(filepath.Join(dir, "missing.ckpt"))
	assert.ErrorContains(t, err, "no such file")
}

// TestResumeMatrix: with the settings a user runs with — the stopping
// rule, averaging (over the plateau, or over the second half without a
// rule), a learning-rate schedule and the guard — a run cut at any step,
// by a step limit or by a cancelled context (as Ctrl-C does), saved and
// resumed on a fresh trainer ends with the losses and parameters of the
// straight run, to the last bit. Cuts fall before, at and inside the
// averaging window. Without a stopping rule the window is the second half
// of the planned steps, so a run cut by a shorter step limit is another
// plan: only a signal cuts it.
func TestResumeMatrix(t *testing.T) {
	const total = 700
	cfg := svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.05}}
	for _, tc := range []struct {
		name string
		stop bool
	}{{"plateau averaging", true}, {"second-half averaging", false}} {
		settings := func(n int) *svi.Settings {
			s := &svi.Settings{Steps: n, Schedule: &svi.ReduceOnPlateau{Window: 25, Patience: 2, Factor: 0.3, MinScale: 0.01},
				Average: true, Guard: &svi.Guard{}}
			if tc.stop {
				s.Stop = &svi.Convergence{Window: 50}
			}
			return s
		}
		tr, st, _ := newNN(t, cfg, 11)
		straight, err := svi.Run(context.Background(), tr, st, nil, settings(total))
		require.NoError(t, err)
		t.Logf("%s: straight run %d steps (%s), %d averaged", tc.name, straight.Steps, straight.Reason, st.AvgN)
		require.Greater(t, st.AvgN, 0, "the straight run must average")
		for _, cut := range []int{37, 200, 300, 360, 451} {
			for _, signal := range []bool{false, true} {
				if !tc.stop && !signal {
					continue
				}
				t.Run(fmt.Sprintf("%s/cut %d/signal %v", tc.name, cut, signal), func(t *testing.T) {
					tr2, st2, _ := newNN(t, cfg, 11)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					s := settings(cut)
					if signal {
						s.Steps = total
						s.Recorder = svi.RecorderFunc(func(info svi.Info) error {
							if info.Iter == cut {
								cancel()
							}
							return nil
						})
					}
					res, err := svi.Run(ctx, tr2, st2, nil, s)
					if signal && res.Reason != "converged" {
						require.ErrorIs(t, err, context.Canceled)
					}
					path := filepath.Join(t.TempDir(), "fit.ckpt")
					require.NoError(t, tr2.SaveCheckpoint(path, st2))
					tr3, _, nn := newNN(t, cfg, 99)
					st3, err := tr3.LoadCheckpoint(path)
					require.NoError(t, err)
					require.NoError(t, tr3.Feed(svi.Batch{"y": nn.y}))
					if st3.Iter < straight.Steps && res.Reason != "converged" {
						_, err = svi.Run(context.Background(), tr3, st3, nil, settings(total-st3.Iter))
						require.NoError(t, err)
					}
					require.Equal(t, st.Trace, st3.Trace, "loss trajectories")
					for i, name := range st.Params.Names() {
						require.Equal(t, st.Params.At(i), st3.Params.At(i), name)
					}
				})
			}
		}
	}
}
