package svi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// fuzzTrainer returns the small Normal–Normal trainer the checkpoint fuzz
// target loads into, fed with its data.
func fuzzTrainer(tb testing.TB) *svi.Trainer {
	tb.Helper()
	nn := smallModel()
	tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: 2})
	require.NoError(tb, err)
	require.NoError(tb, tr.Feed(svi.Batch{"y": nn.y}))
	return tr
}

// savedCheckpoint runs tr 30 steps with averaging from seed 3 and saves
// the state to dir/plain.ckpt.
func savedCheckpoint(tb testing.TB, tr *svi.Trainer, dir string) (*svi.State, string) {
	tb.Helper()
	st, err := tr.Init(3)
	require.NoError(tb, err)
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 30, Average: true})
	require.NoError(tb, err)
	path := filepath.Join(dir, "plain.ckpt")
	require.NoError(tb, tr.SaveCheckpoint(path, st))
	return st, path
}

// fuzzSettings are the loop pieces a resumed run uses (averaging, a
// schedule and the stopping rule read the state's counters and trace).
func fuzzSettings() *svi.Settings {
	return &svi.Settings{Steps: 3, Average: true, Schedule: &svi.ReduceOnPlateau{Window: 2}, Stop: &svi.Convergence{Window: 2, Patience: 2}}
}

// checkpointEnvelope wraps payload in a checkpoint file with a matching
// checksum, so that the fuzzer reaches the payload's decoding.
func checkpointEnvelope(payload []byte) []byte {
	sum := sha256.Sum256(payload)
	return []byte(`{"format":"govi-checkpoint","version":` + strconv.Itoa(svi.CheckpointVersion) + `,"payload":` + string(payload) + `,"sha256":"` + hex.EncodeToString(sum[:]) + `"}`)
}

// checkpointPayload returns the payload of the checkpoint file b.
func checkpointPayload(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var c struct{ Payload json.RawMessage }
	require.NoError(tb, json.Unmarshal(b, &c))
	return c.Payload
}

// craftedPayloads returns payloads of the checkpoint at path with one
// counter or array set to a value a writer never produces (the crafted
// checkpoints of issue 14, item 8): seeds the fuzzer would take long to
// reach by mutation.
func craftedPayloads(tb testing.TB, path string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	pl := checkpointPayload(tb, b)
	var out [][]byte
	for _, edit := range []func(m map[string]any){
		func(m map[string]any) { m["iter"] = -5 },
		func(m map[string]any) { m["iter"] = 1 << 40 },
		func(m map[string]any) { m["trace"] = []float64{1, 2} },
		func(m map[string]any) { m["avg_n"] = -3 },
		func(m map[string]any) { m["avg_from"] = -7 },
		func(m map[string]any) { m["opt_step"] = -1 },
		func(m map[string]any) { m["lr_scale"] = 0 },
		func(m map[string]any) { m["lr_scale"] = -1 },
		func(m map[string]any) { m["backoff"] = -2 },
		func(m map[string]any) { m["avg"] = m["params"]; m["avg_n"] = 0 },
		func(m map[string]any) { // a running average of the wrong size
			avg := m["avg"].([]any)
			a := avg[0].(map[string]any)
			a["values"] = append(a["values"].([]any), 1.0)
		},
		func(m map[string]any) { // shapes and values grown together
			avg := m["avg"].([]any)
			a := avg[0].(map[string]any)
			a["values"], a["shape"] = []float64{1, 2, 3}, []int{3}
		},
		func(m map[string]any) { m["iterate"] = m["params"] },
		func(m map[string]any) { m["opt_slots"] = []any{} },
	} {
		var m map[string]any
		require.NoError(tb, json.Unmarshal(pl, &m))
		edit(m)
		c, err := json.Marshal(m)
		require.NoError(tb, err)
		out = append(out, c)
	}
	return out
}

// checkLoaded asserts what holds of every state a run produces: counters
// non-negative and consistent with the trace, scales positive, a running
// average only with its mean.
func checkLoaded(t *testing.T, st *svi.State) {
	t.Helper()
	require.GreaterOrEqual(t, st.Iter, 0)
	require.Len(t, st.Trace, st.Iter)
	require.GreaterOrEqual(t, st.Opt.Step, 0)
	require.True(t, st.Opt.LRScale > 0 && !math.IsInf(st.Opt.LRScale, 0), "learning-rate scale %v", st.Opt.LRScale)
	require.True(t, st.Opt.Backoff >= 0 && !math.IsInf(st.Opt.Backoff, 0), "back-off %v", st.Opt.Backoff)
	require.True(t, st.AvgN >= 0 && st.AvgN <= st.Iter, "average over %d iterates", st.AvgN)
	require.True(t, st.AvgN == 0 || st.Avg != nil, "average count without the average")
	require.GreaterOrEqual(t, st.AvgFrom, 0)
}

// FuzzLoadCheckpoint: LoadCheckpoint on any bytes returns an error or a
// state that steps, runs with averaging, a schedule and a stopping rule,
// deals minibatches, and saves and loads again, without a panic. With
// wrap set, the input is the payload and gets a valid envelope and
// checksum (mutations would otherwise stop at the checksum).
func FuzzLoadCheckpoint(f *testing.F) {
	tr := fuzzTrainer(f)
	dir := f.TempDir()
	st, plain := savedCheckpoint(f, tr, dir)
	mb, err := svi.NewMinibatches(5, 2, svi.NewRNG(4))
	require.NoError(f, err)
	st.Batches = mb
	st.Batches.Next()
	batched := filepath.Join(dir, "batched.ckpt")
	require.NoError(f, tr.SaveCheckpoint(batched, st))
	for _, p := range []string{plain, batched} {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b, false)
		pl := checkpointPayload(f, b)
		f.Add(pl, true)
		wrapped := filepath.Join(dir, "wrapped.ckpt") // the harness's envelope is a good checkpoint
		require.NoError(f, os.WriteFile(wrapped, checkpointEnvelope(pl), 0o644))
		_, err = tr.LoadCheckpoint(wrapped)
		require.NoError(f, err)
		f.Add(b[:len(b)/2], false)
	}
	for _, c := range craftedPayloads(f, plain) {
		f.Add(c, true)
	}
	f.Add([]byte(`{"format":"something","version":1}`), false)
	f.Add([]byte(`{"iter":-1}`), true)
	f.Add([]byte(`{}`), true)
	f.Add([]byte(``), false)
	f.Fuzz(func(t *testing.T, data []byte, wrap bool) {
		if wrap {
			data = checkpointEnvelope(data)
		}
		path := filepath.Join(dir, "fuzz.ckpt")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		st, err := tr.LoadCheckpoint(path)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "svi: "), "error %q", err)
			require.Contains(t, err.Error(), path)
			return
		}
		checkLoaded(t, st)
		again := filepath.Join(dir, "again.ckpt")
		require.NoError(t, tr.SaveCheckpoint(again, st))
		st2, err := tr.LoadCheckpoint(again)
		require.NoError(t, err)
		require.Equal(t, st.Iter, st2.Iter)
		if st.Batches != nil {
			for range 3 {
				for _, i := range st.Batches.Next() {
					require.True(t, i >= 0 && i < st.Batches.N)
				}
			}
		}
		_, _ = tr.Step(st2, nil)
		_, _ = svi.Run(context.Background(), tr, st, nil, fuzzSettings())
	})
}

// TestLoadCheckpointCountersIssue14: counters no run produces are refused
// with what is wrong (each loaded before, and then averaged with a
// negative count, stepped with a negative learning rate or divided by a
// zero bias correction).
func TestLoadCheckpointCountersIssue14(t *testing.T) {
	t.Parallel()
	tr := fuzzTrainer(t)
	dir := t.TempDir()
	_, plain := savedCheckpoint(t, tr, dir)
	b, err := os.ReadFile(plain)
	require.NoError(t, err)
	good := checkpointPayload(t, b)
	for i, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"negative iter", func(m map[string]any) { m["iter"], m["trace"] = -5, nil }, "negative step count (step -5,"},
		{"short trace", func(m map[string]any) { m["trace"] = []float64{1, 2} }, "the state has taken 30 steps but its loss trace holds 2"},
		{"optimizer step", func(m map[string]any) { m["opt_step"] = -1 }, "optimizer step -1,"},
		{"zero scale", func(m map[string]any) { m["lr_scale"] = 0 }, "learning-rate scale 0 is not positive"},
		{"negative back-off", func(m map[string]any) { m["backoff"] = -2 }, "guard back-off -2 is not positive"},
		{"negative average count", func(m map[string]any) { m["avg_n"] = -3 }, "-3 averaged from"},
		{"average count without average", func(m map[string]any) { delete(m, "avg") }, "running average over 15 iterates without the average"},
		{"negative averaging start", func(m map[string]any) { m["avg_from"] = -7 }, "averaged from -7)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(good, &m))
			tc.edit(m)
			pl, err := json.Marshal(m)
			require.NoError(t, err)
			path := filepath.Join(dir, fmt.Sprintf("crafted%d.ckpt", i))
			require.NoError(t, os.WriteFile(path, checkpointEnvelope(pl), 0o644))
			_, err = tr.LoadCheckpoint(path)
			assert.ErrorIs(t, err, svi.ErrCorruptCheckpoint)
			assert.ErrorContains(t, err, "svi: corrupt checkpoint: "+path+": ")
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
