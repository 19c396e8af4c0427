package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readReport(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func runCmd(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

const boston = "../../data/boston_mass/boston.csv"

// Reference: shared/peers/results/bayeslinreg_boston_mass.json (the peer
// program bayeslinreg_exact.py on the same file, α = 1, β = 4, standardized).
const peerBostonLogEvidence = -425.8766

func TestBLRCommand(t *testing.T) {
	dir := t.TempDir()
	_, _, err := runCmd("blr", "-data", boston, "-standardize", "-method", "exact", "-out", dir)
	require.NoError(t, err)
	rep := readReport(t, dir)
	assert.InDelta(t, peerBostonLogEvidence, rep["log_evidence"].(float64), 5e-5)
	post := rep["posterior"].(map[string]any)
	assert.Len(t, post["cov"].([]any), 14)

	dir = t.TempDir()
	_, stderr, err := runCmd("blr", "-data", boston, "-standardize", "-method", "svi", "-steps", "3000", "-seed", "5", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "steps/s")
	rep = readReport(t, dir)
	for _, k := range []string{"model", "method", "guide", "steps", "seed", "elbo", "wall_seconds", "posterior"} {
		assert.Contains(t, rep, k)
	}
	ex := rep["exact"].(map[string]any)
	// Tolerances: a 3,000-step fit gets the mean-field optimum's ELBO within
	// a few tenths of a nat and its means within 0.01 (posterior sds ≈ 0.03).
	assert.InDelta(t, ex["meanfield_optimum_elbo"].(float64), rep["elbo"].(float64), 0.3)
	assert.Less(t, ex["max_abs_mean_error"].(float64), 0.01)
	assert.Less(t, rep["elbo_stderr"].(float64), 0.1)
	diag := rep["diagnostics"].(map[string]any)
	for _, k := range []string{"elbo", "elbo_stderr", "iwae", "khat", "ess", "steps", "stop_reason", "verdict"} {
		assert.Contains(t, diag, k)
	}
	// The posterior predictive of the mean-field fit: its means are the
	// exact predictive's (the mean-field q has the exact means), its sds a
	// little narrower (q's weight variances are too small), and it covers
	// about as many targets as the exact predictive's intervals.
	pp := rep["predictive"].(map[string]any)
	assert.Equal(t, 2000.0, pp["draws"])
	assert.Less(t, pp["max_abs_mean_error_vs_exact"].(float64), 0.05)
	assert.Less(t, pp["max_rel_std_error_vs_exact"].(float64), 0.2)
	assert.InDelta(t, pp["exact_coverage95"].(float64), pp["coverage95"].(float64), 0.02)
	_, err = os.Stat(filepath.Join(dir, "elbo.png"))
	assert.NoError(t, err, "ELBO trace plot")
}

// TestBLRCheckpointResume: a fit stopped at 400 steps and resumed to 800
// from its checkpoint ends where an uninterrupted 800-step fit ends.
func TestBLRCheckpointResume(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "fit.ckpt")
	common := []string{"blr", "-data", boston, "-standardize", "-stop=false", "-schedule", "none", "-average=false", "-seed", "3"}
	_, _, err := runCmd(append(common, "-steps", "800", "-out", filepath.Join(dir, "full"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(common, "-steps", "400", "-checkpoint", ck, "-out", filepath.Join(dir, "half"))...)
	require.NoError(t, err)
	_, stderr, err := runCmd(append(common, "-steps", "800", "-resume", ck, "-out", filepath.Join(dir, "resumed"))...)
	require.NoError(t, err)
	assert.Contains(t, stderr, "resumed from")
	full, resumed := readReport(t, filepath.Join(dir, "full")), readReport(t, filepath.Join(dir, "resumed"))
	assert.Equal(t, full["elbo_trace"], resumed["elbo_trace"])
	assert.Equal(t, full["posterior"], resumed["posterior"])

	_, _, err = runCmd(append(common, "-steps", "800", "-guide", "fullrank", "-resume", ck, "-out", dir)...)
	assert.ErrorContains(t, err, "written for guide guides.MeanField")
}

// TestBLRDivergence: an absurd learning rate ends with the divergence error,
// the checkpoint holds the last good (finite) state, and it loads.
func TestBLRDivergence(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "fit.ckpt")
	_, _, err := runCmd("blr", "-data", boston, "-standardize", "-lr", "1e12", "-steps", "300", "-checkpoint", ck, "-out", dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "diverged")
	assert.Contains(t, err.Error(), "last good state is saved in")
	_, _, err = runCmd("blr", "-data", boston, "-standardize", "-lr", "0.01", "-steps", "400", "-resume", ck, "-out", dir)
	require.NoError(t, err)
}

func TestBLRCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string { return writeFile(t, dir, name, s) }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"blr", "-bogus"}, "flag provided but not defined: -bogus"},
		{"no data", []string{"blr", "-out", dir}, "-data is required"},
		{"missing file", []string{"blr", "-data", filepath.Join(dir, "nope.csv"), "-out", dir}, "no such file"},
		{"empty file", []string{"blr", "-data", write("empty.csv", ""), "-out", dir}, "no data rows"},
		{"ragged", []string{"blr", "-data", write("ragged.csv", "1,2,3\n4,5\n"), "-out", dir}, "line 2 has 2 fields, want 3"},
		{"non-numeric", []string{"blr", "-data", write("text.csv", "1,2\n3,abc\n"), "-out", dir}, `"abc" is not a number`},
		{"nan", []string{"blr", "-data", write("nan.csv", "1,2\nnan,3\n"), "-out", dir}, "not a finite number"},
		{"negative alpha", []string{"blr", "-data", boston, "-alpha", "-1", "-out", dir}, "-alpha must be a finite positive number, got -1"},
		{"zero beta", []string{"blr", "-data", boston, "-beta", "0", "-out", dir}, "-beta must be a finite positive number, got 0"},
		{"particles", []string{"blr", "-data", boston, "-particles", "0", "-out", dir}, "-particles must be at least 1"},
		{"workers", []string{"blr", "-data", boston, "-workers", "9", "-out", dir}, "train blr: -workers must lie between 1 and -particles (8), got 9"},
		{"vectorize estimator", []string{"blr", "-data", boston, "-vectorize", "-estimator", "trace", "-out", dir}, `train blr: -vectorize works with -estimator entropy or kl, got "trace"`},
		{"method", []string{"blr", "-data", boston, "-method", "nuts", "-out", dir}, `unknown -method "nuts"`},
		{"guide", []string{"blr", "-data", boston, "-guide", "flow", "-out", dir}, `unknown -guide "flow"`},
		{"estimator", []string{"blr", "-data", boston, "-estimator", "rws", "-out", dir}, `-estimator: unknown "rws"`},
		{"schedule", []string{"blr", "-data", boston, "-schedule", "cosine", "-out", dir}, `unknown -schedule "cosine"`},
		{"kl with map", []string{"blr", "-data", boston, "-guide", "fullrank", "-estimator", "kl", "-out", dir}, "factorizes over sites"},
		{"missing checkpoint", []string{"blr", "-data", boston, "-resume", filepath.Join(dir, "none.ckpt"), "-out", dir}, "no such file"},
		{"unknown model", []string{"nope"}, `unknown model "nope"`},
		{"constant column", []string{"blr", "-data", write("const.csv", "1,5,2\n1,6,3\n1,7,5\n"), "-standardize", "-out", dir}, "constant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(tc.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestBLRNaturalGradient: -optimizer natural, with every other flag at its
// default, reaches the closed-form mean-field optimum as closely as the
// Adam fit of TestBLRCommand must (0.3 nats), and says so in the report.
func TestBLRNaturalGradient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, err := runCmd("blr", "-data", boston, "-standardize", "-method", "svi", "-optimizer", "natural", "-out", dir)
	require.NoError(t, err)
	rep := readReport(t, dir)
	ex := rep["exact"].(map[string]any)
	t.Logf("natural: ELBO %.4f after %v steps, mean-field optimum %.4f", rep["elbo"], rep["steps"], ex["meanfield_optimum_elbo"])
	assert.InDelta(t, ex["meanfield_optimum_elbo"].(float64), rep["elbo"].(float64), 0.3)
	assert.Contains(t, rep["optimizer"], "natural")
}

// TestBLROptimizerResume: a checkpoint written with one -optimizer is
// refused by a run with the other, naming the optimizer, and resumes with
// its own.
func TestBLROptimizerResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ckAdam, ckNat := filepath.Join(dir, "adam.ck"), filepath.Join(dir, "natural.ck")
	base := []string{"blr", "-data", boston, "-standardize", "-method", "svi", "-steps", "100", "-diagnostic-draws", "25"}
	_, _, err := runCmd(append(base, "-checkpoint", ckAdam, "-out", filepath.Join(dir, "a"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(base, "-optimizer", "natural", "-checkpoint", ckNat, "-out", filepath.Join(dir, "n"))...)
	require.NoError(t, err)
	more := []string{"blr", "-data", boston, "-standardize", "-method", "svi", "-steps", "150", "-diagnostic-draws", "25"}
	_, _, err = runCmd(append(more, "-optimizer", "natural", "-resume", ckAdam, "-out", filepath.Join(dir, "b"))...)
	assert.ErrorContains(t, err, "the checkpoint records no optimizer")
	_, _, err = runCmd(append(more, "-resume", ckNat, "-out", filepath.Join(dir, "c"))...)
	assert.ErrorContains(t, err, `the checkpoint records optimizer "natural`)
	_, _, err = runCmd(append(more, "-optimizer", "natural", "-resume", ckNat, "-out", filepath.Join(dir, "d"))...)
	require.NoError(t, err)
}

// TestBLRFloat32: `train blr -method svi -dtype float32` fits each
// Gaussian guide to the float64 fit of the same seed: the posterior means
// (standardized units) agree within 1e-5 — float32 rounds the gradient to
// about 1e-6 relative and the fits differ by about 1e-8 (see
// models/blr TestFloat32BostonMatchesFloat64) — and the report names the
// dtype.
func TestBLRFloat32(t *testing.T) {
	const f32FitTol = 1e-5
	for _, guide := range []string{"meanfield", "fullrank", "lowrank", "meanfield-vectorized"} {
		t.Run(guide, func(t *testing.T) {
			means := map[string][]any{}
			for _, dt := range []string{"float64", "float32"} {
				dir := t.TempDir()
				args := []string{"blr", "-data", boston, "-standardize", "-method", "svi", "-guide", guide, "-dtype", dt,
					"-steps", "600", "-seed", "5", "-diagnostic-draws", "50", "-out", dir}
				if guide == "meanfield-vectorized" { // the particles in one graph (ops.ReparamN)
					args[7] = "meanfield"
					args = append(args, "-vectorize")
				}
				_, _, err := runCmd(args...)
				require.NoError(t, err)
				rep := readReport(t, dir)
				means[dt] = rep["posterior"].(map[string]any)["mean"].([]any)
				if dt == "float32" {
					assert.Equal(t, "float32", rep["dtype"])
				} else {
					assert.NotContains(t, rep, "dtype")
				}
			}
			require.Len(t, means["float32"], 14)
			for j, v := range means["float64"] {
				assert.InDelta(t, v.(float64), means["float32"][j].(float64), f32FitTol, "mean %d", j)
			}
		})
	}
}

// TestResumeOtherDTypeRefused: a checkpoint of a -dtype float32 fit is
// refused by a -dtype float64 run (and the reverse), naming -dtype; the
// same dtype resumes.
func TestResumeOtherDTypeRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ wrote, reads string }{{"float32", "float64"}, {"float64", "float32"}} {
		ck := filepath.Join(dir, tc.wrote+".ckpt")
		args := []string{"blr", "-data", boston, "-standardize", "-method", "svi", "-steps", "50", "-diagnostic-draws", "50", "-checkpoint", ck}
		_, _, err := runCmd(append(args, "-dtype", tc.wrote, "-out", filepath.Join(dir, tc.wrote))...)
		require.NoError(t, err)
		resume := []string{"blr", "-data", boston, "-standardize", "-method", "svi", "-steps", "100", "-diagnostic-draws", "50", "-resume", ck}
		_, _, err = runCmd(append(resume, "-dtype", tc.reads, "-out", filepath.Join(dir, tc.wrote+"-by-"+tc.reads))...)
		assert.ErrorContains(t, err, "written with -dtype "+tc.wrote+" and this run has -dtype "+tc.reads)
		_, _, err = runCmd(append(resume, "-dtype", tc.wrote, "-out", filepath.Join(dir, tc.wrote+"-resumed"))...)
		assert.NoError(t, err, "same dtype")
	}
}
