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
}

func TestBLRCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
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
		{"negative alpha", []string{"blr", "-data", boston, "-alpha", "-1", "-out", dir}, "alpha"},
		{"zero beta", []string{"blr", "-data", boston, "-beta", "0", "-out", dir}, "beta"},
		{"particles", []string{"blr", "-data", boston, "-particles", "0", "-out", dir}, "-particles must be at least 1"},
		{"method", []string{"blr", "-data", boston, "-method", "nuts", "-out", dir}, `unknown -method "nuts"`},
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
