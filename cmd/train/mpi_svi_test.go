//go:build mpi

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runRanks runs the binary bin with args on np ranks (np = 1: without
// mpirun) and returns its combined output, failing the test on an error.
func runRanks(t *testing.T, bin string, np int, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if np > 1 {
		cmd = mpirun(t, np, append([]string{bin}, args...)...)
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%d ranks: %s", np, out)
	return string(out)
}

// TestBNNCheckpointUnderMpirun checks the checkpoint rule of
// bnn.DataParallel end to end on minibatches of the Boston data (no
// annealing, whose start depends on the planned steps). A fit of 40 steps
// on 2 ranks, stopped after 20 with a checkpoint (written by rank 0
// alone) and resumed on 2 ranks, equals the uninterrupted 2-rank fit bit
// for bit. The 2-rank checkpoint resumed in one process, and a one-process
// checkpoint resumed on 2 ranks, start from the checkpoint's weights: a
// resume that takes no further step scores the test rows exactly as the
// run that wrote it; and they run on to step 40.
func TestBNNCheckpointUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	common := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "64", "-lr", "0.01", "-anneal", "0",
		"-draws", "100", "-diagnostic-draws", "0", "-seed", "3"}
	dir := t.TempDir()
	fit := func(np int, name string, extra ...string) map[string]any {
		t.Helper()
		runRanks(t, bin, np, append(append(common, extra...), "-out", filepath.Join(dir, name))...)
		return readReport(t, filepath.Join(dir, name))
	}
	ckDir := t.TempDir()
	ck2, ck1 := filepath.Join(ckDir, "two.ckpt"), filepath.Join(ckDir, "one.ckpt")
	full := fit(2, "full", "-steps", "40")
	cut := fit(2, "cut", "-steps", "20", "-checkpoint", ck2, "-checkpoint-every", "10")
	entries, err := os.ReadDir(ckDir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "rank 0's checkpoint and nothing else")
	resumed := fit(2, "resumed", "-steps", "40", "-resume", ck2)
	for _, k := range []string{"test_rmse", "test_ll", "learning_rates"} {
		assert.Equal(t, full[k], resumed[k], "2 ranks resumed on 2: %s", k)
	}
	assert.Equal(t, 2.0, resumed["ranks"])

	at20 := fit(1, "one-from-two", "-steps", "20", "-resume", ck2)
	assert.Equal(t, cut["test_rmse"], at20["test_rmse"], "the 2-rank checkpoint's weights in one process")
	on := fit(1, "one-from-two-40", "-steps", "40", "-resume", ck2)
	assert.Equal(t, 1.0, on["ranks"])

	one := fit(1, "one-cut", "-steps", "20", "-checkpoint", ck1)
	two := fit(2, "two-from-one", "-steps", "20", "-resume", ck1)
	assert.Equal(t, one["test_rmse"], two["test_rmse"], "the one-process checkpoint's weights on 2 ranks")
	on = fit(2, "two-from-one-40", "-steps", "40", "-resume", ck1)
	assert.Equal(t, 2.0, on["ranks"])
}

// TestBLRUnderMpirun: SVI on Bayesian linear regression with the same seed
// on 2 ranks, each fitting half of the Boston rows every step (the union
// of their batches is the whole data), reaches the one process's final
// posterior to 1e-10 (only the order of the sums differs: two partial
// sums of 253 rows instead of one of 506, about 1e-16 relative a step on
// this convex problem); its report records the ranks and the shard rule.
func TestBLRUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	const tol = 1e-10 // relative; see above
	args := []string{"blr", "-data", boston, "-standardize", "-steps", "400", "-lr", "0.02", "-seed", "5", "-diagnostic-draws", "100"}
	dir := t.TempDir()
	runRanks(t, bin, 1, append(args, "-out", filepath.Join(dir, "one"))...)
	out := runRanks(t, bin, 2, append(args, "-out", filepath.Join(dir, "two"))...)
	assert.Contains(t, out, "blr svi: ELBO", "rank 0's summary line")
	a, b := readReport(t, filepath.Join(dir, "one")), readReport(t, filepath.Join(dir, "two"))
	assert.Equal(t, 1.0, a["ranks"])
	assert.Equal(t, 2.0, b["ranks"])
	assert.Contains(t, b["shard_rule"], "[r·N/2, (r+1)·N/2)")
	pa, pb := a["posterior"].(map[string]any), b["posterior"].(map[string]any)
	for _, k := range []string{"mean", "std"} {
		want, got := pa[k].([]any), pb[k].([]any)
		require.Len(t, got, len(want))
		for i := range want {
			w, g := want[i].(float64), got[i].(float64)
			assert.InDelta(t, w, g, tol*(1+math.Abs(w)), "posterior %s[%d]", k, i)
		}
	}
	ta, tb := a["elbo_trace"].([]any), b["elbo_trace"].([]any)
	require.Len(t, tb, len(ta))
	for i := range ta {
		w, g := ta[i].(float64), tb[i].(float64)
		assert.InDelta(t, w, g, tol*(1+math.Abs(w)), "ELBO of step %d", i+1)
	}
}

// rankPID returns the pid of the process running bin as MPI rank r, or 0.
func rankPID(bin string, r int) int {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	want := []byte(fmt.Sprintf("OMPI_COMM_WORLD_RANK=%d\x00", r))
	for _, p := range procs {
		exe, err := os.Readlink(filepath.Join(p, "exe"))
		if err != nil || exe != bin {
			continue
		}
		env, err := os.ReadFile(filepath.Join(p, "environ"))
		if err == nil && bytes.Contains(env, want) {
			var pid int
			fmt.Sscan(filepath.Base(p), &pid)
			return pid
		}
	}
	return 0
}

// TestMpirunRankKilled: rank 1 of a long bnn fit on 2 ranks is killed
// (SIGKILL) once rank 0 has written a checkpoint. The job must end with
// an error within a minute, leave no report, and the last checkpoint
// rank 0 wrote must be intact: it loads, and a one-process fit resumes it.
func TestMpirunRankKilled(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("needs /proc to find rank 1's process")
	}
	bin := buildTrain(t, "mpi")
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "64", "-draws", "100", "-diagnostic-draws", "0",
		"-checkpoint-every", "25", "-checkpoint", ck}
	cmd := mpirun(t, 2, append([]string{bin}, append(args, "-steps", "1000000", "-out", out)...)...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(ck); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no checkpoint after 2 minutes: %s", buf.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	pid := rankPID(bin, 1)
	require.NotZero(t, pid, "rank 1's process")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	killed := time.Now()
	select {
	case err := <-done:
		assert.Error(t, err, "mpirun must fail when a rank dies: %s", buf.String())
		t.Logf("mpirun ended %.1f s after the kill", time.Since(killed).Seconds())
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("mpirun still running a minute after rank 1 was killed: %s", buf.String())
	}
	_, err := os.Stat(filepath.Join(out, "report.json"))
	assert.True(t, os.IsNotExist(err), "no report from a failed run")
	// The checkpoint is whole: its step, and a resume to that step.
	raw, err := os.ReadFile(ck)
	require.NoError(t, err)
	var c struct {
		Payload struct {
			Iter int `json:"iter"`
		} `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(raw, &c))
	require.Positive(t, c.Payload.Iter)
	assert.Zero(t, c.Payload.Iter%25, "a checkpoint of the -checkpoint-every schedule")
	runRanks(t, bin, 1, append(args[:len(args)-4], "-resume", ck, "-steps", fmt.Sprint(c.Payload.Iter), "-out", t.TempDir())...)
}

// TestMpirunDataMissingOnOneRank: each rank reads -data itself; when the
// file is missing on one rank (here: the ranks start in different folders
// and -data is relative), the job fails with that rank's error naming the
// file, for bnn and blr alike.
func TestMpirunDataMissingOnOneRank(t *testing.T) {
	bin := buildTrain(t, "mpi")
	have, lack := t.TempDir(), t.TempDir()
	raw, err := os.ReadFile(boston)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(have, "rows.csv"), raw, 0o644))
	for _, cmdArgs := range [][]string{
		{"bnn", "-data", "rows.csv", "-hidden", "4", "-steps", "5", "-draws", "10", "-diagnostic-draws", "0"},
		{"blr", "-data", "rows.csv", "-steps", "5"},
	} {
		args := append(cmdArgs, "-out", filepath.Join(t.TempDir(), "out"))
		app := func(wdir string) []string {
			return append([]string{"-np", "1", "-wdir", wdir, bin}, args...)
		}
		mpi := append(app(have), ":")
		mpi = append(mpi, app(lack)...)
		cmd := mpirun(t, 1, mpi[2:]...) // mpirun's own -np 1 opens the first app context
		timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
		out, err := cmd.CombinedOutput()
		timer.Stop()
		assert.Error(t, err, "%s", cmdArgs[0])
		assert.Contains(t, string(out), "train: rank 1 of 2: train "+cmdArgs[0], "%s: the failing rank is named", cmdArgs[0])
		assert.True(t, strings.Contains(string(out), "open rows.csv: no such file"), "%s: the missing file is named: %s", cmdArgs[0], out)
	}
}

// TestSVICheckpointsUnderMpirun: the shared SVI path's checkpoints on 2
// ranks (rank 0 writes). blr (full batch) and vae (minibatches): a fit
// stopped halfway and resumed on 2 ranks equals the uninterrupted 2-rank
// fit bit for bit, and one process resumes the checkpoint too (vae on any
// P: TestVAECheckpointAnyPUnderMpirun).
func TestSVICheckpointsUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		args       []string
		cut, steps string
		same       []string // report keys equal after the resume on 2 ranks
	}{
		{name: "blr", args: []string{"blr", "-data", boston, "-standardize", "-seed", "2", "-diagnostic-draws", "100"},
			cut: "200", steps: "400", same: []string{"elbo_trace", "posterior"}},
		{name: "vae", args: vaeMpiArgs, cut: "30", steps: "60", same: []string{"elbo_trace", "test_elbo"}},
	} {
		ck := filepath.Join(dir, tc.name+".ckpt")
		out := func(s string) string { return filepath.Join(dir, tc.name+"-"+s) }
		runRanks(t, bin, 2, append(tc.args, "-steps", tc.steps, "-out", out("full"))...)
		runRanks(t, bin, 2, append(tc.args, "-steps", tc.cut, "-checkpoint", ck, "-out", out("cut"))...)
		runRanks(t, bin, 2, append(tc.args, "-steps", tc.steps, "-resume", ck, "-out", out("resumed"))...)
		full, resumed := readReport(t, out("full")), readReport(t, out("resumed"))
		for _, k := range tc.same {
			require.NotNil(t, full[k], "%s: %s", tc.name, k)
			assert.Equal(t, full[k], resumed[k], "%s: %s after resuming on 2 ranks", tc.name, k)
		}
		assert.Equal(t, 2.0, resumed["ranks"], tc.name)
		runRanks(t, bin, 1, append(tc.args, "-steps", tc.steps, "-resume", ck, "-out", out("one"))...)
	}
}

// vaeMpiArgs are the flags of the small vae fits of the mpirun tests.
var vaeMpiArgs = []string{"vae", "-data", digits, "-hidden", "16", "-batch", "64", "-k", "1,10", "-gap-rows", "0"}

// TestVAECheckpointAnyPUnderMpirun: a vae checkpoint resumes on any number
// of ranks (the local latents' rows are each rank's share of the batch,
// which a checkpoint does not fix). The 2-rank checkpoint of step 30,
// resumed in one process and on 3 ranks, and a one-process checkpoint
// resumed on 2 ranks: a resume that takes no further step scores the test
// images exactly as the run that wrote the checkpoint (the same weights,
// to the last bit), and a resume to step 60 keeps the checkpoint's first
// 30 ELBOs and takes 30 more steps.
func TestVAECheckpointAnyPUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	dir := t.TempDir()
	out := func(s string) string { return filepath.Join(dir, s) }
	ck2, ck1 := out("two.ckpt"), out("one.ckpt")
	runRanks(t, bin, 2, append(vaeMpiArgs, "-steps", "30", "-checkpoint", ck2, "-out", out("cut2"))...)
	runRanks(t, bin, 1, append(vaeMpiArgs, "-steps", "30", "-checkpoint", ck1, "-out", out("cut1"))...)
	for _, tc := range []struct {
		name, ck, cut string
		np            int
	}{
		{"2 ranks in one process", ck2, "cut2", 1},
		{"2 ranks on 3", ck2, "cut2", 3},
		{"one process on 2 ranks", ck1, "cut1", 2},
	} {
		cut := readReport(t, out(tc.cut))
		name := strings.ReplaceAll(tc.name, " ", "-")
		runRanks(t, bin, tc.np, append(vaeMpiArgs, "-steps", "30", "-resume", tc.ck, "-out", out(name+"-30"))...)
		at := readReport(t, out(name+"-30"))
		for _, k := range []string{"test_elbo", "test_iwae", "elbo_trace"} {
			require.NotNil(t, cut[k], k)
			assert.Equal(t, cut[k], at[k], "%s: %s of the checkpoint's weights", tc.name, k)
		}
		runRanks(t, bin, tc.np, append(vaeMpiArgs, "-steps", "60", "-resume", tc.ck, "-out", out(name+"-60"))...)
		on := readReport(t, out(name+"-60"))
		assert.Equal(t, float64(tc.np), on["ranks"], tc.name)
		trace := on["elbo_trace"].([]any)
		require.Len(t, trace, 60, tc.name)
		assert.Equal(t, cut["elbo_trace"], trace[:30], "%s: the checkpoint's steps", tc.name)
	}
}

// TestBNNSelectUnderMpirun: -select epochs, full batch, on 2 ranks makes
// the choice one process makes, and the refit scores the test rows alike:
// the fits follow the one-process fits up to the order of the sums (see
// TestBNNUnderMpirun), 1e-8 relative leaving room for 2×20 steps and the
// refit.
func TestBNNSelectUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	const tol = 1e-8 // relative; see above
	args := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "1000", "-lr", "0.01", "-select", "epochs",
		"-epochs", "20", "-checks", "4", "-draws", "100", "-diagnostic-draws", "0"}
	dir := t.TempDir()
	runRanks(t, bin, 1, append(args, "-out", filepath.Join(dir, "one"))...)
	runRanks(t, bin, 2, append(args, "-out", filepath.Join(dir, "two"))...)
	a, b := readReport(t, filepath.Join(dir, "one")), readReport(t, filepath.Join(dir, "two"))
	assert.Equal(t, 2.0, b["ranks"])
	sa, sb := a["per_split"].([]any)[0].(map[string]any), b["per_split"].([]any)[0].(map[string]any)
	require.NotNil(t, sa["validation"])
	assert.Equal(t, len(sa["validation"].([]any)), len(sb["validation"].([]any)), "validation scores")
	assert.Equal(t, sa["epochs"], sb["epochs"], "the chosen epochs")
	for _, k := range []string{"test_rmse", "test_ll"} {
		want, got := a[k].(float64), b[k].(float64)
		assert.InDelta(t, want, got, tol*math.Abs(want), "%s", k)
	}
}

// TestMpirunDivergenceSavesLastGoodState: an error every rank meets at the
// same step (here the divergence guard gives up on a learning rate of
// 1e30, on every rank alike since they step on the same averaged
// gradient) lets rank 0 save the last good state before the job ends,
// although no periodic checkpoint fell due: the other ranks wait
// abortGrace before MPI_Abort. (Without the wait, rank 1's abort ended the
// job before rank 0 saved, in 5 runs of 5.)
func TestMpirunDivergenceSavesLastGoodState(t *testing.T) {
	bin := buildTrain(t, "mpi")
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	args := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "64", "-steps", "300", "-draws", "10",
		"-diagnostic-draws", "0", "-checkpoint-every", "100000"}
	cmd := mpirun(t, 2, append([]string{bin}, append(args, "-lr", "1e30", "-checkpoint", ck, "-out", t.TempDir())...)...)
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	out, err := cmd.CombinedOutput()
	timer.Stop()
	require.Error(t, err)
	assert.Contains(t, string(out), "the fit diverged")
	assert.Contains(t, string(out), "the last good state is saved in "+ck)
	_, err = os.Stat(ck)
	require.NoError(t, err, "rank 0's last good state: %s", out)
	// It loads: one process resumes it at a sane learning rate.
	runRanks(t, bin, 1, append(args, "-lr", "0.01", "-steps", "5", "-resume", ck, "-out", t.TempDir())...)
}

// lockedBuffer is a bytes.Buffer that a running command writes while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stoppedAfter matches the step count in an interrupted fit's error.
var stoppedAfter = regexp.MustCompile(`stopped after (\d+) steps: context canceled`)

// TestInterruptUnderMpirun: SIGINT or SIGTERM sent to mpirun in the middle
// of a long `train bnn` fit with -checkpoint (no periodic checkpoint
// falls due) ends the job within 30 s; both ranks report stopping after
// the same step, agreed (svi.ErrStoppedTogether), rank 0 saved the
// checkpoint of that step, no report is written, and the checkpoint is
// intact: one process resumes it. A one-process run sent the same signal
// behaves alike: an error naming the step, the checkpoint of that step,
// no report.
func TestInterruptUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	args := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "64", "-draws", "100", "-diagnostic-draws", "0",
		"-checkpoint-every", "1000000"}
	for _, tc := range []struct {
		name string
		np   int
		sig  syscall.Signal
	}{
		{"mpirun SIGINT", 2, syscall.SIGINT},
		{"mpirun SIGTERM", 2, syscall.SIGTERM},
		{"one process SIGINT", 1, syscall.SIGINT},
		{"one process SIGTERM", 1, syscall.SIGTERM},
	} {
		dir := t.TempDir()
		ck, out := filepath.Join(dir, "fit.ckpt"), filepath.Join(dir, "out")
		full := append(slices.Clone(args), "-checkpoint", ck, "-steps", "1000000", "-out", out)
		cmd := exec.Command(bin, full...)
		if tc.np > 1 {
			cmd = mpirun(t, tc.np, append([]string{bin}, full...)...)
		}
		var buf lockedBuffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		require.NoError(t, cmd.Start(), tc.name)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.Now().Add(2 * time.Minute)
		for !strings.Contains(buf.String(), "steps/s") { // rank 0's progress: the fit is under way
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("%s: no progress after 2 minutes: %s", tc.name, buf.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(tc.sig), tc.name)
		sent := time.Now()
		select {
		case err := <-done:
			assert.Error(t, err, "%s: an interrupted run fails", tc.name)
			t.Logf("%s: ended %.1f s after the signal", tc.name, time.Since(sent).Seconds())
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%s: still running 30 s after the signal: %s", tc.name, buf.String())
		}
		log := buf.String()
		var steps []string
		for _, m := range stoppedAfter.FindAllStringSubmatch(log, -1) {
			steps = append(steps, m[1])
		}
		require.NotEmpty(t, steps, "%s: %s", tc.name, log)
		if tc.np > 1 {
			for r := range tc.np {
				assert.Regexp(t, fmt.Sprintf(`train: rank %d of %d: .*stopped after %s steps: context canceled \(svi: the ranks stopped together`, r, tc.np, steps[0]), log,
					"%s: rank %d stopped at rank 0's step", tc.name, r)
			}
		}
		assert.Contains(t, log, "the last good state is saved in "+ck, tc.name)
		_, err := os.Stat(filepath.Join(out, "report.json"))
		assert.True(t, os.IsNotExist(err), "%s: no report from an interrupted run", tc.name)
		raw, err := os.ReadFile(ck)
		require.NoError(t, err, tc.name)
		var c struct {
			Payload struct {
				Iter int `json:"iter"`
			} `json:"payload"`
		}
		require.NoError(t, json.Unmarshal(raw, &c), tc.name)
		assert.Equal(t, steps[0], fmt.Sprint(c.Payload.Iter), "%s: the checkpoint of the step the ranks stopped at", tc.name)
		runRanks(t, bin, 1, append(slices.Clone(args), "-resume", ck, "-steps", fmt.Sprint(c.Payload.Iter+5), "-out", t.TempDir())...)
	}
}
