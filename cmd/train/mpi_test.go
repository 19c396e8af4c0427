//go:build mpi

package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
)

// buildTrain builds cmd/train into a temporary folder, with the given tags.
func buildTrain(t *testing.T, tags string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "train")
	args := []string{"build", "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// mpirun returns the command running np copies of args under mpirun
// (oversubscribing this machine's cores, allowed to run as root), and
// skips the test when mpirun is not on the PATH.
func mpirun(t *testing.T, np int, args ...string) *exec.Cmd {
	t.Helper()
	path, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run this test")
	}
	cmd := exec.Command(path, append([]string{"-np", fmt.Sprint(np), "--oversubscribe"}, args...)...)
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
	return cmd
}

// TestBNNUnderMpirun fits the Boston data full batch in one process and on
// 2 MPI ranks, and checks that rank 0's report equals the one process's:
// with every rank's whole shard as its batch the averaged gradient is the
// one-process gradient up to the order of its sums (two partial sums of
// 202 rows instead of one of 404), about 1e-16 relative per step, and
// 60 Adam steps on this smooth problem keep it far below the tolerance
// 1e-9. The other ranks write nothing.
func TestBNNUnderMpirun(t *testing.T) {
	bin := buildTrain(t, "mpi")
	const tol = 1e-9 // relative; see above
	args := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "1000", "-steps", "60", "-lr", "0.01",
		"-draws", "100", "-diagnostic-draws", "100"}
	one, two := t.TempDir(), t.TempDir()
	out, err := exec.Command(bin, append(args, "-out", one)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := mpirun(t, 2, append(append([]string{bin}, args...), "-out", two)...)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	a, b := readReport(t, one), readReport(t, two)
	assert.Equal(t, 1.0, a["ranks"])
	assert.Equal(t, 2.0, b["ranks"])
	assert.Contains(t, b["shard_rule"], "[r·N/2, (r+1)·N/2)")
	for _, k := range []string{"test_rmse", "test_ll", "test_coverage95"} {
		want, got := a[k].(float64), b[k].(float64)
		assert.InDelta(t, want, got, tol*math.Abs(want), "%s", k)
	}
	da, db := a["diagnostics"].(map[string]any), b["diagnostics"].(map[string]any)
	for _, k := range []string{"elbo", "iwae"} {
		want, got := da[k].(float64), db[k].(float64)
		assert.InDelta(t, want, got, tol*math.Abs(want), "diagnostics.%s", k)
	}
	assert.Contains(t, string(out), "test RMSE", "rank 0's summary line")
	// mpirun -np 1 starts MPI with one rank: the one-process run, exactly.
	single := t.TempDir()
	out, err = mpirun(t, 1, append(append([]string{bin}, args...), "-out", single)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	c := readReport(t, single)
	assert.Equal(t, a["test_rmse"], c["test_rmse"], "mpirun -np 1")
	assert.Equal(t, 1.0, c["ranks"])
}

// TestMpirunRefusals: a binary built without the tag says so under
// mpirun, and commands that do not run data-parallel (lfm; trueskill, whose
// fit runs in one process) refuse naming those that do, with every rank
// ended.
func TestMpirunRefusals(t *testing.T) {
	plain := buildTrain(t, "")
	out, err := mpirun(t, 2, plain, "bnn", "-toy", "-out", t.TempDir()).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "built without -tags mpi")
	tagged := buildTrain(t, "mpi")
	for _, cmd := range []string{"lfm", "trueskill"} {
		out, err = mpirun(t, 2, tagged, cmd, "-out", t.TempDir()).CombinedOutput()
		assert.Error(t, err, cmd)
		assert.Contains(t, string(out), "train "+cmd+": runs in one process; under mpirun the commands that run data-parallel are blr, bnn, gmm, lda, vae (got 2 ranks)")
	}
	// Ranks started with different arguments (mpirun's MPMD syntax).
	out, err = mpirun(t, 1, tagged, "bnn", "-toy", "-steps", "5", "-out", t.TempDir(), ":", "-np", "1",
		tagged, "bnn", "-toy", "-steps", "6", "-out", t.TempDir()).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "were given different command lines")
	// A failure on rank 0 alone (its -out is under a file; the other rank
	// never opens -out and waits in the broadcast of the first weights)
	// must end the job with rank 0's error, not hang.
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	cmd := mpirun(t, 2, tagged, "bnn", "-toy", "-steps", "5", "-out", filepath.Join(file, "out"))
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, err = cmd.CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "train: rank 0 of 2:")
}

// caviMpirunTol compares a CAVI fit on P MPI ranks with the one-process
// fit, relative to max(1, |value|) (weights and responsibilities are at
// most 1): the fits differ only in the order of the sums over documents or
// points (the ranks' partial sums), about 1e-16 relative per sum, which
// coordinate ascent does not amplify (see the model packages'
// TestDataParallel).
const caviMpirunTol = 1e-10

// assertCloseAny compares two JSON numbers, or arrays of them nested to
// any depth, to caviMpirunTol relative to max(1, |want|).
func assertCloseAny(t *testing.T, want, got any, what string) {
	t.Helper()
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		require.True(t, ok, "%s: %v is not a number", what, got)
		assert.InDelta(t, w, g, caviMpirunTol*math.Max(1, math.Abs(w)), "%s", what)
	case []any:
		g, ok := got.([]any)
		require.True(t, ok && len(g) == len(w), "%s: %v and %v differ in shape", what, want, got)
		for i := range w {
			assertCloseAny(t, w[i], g[i], fmt.Sprintf("%s[%d]", what, i))
		}
	default:
		t.Fatalf("%s: unexpected JSON value %v", what, want)
	}
}

// TestLDAUnderMpirun fits the small two-theme corpus in one process and
// on 2 MPI ranks (9 training documents: shards of 4 and 5) and checks that
// rank 0's report has the one process's ELBO trace, held-out perplexity
// (which depends on every topic–word parameter) and topics.
func TestLDAUnderMpirun(t *testing.T) {
	corpus, vocab := writeLDACorpus(t, t.TempDir())
	args := []string{"lda", "-corpus", corpus, "-vocab", vocab, "-topics", "2", "-iters", "10", "-heldout", "0.25", "-seed", "1"}
	a, bs, outs := reportsOneAndRanks(t, args, 2)
	b := bs[0]
	assert.Equal(t, 1.0, a["ranks"])
	assert.Equal(t, 2.0, b["ranks"])
	assert.Contains(t, b["shard_rule"], "[r·D/2, (r+1)·D/2)")
	assert.Equal(t, 8.0*(2*6+1), b["allreduce_bytes_per_sweep"], "K·V + 1 float64s")
	require.Len(t, b["elbo_trace"], 10)
	assertCloseAny(t, a["elbo_trace"], b["elbo_trace"], "elbo_trace")
	assertCloseAny(t, a["heldout_perplexity"], b["heldout_perplexity"], "heldout_perplexity")
	assert.Equal(t, a["topics"], b["topics"])
	assert.Contains(t, outs[0], "report.json", "rank 0's summary line")
}

// TestGMMUnderMpirun fits Old Faithful (272 rows, K = 6) in one process
// and on 2 and 3 MPI ranks (shards of 136, and of 90, 91, 91 rows) and
// checks that rank 0's report has the one process's bound trace (so the
// same stopping iteration), weights, means and covariances.
func TestGMMUnderMpirun(t *testing.T) {
	args := []string{"gmm", "-data", "../../data/old_faithful/faithful.csv", "-k", "6", "-seed", "2"}
	againstOneProcess(t, args, func(a, b map[string]any, np int) {
		assert.Equal(t, 8.0*(6*(1+2+3)+1), b["allreduce_bytes_per_sweep"], "K(1 + D + D(D+1)/2) + 1 float64s")
		assert.Equal(t, a["iterations"], b["iterations"], "np %d", np)
		for _, k := range []string{"elbo_trace", "weights", "means", "covariances"} {
			assertCloseAny(t, a[k], b[k], fmt.Sprintf("np %d: %s", np, k))
		}
		assert.Equal(t, a["effective_indices"], b["effective_indices"], "np %d", np)
	})
}

// againstOneProcess runs the tagged binary with args in one process and
// under mpirun on 2 and 3 ranks, checks that each report records its
// ranks (and the shard rule), and hands the one-process report a and the
// P-rank report b to check.
func againstOneProcess(t *testing.T, args []string, check func(a, b map[string]any, np int)) {
	t.Helper()
	nps := []int{2, 3}
	a, bs, _ := reportsOneAndRanks(t, args, nps...)
	assert.Equal(t, 1.0, a["ranks"])
	for i, np := range nps {
		b := bs[i]
		assert.Equal(t, float64(np), b["ranks"])
		assert.Contains(t, b["shard_rule"], fmt.Sprintf("[r·N/%d, (r+1)·N/%d)", np, np))
		check(a, b, np)
	}
}

// reportsOneAndRanks runs the tagged binary with args in one process and
// under mpirun on each of nps ranks, and returns the one-process report,
// rank 0's report of each run and each run's output.
func reportsOneAndRanks(t *testing.T, args []string, nps ...int) (map[string]any, []map[string]any, []string) {
	t.Helper()
	bin := buildTrain(t, "mpi")
	one := t.TempDir()
	out, err := exec.Command(bin, append(args, "-out", one)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var bs []map[string]any
	var outs []string
	for _, np := range nps {
		dir := t.TempDir()
		out, err = mpirun(t, np, append(append([]string{bin}, args...), "-out", dir)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		bs, outs = append(bs, readReport(t, dir)), append(outs, string(out))
	}
	return readReport(t, one), bs, outs
}

// TestGMMSVIUnderMpirun: gmm -method svi (full batch) on 2 and 3 MPI
// ranks, each fitting its rows with the likelihood scaled by P and the
// gradients averaged, reaches the one process's ELBO trace, fit report
// and posterior summaries (weights, means, covariances over seeded draws
// of q) to 1e-10 relative (caviMpirunTol: only the order of the sums over
// points differs, about 1e-16 relative a step; see models/gmm
// TestSVIShardMatchesOneProcess); the report records the ranks.
func TestGMMSVIUnderMpirun(t *testing.T) {
	args := []string{"gmm", "-method", "svi", "-data", "../../data/old_faithful/faithful.csv", "-k", "3", "-standardize",
		"-steps", "300", "-seed", "2", "-diagnostic-draws", "100"}
	againstOneProcess(t, args, func(a, b map[string]any, np int) {
		assert.Equal(t, a["steps"], b["steps"], "np %d", np)
		for _, k := range []string{"elbo_trace", "weights", "means", "covariances"} {
			assertCloseAny(t, a[k], b[k], fmt.Sprintf("np %d: %s", np, k))
		}
		da, db := a["diagnostics"].(map[string]any), b["diagnostics"].(map[string]any)
		assertCloseAny(t, da["elbo"], db["elbo"], fmt.Sprintf("np %d: diagnostics.elbo", np))
	})
}

// TestBNNSplitsUnderMpirun: with minibatches the ranks deal stratified
// batches from their shards, another stream than one process's, so the
// fits differ; on 5 UCI yacht splits the fit on 2 ranks must reach the
// one-process test RMSE within the one-process split-to-split standard
// error (issue #18). Both reports score the same 5 test splits.
func TestBNNSplitsUnderMpirun(t *testing.T) {
	uci := datadir.Require(t, "uci_bnn/yacht")
	args := []string{"bnn", "-split-dir", uci, "-splits", "0-4", "-hidden", "50", "-batch", "32", "-epochs", "200", "-lr", "0.01",
		"-draws", "100", "-diagnostic-draws", "0", "-seed", "4"}
	a, bs, _ := reportsOneAndRanks(t, args, 2)
	b := bs[0]
	assert.Equal(t, 2.0, b["ranks"])
	assert.Equal(t, 5.0, b["splits"])
	ra, rb, se := a["test_rmse"].(float64), b["test_rmse"].(float64), a["test_rmse_se"].(float64)
	t.Logf("test RMSE: one process %.4f ± %.4f, 2 ranks %.4f ± %.4f", ra, se, rb, b["test_rmse_se"].(float64))
	assert.LessOrEqual(t, math.Abs(rb-ra), se, "2 ranks within the split-to-split standard error of one process")
	assert.NotEqual(t, ra, rb, "another batch stream: the fits are not the same")
}
