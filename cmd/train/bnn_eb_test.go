package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBNNCommandEBHetero: -prior-eb records the learned prior sd of each
// layer in report.json (they differ from the fixed prior's 1 and from
// each other) and resumes from a checkpoint to the same report as an
// uninterrupted run; a fixed-prior fit refuses its checkpoint.
// -heteroscedastic records itself and gives per-row noise; with -estimator
// dvi it is refused.
func TestBNNCommandEBHetero(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ck := filepath.Join(dir, "eb.ckpt")
	common := []string{"bnn", "-data", boston, "-hidden", "8", "-batch", "32", "-lr", "0.01", "-anneal", "0",
		"-prior-eb", "-draws", "50", "-diagnostic-draws", "0"}
	_, _, err := runCmd(append(common, "-steps", "60", "-out", filepath.Join(dir, "full"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(common, "-steps", "30", "-checkpoint", ck, "-out", filepath.Join(dir, "part"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(common, "-steps", "60", "-resume", ck, "-out", filepath.Join(dir, "resumed"))...)
	require.NoError(t, err)
	full, resumed := readReport(t, filepath.Join(dir, "full")), readReport(t, filepath.Join(dir, "resumed"))
	assert.Equal(t, true, full["prior_eb"])
	sd := full["per_split"].([]any)[0].(map[string]any)["prior_std"].([]any)
	require.Len(t, sd, 2)
	assert.NotEqual(t, 1.0, sd[0])
	assert.NotEqual(t, sd[0], sd[1])
	for _, k := range []string{"test_rmse", "test_ll", "test_coverage95"} {
		assert.Equal(t, full[k], resumed[k], k)
	}
	_, _, err = runCmd("bnn", "-data", boston, "-hidden", "8", "-steps", "60", "-resume", ck, "-out", dir)
	assert.ErrorContains(t, err, "EmpiricalBayes", "a fixed-prior fit refuses the EB checkpoint, naming the field")

	hd := filepath.Join(dir, "het")
	_, _, err = runCmd("bnn", "-data", boston, "-hidden", "8", "-heteroscedastic", "-steps", "100", "-lr", "0.01", "-draws", "50", "-diagnostic-draws", "0", "-out", hd)
	require.NoError(t, err)
	rep := readReport(t, hd)
	assert.Equal(t, true, rep["heteroscedastic"])
	assert.Greater(t, rep["test_ll"].(float64), -5.0, "unit mistakes only")
	_, _, err = runCmd("bnn", "-data", boston, "-heteroscedastic", "-estimator", "dvi", "-steps", "5", "-out", hd)
	assert.ErrorContains(t, err, "no heteroscedastic likelihood")
	_, _, err = runCmd("bnn", "-data", boston, "-heteroscedastic", "-select", "noise", "-out", hd)
	assert.ErrorContains(t, err, "use -select none")
}
