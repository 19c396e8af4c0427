package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPreflightErrors: what a run reads and writes is checked before the
// first step (here -steps 10⁹ would never end), and the error names the
// flag (issue 14, item 6).
func TestPreflightErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "file.txt", "x")
	out := filepath.Join(dir, "out")
	long := []string{"-steps", "1000000000", "-stop=false"}
	blr := slices.Clip(slices.Concat([]string{"blr", "-data", boston, "-standardize"}, long))
	ts := slices.Clip(slices.Concat([]string{"trueskill", "-matches", football, "-p1", "home", "-p2", "away", "-result", "result"}, long))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"out is a file", append(blr, "-out", file), "train blr: -out " + file + ": not a folder"},
		{"out below a file", append(blr, "-out", filepath.Join(file, "x")), "train blr: -out " + filepath.Join(file, "x") + ": "},
		{"checkpoint folder missing", append(blr, "-checkpoint", filepath.Join(dir, "no", "fit.ckpt"), "-out", out),
			"train blr: -checkpoint " + filepath.Join(dir, "no", "fit.ckpt") + ": its folder: "},
		{"checkpoint folder a file", append(blr, "-checkpoint", filepath.Join(file, "fit.ckpt"), "-out", out), "its folder: not a folder"},
		{"checkpoint a folder", append(blr, "-checkpoint", dir, "-out", out), "train blr: -checkpoint " + dir + ": not a regular file"},
		{"resume missing", append(blr, "-resume", filepath.Join(dir, "none.ckpt"), "-out", out), "train blr: -resume: open "},
		{"resume a folder", append(blr, "-resume", dir, "-out", out), "train blr: -resume " + dir + ": is a folder"},
		{"gmm checkpoint", []string{"gmm", "-method", "svi", "-data", boston, "-steps", "1000000000", "-checkpoint", filepath.Join(dir, "no", "c"), "-out", out}, "train gmm: -checkpoint "},
		{"vae resume", []string{"vae", "-data", vaeDigits, "-steps", "1000000000", "-resume", dir, "-out", out}, "train vae: -resume "},
		{"bnn checkpoint", []string{"bnn", "-toy", "-steps", "1000000000", "-checkpoint", filepath.Join(dir, "no", "c"), "-out", out}, "train bnn: -checkpoint "},
		{"trueskill test missing", append(ts, "-test", filepath.Join(dir, "none.csv"), "-out", out), "(-test file)"},
		{"trueskill test unknown player", append(ts, "-test", writeFile(t, dir, "t.csv", "home,away,result\nArs,Nobody,1\n"), "-out", out),
			`t.csv:2: unknown player "Nobody", not in the fixed player list (column 2) (-test file; use -unknown skip or -unknown prior)`},
		{"trueskill test bad row", append(ts, "-test", writeFile(t, dir, "bad.csv", "home,away,result\nArs,Che,7\n"), "-unknown", "prior", "-out", out),
			"bad.csv:2: "},
	} {
		// One at a time: the cases share the -out folder, whose lock a
		// concurrent case would hold.
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := runCmd(tc.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, stderr, "steps/s", "no step taken")
			assert.NoDirExists(t, out, "no output folder left behind")
		})
	}
}

// TestOutNotWritable: a folder the run cannot write in is refused before
// any work (root writes anywhere: skipped).
func TestOutNotWritable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root bypasses file permissions")
	}
	ro := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.Mkdir(ro, 0o555))
	_, _, err := runCmd("blr", "-data", boston, "-steps", "1000000000", "-out", ro)
	assert.ErrorContains(t, err, "train blr: -out "+ro+": ")
	assert.ErrorContains(t, err, "permission denied")
}

// TestCheckpointKept: a run that fails does not replace an earlier fit's
// checkpoint: its last good state goes to <checkpoint>.pending, which a
// run that succeeds renames onto the checkpoint; a run resumed from the
// checkpoint writes it directly.
func TestCheckpointKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ck := filepath.Join(dir, "fit.ckpt")
	args := slices.Clip([]string{"blr", "-data", boston, "-standardize", "-steps", "200", "-checkpoint", ck, "-out", filepath.Join(dir, "out")})
	_, _, err := runCmd(args...)
	require.NoError(t, err)
	good := hashDir(t, dir)[filepath.Base(ck)]

	_, _, err = runCmd(append(args, "-lr", "1e6")...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the last good state is saved in "+ck+pendingSuffix+"; "+ck+", an earlier fit's checkpoint, is kept")
	assert.Equal(t, good, hashDir(t, dir)[filepath.Base(ck)], "the earlier checkpoint is kept")
	assert.FileExists(t, ck+pendingSuffix)

	// The pending state resumes; the run writes to it, and at the end it
	// replaces the checkpoint.
	_, stderr, err := runCmd(append(args, "-steps", "300", "-resume", ck+pendingSuffix)...)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "resumed from "+ck+pendingSuffix)
	assert.NoFileExists(t, ck+pendingSuffix)
	assert.NotEqual(t, good, hashDir(t, dir)[filepath.Base(ck)])

	// Resumed from the checkpoint itself: the run continues that fit and
	// saves its last good state there.
	_, _, err = runCmd(append(args, "-steps", "400", "-resume", ck, "-lr", "1e6")...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the last good state is saved in "+ck+")")
	assert.NoFileExists(t, ck+pendingSuffix)
	assert.FileExists(t, ck)
}

// TestLearningRateReported: the report holds the learning rate asked for
// and the one the last step used, after the guard's cuts (issue 14, item
// 10), and the retries are shown on stderr as they happen.
func TestLearningRateReported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// At -lr 100 the guard rolls back one step around step 50 and goes on
	// at half the rate.
	_, stderr, err := runCmd("blr", "-data", boston, "-standardize", "-steps", "300", "-lr", "100", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "the divergence guard has rolled back 1 non-finite step(s) so far; going on at 0.5 × the learning rate")
	assert.Contains(t, stderr, "the divergence guard rolled back 1 non-finite step(s) in all; the last step used the learning rate 50 (-lr 100 × 0.5)")
	rep := readReport(t, dir)
	assert.Equal(t, map[string]any{"asked": 100.0, "final": 50.0, "scale": 0.5, "guard_backoff": 0.5}, rep["learning_rate"])
	assert.Equal(t, 1.0, rep["guard_retries"])

	dir = t.TempDir()
	_, stderr, err = runCmd("blr", "-data", boston, "-standardize", "-steps", "200", "-out", dir)
	require.NoError(t, err)
	assert.NotContains(t, stderr, "divergence guard")
	lr := readReport(t, dir)["learning_rate"].(map[string]any)
	assert.Equal(t, 0.01, lr["asked"])
	assert.Equal(t, 1.0, lr["guard_backoff"])
	assert.Equal(t, lr["asked"].(float64)*lr["scale"].(float64), lr["final"])
	_, err = os.Stat(filepath.Join(dir, "elbo.png"))
	assert.NoError(t, err)
}
