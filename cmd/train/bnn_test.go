package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
)

const digits = "../../data/digits_8x8/digits.csv"

func TestBNNCommandRegression(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr, err := runCmd("bnn", "-data", boston, "-steps", "300", "-lr", "0.01", "-particles", "2", "-draws", "200", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "steps/s")
	assert.Contains(t, stdout, "test RMSE")
	rep := readReport(t, dir)
	for _, k := range []string{"test_rmse", "test_ll", "train_seconds", "test_coverage95", "per_split", "steps_per_second", "diagnostics"} {
		assert.Contains(t, rep, k)
	}
	// A 300-step fit is rough; the bounds only catch unit mistakes (the
	// target's sd is 9.2, so a fit in standardized units would give RMSE ≈ 1
	// and a plug-in of unscaled predictions RMSE ≈ 22).
	assert.Less(t, rep["test_rmse"].(float64), 8.0)
	assert.Greater(t, rep["test_rmse"].(float64), 1.5)
	assert.Greater(t, rep["test_ll"].(float64), -4.0)
	assert.NotContains(t, rep, "test_accuracy")
}

// TestBNNCommandDVI: -estimator dvi fits with one particle unless
// -particles is given, and records the estimator.
func TestBNNCommandDVI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := runCmd("bnn", "-data", boston, "-estimator", "dvi", "-steps", "300", "-lr", "0.01", "-draws", "200", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stdout, "test RMSE")
	rep := readReport(t, dir)
	assert.Equal(t, "dvi", rep["estimator"])
	assert.Equal(t, 1.0, rep["particles"])
	// The bounds of TestBNNCommandRegression: unit mistakes only.
	assert.Less(t, rep["test_rmse"].(float64), 8.0)
	assert.Greater(t, rep["test_ll"].(float64), -4.0)
	_, _, err = runCmd("bnn", "-data", boston, "-estimator", "dvi", "-particles", "2", "-steps", "5", "-draws", "10", "-diagnostic-draws", "0", "-out", dir)
	require.NoError(t, err)
	assert.Equal(t, 2.0, readReport(t, dir)["particles"])
}

func TestBNNCommandClassification(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := runCmd("bnn", "-data", digits, "-task", "classification", "-steps", "400", "-lr", "0.01",
		"-particles", "2", "-draws", "100", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stdout, "test accuracy")
	rep := readReport(t, dir)
	for _, k := range []string{"test_accuracy", "test_nll", "ece", "train_seconds"} {
		assert.Contains(t, rep, k)
	}
	assert.Greater(t, rep["test_accuracy"].(float64), 0.8, "400 steps already separate most digits")
	assert.NotContains(t, rep, "test_rmse")
}

func TestBNNCommandToy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, err := runCmd("bnn", "-toy", "-steps", "300", "-lr", "0.01", "-particles", "1", "-draws", "100",
		"-noise-shape", "1", "-noise-rate", "0.01", "-out", dir)
	require.NoError(t, err)
	st, err := os.Stat(filepath.Join(dir, "toy.png"))
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(1000))
	rep := readReport(t, dir)
	toy := rep["toy"].(map[string]any)
	assert.Greater(t, toy["sd_outside"].(float64), toy["sd_inside"].(float64), "the band widens away from the data")
}

func TestBNNCommandSplitDir(t *testing.T) {
	t.Parallel()
	uci := datadir.Require(t, "uci_bnn/yacht")
	dir := t.TempDir()
	_, stderr, err := runCmd("bnn", "-split-dir", uci, "-splits", "0-1", "-epochs", "20", "-particles", "1",
		"-select", "noise", "-checks", "2", "-draws", "100", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "validation cut of the training split")
	rep := readReport(t, dir)
	assert.Equal(t, 2.0, rep["splits"])
	assert.Contains(t, rep, "test_rmse_se")
	assert.Contains(t, rep, "test_ll_se")
	per := rep["per_split"].([]any)
	require.Len(t, per, 2)
	s0 := per[0].(map[string]any)
	assert.Equal(t, 277.0, s0["n_train"])
	assert.Equal(t, 31.0, s0["n_test"])
	assert.Len(t, s0["validation"].([]any), 4, "two candidates × two checkpoints")
}

func TestBNNCommandErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, s string) string { return writeFile(t, dir, name, s) }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no out", []string{"bnn", "-toy"}, "-out is required"},
		{"no data", []string{"bnn", "-out", dir}, "exactly one of -data, -idx, -split-dir and -toy"},
		{"two sources", []string{"bnn", "-toy", "-data", boston, "-out", dir}, "exactly one of"},
		{"one index", []string{"bnn", "-data", boston, "-train-index", "x", "-out", dir}, "go together"},
		{"activation", []string{"bnn", "-toy", "-activation", "gelu", "-out", dir}, `unknown activation "gelu"`},
		{"task", []string{"bnn", "-toy", "-task", "ranking", "-out", dir}, `unknown task "ranking"`},
		{"hidden list", []string{"bnn", "-toy", "-hidden", "50,x", "-out", dir}, "not a list of integers"},
		{"hidden zero in a list", []string{"bnn", "-toy", "-hidden", "5,0", "-out", dir}, "-hidden: a layer of 0 units"},
		{"particles", []string{"bnn", "-toy", "-particles", "0", "-out", dir}, "-particles must be at least 1"},
		{"select", []string{"bnn", "-toy", "-select", "grid", "-out", dir}, `unknown -select "grid"`},
		{"select and steps", []string{"bnn", "-toy", "-select", "epochs", "-steps", "10", "-out", dir}, "cannot be combined"},
		{"toy classification", []string{"bnn", "-toy", "-task", "classification", "-out", dir}, "regression problem"},
		{"nan", []string{"bnn", "-data", write("nan.csv", "1,2\nnan,3\n4,5\n"), "-out", dir}, "not a finite number"},
		{"one column", []string{"bnn", "-data", write("one.csv", "1\n2\n3\n"), "-out", dir}, "need inputs and a target"},
		{"ragged", []string{"bnn", "-data", write("ragged.csv", "1,2,3\n4,5\n"), "-out", dir}, "line 2 has 2 fields, want 3"},
		{"labels", []string{"bnn", "-data", write("lab.csv", "1,0.5\n2,1\n3,0\n4,1\n5,0\n"), "-task", "classification", "-steps", "1", "-out", dir}, "class labels must be integers"},
		{"bad splits", []string{"bnn", "-split-dir", "/nonexistent", "-out", dir}, "no such file"},
		{"guide", []string{"bnn", "-toy", "-guide", "laplace", "-out", dir}, `unknown -guide "laplace"`},
		{"estimator", []string{"bnn", "-toy", "-estimator", "elbo", "-steps", "1", "-out", dir}, `-estimator: unknown "elbo" (want trace, entropy, kl, stl, iwae or dvi)`},
		{"dvi classification", []string{"bnn", "-data", digits, "-task", "classification", "-estimator", "dvi", "-steps", "1", "-out", dir}, "the dvi estimator needs regression"},
		{"dvi tanh", []string{"bnn", "-toy", "-activation", "tanh", "-estimator", "dvi", "-steps", "1", "-out", dir}, "the dvi estimator needs relu"},
		{"dvi lowrank", []string{"bnn", "-toy", "-guide", "lowrank", "-estimator", "dvi", "-steps", "1", "-out", dir}, "the dvi estimator needs the meanfield guide"},
		{"rank", []string{"bnn", "-toy", "-guide", "lowrank", "-rank", "0", "-out", dir}, "-rank and -checkpoint-every"},
		{"kl of a joint guide", []string{"bnn", "-toy", "-guide", "fullrank", "-estimator", "kl", "-hidden", "3", "-steps", "1", "-out", dir}, "factorizes over sites"},
		{"local with lowrank", []string{"bnn", "-toy", "-local-reparam", "-guide", "lowrank", "-steps", "1", "-out", dir}, "needs the meanfield guide"},
		{"checkpoint with select", []string{"bnn", "-toy", "-select", "epochs", "-checkpoint", "x", "-out", dir}, "cannot be combined with -select"},
		{"missing checkpoint", []string{"bnn", "-toy", "-steps", "2", "-resume", filepath.Join(dir, "none.ckpt"), "-out", dir}, "no such file"},
		{"corrupt checkpoint", []string{"bnn", "-toy", "-steps", "2", "-resume", write("bad.ckpt", "{\"format\": \"govi-checkpoint\"}"), "-out", dir}, "checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(tc.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestBNNCommandResume: a minibatch fit of 60 steps stopped at 30 (a run
// with -steps 30 writes its checkpoint at the end) and resumed to 60 must
// report what an uninterrupted 60-step run reports, with the low-rank
// guide; each run writes its ELBO plot.
func TestBNNCommandResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ck := filepath.Join(dir, "fit.ckpt")
	common := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "32", "-lr", "0.01", "-anneal", "0",
		"-guide", "lowrank", "-rank", "2", "-draws", "50"}
	_, _, err := runCmd(append(common, "-steps", "60", "-out", filepath.Join(dir, "full"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(common, "-steps", "30", "-checkpoint", ck, "-checkpoint-every", "7", "-out", filepath.Join(dir, "part"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(common, "-steps", "60", "-resume", ck, "-out", filepath.Join(dir, "resumed"))...)
	require.NoError(t, err)
	full, resumed := readReport(t, filepath.Join(dir, "full")), readReport(t, filepath.Join(dir, "resumed"))
	assert.Equal(t, "lowrank", full["guide"])
	for _, k := range []string{"test_rmse", "test_ll", "test_coverage95"} {
		assert.Equal(t, full[k], resumed[k], k)
	}
	for _, d := range []string{"full", "part", "resumed"} {
		_, err := os.Stat(filepath.Join(dir, d, "elbo.png"))
		assert.NoError(t, err, d)
	}
	// A checkpoint of the low-rank guide does not fit a mean-field fit.
	_, _, err = runCmd("bnn", "-data", boston, "-hidden", "8", "-steps", "60", "-resume", ck, "-out", dir)
	assert.ErrorContains(t, err, "written for guide guides.LowRank")
}

func TestParseSplits(t *testing.T) {
	t.Parallel()
	got, err := parseSplits("0-2,5", 20)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1, 2, 5}, got)
	got, err = parseSplits("", 3)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1, 2}, got)
	_, err = parseSplits("19-20", 20)
	assert.ErrorContains(t, err, "split 20 outside [0, 20)")
	_, err = parseSplits("a", 20)
	assert.Error(t, err)
}

// TestBNNCommandFloat32: -dtype float32 trains the float32 graph, records
// the dtype in the report, and gives the float64 run's test RMSE (same
// seed; float32 rounding moves it by about 1e-6, the bound 1% catches a
// different model).
func TestBNNCommandFloat32(t *testing.T) {
	t.Parallel()
	rmse := map[string]float64{}
	for _, dt := range []string{"float64", "float32"} {
		dir := t.TempDir()
		_, _, err := runCmd("bnn", "-data", boston, "-steps", "300", "-lr", "0.01", "-particles", "2", "-draws", "200", "-dtype", dt, "-out", dir)
		require.NoError(t, err)
		rep := readReport(t, dir)
		rmse[dt] = rep["test_rmse"].(float64)
		if dt == "float32" {
			assert.Equal(t, "float32", rep["dtype"])
		} else {
			assert.NotContains(t, rep, "dtype", "a float64 report is unchanged")
		}
	}
	assert.InDelta(t, rmse["float64"], rmse["float32"], 0.01*rmse["float64"])
}
