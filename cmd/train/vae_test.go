package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
)

const vaeDigits = "../../data/digits_8x8/digits.csv"

func TestVAECommand(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, err := runCmd("vae", "-data", vaeDigits, "-epochs", "3", "-k", "1,30", "-gap-rows", "5", "-gap-steps", "20", "-seed", "2", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stdout, "test ELBO")
	assert.Contains(t, stderr, "steps/s")
	rep := readReport(t, dir)
	for _, k := range []string{"model", "dataset", "train_rows", "test_rows", "latent", "hidden", "steps", "seed", "params",
		"train_seconds", "images_per_second", "test_elbo", "test_elbo_stderr", "test_iwae", "amortization_gap", "approximation_gap", "elbo_trace", "files"} {
		assert.Contains(t, rep, k)
	}
	assert.Equal(t, "digits_8x8", rep["dataset"])
	assert.Equal(t, 1438.0, rep["train_rows"])
	assert.Equal(t, 359.0, rep["test_rows"])
	assert.Equal(t, 33.0, rep["steps"], "3 epochs of 11 batches of 128")
	iw := rep["test_iwae"].(map[string]any)
	assert.Contains(t, iw, "1")
	assert.Contains(t, iw, "30")
	assert.Equal(t, rep["test_elbo"], iw["1"], "L_1 is the ELBO estimate")
	diag := rep["diagnostics"].(map[string]any)
	assert.Equal(t, rep["test_elbo"], diag["elbo"])
	assert.Contains(t, diag, "khat")
	assert.NotEmpty(t, diag["verdict"])
	ps := rep["psis_per_image"].(map[string]any)
	assert.GreaterOrEqual(t, ps["frac_above_threshold"].(float64), 0.0)
	assert.LessOrEqual(t, ps["frac_above_threshold"].(float64), 1.0)
	gap := rep["amortization_gap"].(map[string]any)
	assert.Equal(t, 5.0, gap["rows"])
	for _, f := range []string{"report.json", "elbo.png", "reconstructions.png", "prior_samples.png", "latent.png"} {
		_, err := os.Stat(filepath.Join(dir, f))
		assert.NoError(t, err, f)
	}
}

func TestVAECommandLinearGaussian(t *testing.T) {
	dir := t.TempDir()
	_, _, err := runCmd("vae", "-data", vaeDigits, "-hidden", "", "-likelihood", "gaussian", "-latent", "3", "-covariance", "cholesky",
		"-steps", "20", "-k", "1", "-gap-rows", "0", "-out", dir)
	require.NoError(t, err)
	rep := readReport(t, dir)
	assert.Equal(t, "entropy", rep["estimator"])
	assert.Nil(t, rep["hidden"])
	assert.Greater(t, rep["noise_scale"].(float64), 0.0)
	assert.NotContains(t, rep, "amortization_gap")
	_, err = os.Stat(filepath.Join(dir, "latent.png"))
	assert.True(t, os.IsNotExist(err), "no scatter for a 3-D latent space")
}

func TestVAECommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"-out", dir}, "-data is required"},
		{"no out", []string{"-data", vaeDigits}, "-out is required"},
		{"missing file", []string{"-data", "nope.csv", "-out", dir}, "no such file"},
		{"not vaeDigits", []string{"-data", "../../data/boston_mass/boston.csv", "-out", dir}, "want 64 pixels and a label"},
		{"not a data folder", []string{"-data", "../../data", "-out", dir}, "neither a digits CSV nor a folder"},
		{"latent", []string{"-data", vaeDigits, "-latent", "0", "-out", dir}, "-latent must be at least 1"},
		{"hidden", []string{"-data", vaeDigits, "-hidden", "200,x", "-out", dir}, `"x" is not a positive integer`},
		{"likelihood", []string{"-data", vaeDigits, "-likelihood", "poisson", "-out", dir}, "unknown likelihood"},
		{"covariance", []string{"-data", vaeDigits, "-covariance", "full", "-out", dir}, "unknown -covariance"},
		{"activation", []string{"-data", vaeDigits, "-activation", "gelu", "-out", dir}, "unknown activation"},
		{"binarize", []string{"-data", vaeDigits, "-binarize", "0", "-out", dir}, "-binarize must lie in (0, 1]"},
		{"epochs", []string{"-data", vaeDigits, "-epochs", "-1", "-out", dir}, "-epochs must be positive"},
		{"guide", []string{"-data", vaeDigits, "-guide", "fullrank", "-out", dir}, "-guide and -rank do not apply"},
		{"k", []string{"-data", vaeDigits, "-k", ",", "-out", dir}, "-k needs at least one value"},
		{"kl with cholesky", []string{"-data", vaeDigits, "-covariance", "cholesky", "-estimator", "kl", "-steps", "2", "-out", dir}, "kl estimator needs a guide that factorizes"},
		{"positional", []string{"-data", vaeDigits, "-out", dir, "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(append([]string{"vae"}, tc.args...)...)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestVAECommandFashionMNIST(t *testing.T) {
	p := datadir.Require(t, "fashion_mnist/train-images-idx3-ubyte.gz")
	dir := t.TempDir()
	_, _, err := runCmd("vae", "-data", filepath.Dir(p), "-latent", "10", "-train-rows", "512", "-test-rows", "20", "-steps", "8",
		"-k", "1,3", "-gap-rows", "3", "-gap-steps", "5", "-out", dir)
	require.NoError(t, err)
	rep := readReport(t, dir)
	assert.Equal(t, "fashion_mnist", rep["dataset"])
	assert.Equal(t, 512.0, rep["train_rows"])
	assert.Equal(t, 20.0, rep["test_rows"])
}

// TestVAECheckpointResume: 30 steps stopped at 15 and resumed from the
// checkpoint end where an uninterrupted run ends, minibatch order included.
func TestVAECheckpointResume(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "fit.ckpt")
	common := []string{"vae", "-data", vaeDigits, "-latent", "3", "-hidden", "20", "-k", "1", "-gap-rows", "0", "-seed", "4"}
	_, _, err := runCmd(append(common, "-steps", "30", "-out", filepath.Join(dir, "full"))...)
	require.NoError(t, err)
	_, _, err = runCmd(append(common, "-steps", "15", "-checkpoint", ck, "-out", filepath.Join(dir, "half"))...)
	require.NoError(t, err)
	_, stderr, err := runCmd(append(common, "-steps", "30", "-resume", ck, "-out", filepath.Join(dir, "resumed"))...)
	require.NoError(t, err)
	assert.Contains(t, stderr, "resumed from")
	full, resumed := readReport(t, filepath.Join(dir, "full")), readReport(t, filepath.Join(dir, "resumed"))
	assert.Equal(t, full["test_elbo"], resumed["test_elbo"], "bit-exact resume")
}

// TestVAEFullBatch: a run whose batch holds every training row (the model's
// sites then carry no minibatch scale) ends with its report; it used to ask
// the minibatch fit report for data it was not given.
func TestVAEFullBatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, err := runCmd("vae", "-data", vaeDigits, "-train-rows", "100", "-batch", "128", "-epochs", "2", "-test-rows", "20", "-out", dir)
	require.NoError(t, err)
	rep := readReport(t, dir)
	assert.Equal(t, 100.0, rep["batch"])
}

// TestVAECommandFloat32: -dtype float32 trains the float32 graph and
// records it in the report.
func TestVAECommandFloat32(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, err := runCmd("vae", "-data", vaeDigits, "-epochs", "1", "-k", "1", "-gap-rows", "2", "-gap-steps", "5", "-dtype", "float32", "-out", dir)
	require.NoError(t, err)
	assert.Equal(t, "float32", readReport(t, dir)["dtype"])
}
