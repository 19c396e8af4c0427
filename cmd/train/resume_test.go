package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// cancelOnProgress is a stderr that cancels its context at the first
// progress line, as Ctrl-C would part-way through a fit.
type cancelOnProgress struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnProgress) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte("step ")) {
		w.cancel()
	}
	return w.buf.Write(p)
}

// fitResult reads what a finished run reports, without its timings and
// paths: the figures a resumed run must reproduce to the last bit.
func fitResult(t *testing.T, dir string) map[string]any {
	t.Helper()
	m := readReport(t, dir)
	var strip func(v any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if strings.Contains(k, "second") || strings.Contains(k, "time") || strings.Contains(k, "per_second") || k == "out" || k == "plot" || k == "checkpoint" || k == "resume" {
					delete(x, k)
					continue
				}
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(m)
	return m
}

// TestResumeMatrixCommands: for every command that resumes, with its
// default flags (the stopping rule, averaging and the plateau schedule, or
// bnn's annealing), a run cut part-way — by a cancelled context, as Ctrl-C
// does, or by a smaller -steps where the plan does not depend on the step
// budget — and resumed from its checkpoint with the same command ends with
// the report of the straight run, to the last bit.
func TestResumeMatrixCommands(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		total int
		cuts  []int // -steps limits; 0 means a cancelled context
	}{
		// blr's default run converges near step 3,500; 2,750 falls on its
		// first plateau, inside the averaging window.
		{"blr", []string{"blr", "-data", boston, "-standardize", "-seed", "3"}, 5000, []int{1200, 2750, 0}},
		{"gmm", []string{"gmm", "-data", "../../data/old_faithful/faithful.csv", "-method", "svi", "-k", "3", "-standardize", "-diagnostic-draws", "100"}, 700, []int{300, 0}},
		{"trueskill", []string{"trueskill", "-matches", "../../data/football_epl/football.csv", "-p1", "home", "-p2", "away", "-result", "result"}, 3000, []int{1700, 0}},
		// bnn: 1,000 epochs (about 15,000 steps), so that the fit outlasts
		// the first progress line (500 ms) on a fast machine too.
		{"bnn", []string{"bnn", "-data", boston, "-epochs", "1000", "-diagnostic-draws", "100", "-draws", "100"}, 0, []int{0}},
		{"vae", []string{"vae", "-data", "../../data/digits_8x8/digits.csv", "-epochs", "3", "-test-rows", "50"}, 0, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := func(n int) []string {
				if n == 0 {
					return nil
				}
				return []string{"-steps", strconv.Itoa(n)}
			}
			straight := t.TempDir()
			_, _, err := runCmd(append(append(tc.args, steps(tc.total)...), "-out", straight)...)
			require.NoError(t, err)
			want := fitResult(t, straight)
			for _, cut := range tc.cuts {
				dir := t.TempDir()
				ck := filepath.Join(dir, "fit.ckpt")
				first := append(append([]string{}, tc.args...), "-checkpoint", ck, "-out", filepath.Join(dir, "first"))
				if cut > 0 {
					_, _, err = runCmd(append(first, steps(cut)...)...)
					require.NoError(t, err)
				} else {
					ctx, cancel := context.WithCancel(context.Background())
					w := &cancelOnProgress{cancel: cancel}
					err = run(ctx, append(first, steps(tc.total)...), &bytes.Buffer{}, w)
					cancel()
					require.ErrorIs(t, err, context.Canceled, "the first leg must be cut: %s", w.buf.String())
				}
				out := filepath.Join(dir, "resumed")
				_, _, err = runCmd(append(append(append([]string{}, tc.args...), steps(tc.total)...), "-checkpoint", ck, "-resume", ck, "-out", out)...)
				require.NoError(t, err)
				require.Equal(t, want, fitResult(t, out), "cut at %d", cut)
			}
		})
	}
}
