package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
)

// gmmOriginalUnitsTol compares the large Old Faithful component's mean with
// scikit-learn's (gmm_faithful.json, seed 0: 4.2878 min, 79.946 min) under
// a different W₀ (I here, the inverse data covariance there); the two fits
// differ by 2e-4 min and 2e-3 min.
const gmmOriginalUnitsTol = 0.01

func readGMMReport(t *testing.T, dir string) gmmReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var rep gmmReport
	require.NoError(t, json.Unmarshal(b, &rep))
	return rep
}

func TestGMMFaithful(t *testing.T) {
	path, ok := datadir.Shipped("old_faithful/faithful.csv")
	require.True(t, ok)
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"gmm", "-data", path, "-standardize", "-seed", "3", "-out", dir}, &out, &errb))
	rep := readGMMReport(t, dir)
	assert.Equal(t, 2, rep.EffectiveComponents, "PRML Fig. 10.6")
	require.Len(t, rep.Effective, 2)
	require.Len(t, rep.Weights, 6)
	require.Len(t, rep.Means, 6)
	require.Len(t, rep.Covariances, 6)
	var sum float64
	for _, w := range rep.Weights {
		sum += w
	}
	assert.InDelta(t, 1, sum, 1e-12)
	big := rep.Effective[0]
	assert.InDelta(t, 4.2878, rep.Means[big][0], gmmOriginalUnitsTol, "eruption length (min)")
	assert.InDelta(t, 79.946, rep.Means[big][1], 10*gmmOriginalUnitsTol, "waiting time (min)")
	assert.Len(t, rep.Covariances[big], 4)
	assert.Equal(t, rep.Covariances[big][1], rep.Covariances[big][2], "symmetric")
	require.NotEmpty(t, rep.ELBOTrace)
	for i := 1; i < len(rep.ELBOTrace); i++ {
		assert.GreaterOrEqual(t, rep.ELBOTrace[i], rep.ELBOTrace[i-1]-1e-9*math.Abs(rep.ELBOTrace[i]), "bound at iteration %d", i+1)
	}
	f, err := os.Open(filepath.Join(dir, "gmm.png"))
	require.NoError(t, err)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	require.NoError(t, err, "gmm.png is a PNG")
	assert.Greater(t, cfg.Width, 100)
	assert.Contains(t, out.String(), "report.json")
}

func TestGMMSmall(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.txt")
	var b bytes.Buffer
	for i := 0; i < 30; i++ {
		u := float64(i%6) / 6
		v := float64(i/6) / 5
		b.WriteString(jsonFloat(u) + " " + jsonFloat(v) + " " + jsonFloat(u+v) + "\n")
		b.WriteString(jsonFloat(10+u) + " " + jsonFloat(10+v) + " " + jsonFloat(10-u) + "\n")
	}
	require.NoError(t, os.WriteFile(data, b.Bytes(), 0o644))
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"gmm", "-data", data, "-k", "4", "-init", "random", "-out", dir}, &out, &errb))
	rep := readGMMReport(t, dir)
	assert.Equal(t, 3, rep.D)
	assert.Equal(t, 2, rep.EffectiveComponents, "two well separated blobs")
	assert.False(t, rep.Standardized)
	assert.FileExists(t, filepath.Join(dir, "gmm.png"))
}

func jsonFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestGMMErrors(t *testing.T) {
	dir := t.TempDir()
	constant := filepath.Join(dir, "constant.csv")
	require.NoError(t, os.WriteFile(constant, []byte("a,b\n1,2\n3,2\n4,2\n"), 0o644))
	faithful, _ := datadir.Shipped("old_faithful/faithful.csv")
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"gmm", "-bogus"}, "flag provided but not defined: -bogus"},
		{"missing -data", []string{"gmm", "-out", out}, "train gmm: -data is required"},
		{"missing file", []string{"gmm", "-data", filepath.Join(dir, "nope.csv"), "-out", out}, "no such file"},
		{"K < 1", []string{"gmm", "-data", faithful, "-k", "0", "-out", out}, "train gmm: -k 0: need at least one component"},
		{"alpha0", []string{"gmm", "-data", faithful, "-alpha0", "-1", "-out", out}, "train gmm: -alpha0 -1 must be positive"},
		{"init", []string{"gmm", "-data", faithful, "-init", "spectral", "-out", out}, `train gmm: -init "spectral"`},
		{"vectorize", []string{"gmm", "-method", "svi", "-data", faithful, "-vectorize", "-out", out}, "train gmm: -vectorize needs a model written for all particles at once"},
		{"constant column", []string{"gmm", "-data", constant, "-standardize", "-out", out}, "gmm: column 2 is constant"},
		{"missing -out", []string{"gmm", "-data", faithful}, "train gmm: -out is required"},
		{"positional", []string{"gmm", "-data", faithful, "-out", out, "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o, e bytes.Buffer
			err := run(context.Background(), tc.args, &o, &e)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestGMMSVIMatchesCAVI fits Old Faithful by SVI (-method svi, 1500 steps)
// and compares it with the CAVI fit: the same two effective components, with
// weights within 0.03 and means within 0.1 min (eruption) and 1.5 min
// (waiting) of CAVI's (at 4000 steps they agree to 0.003, 0.03 and 0.3;
// the bounds allow for the shorter run). It also checks the SVI report's
// diagnostics and the ELBO plot.
func TestGMMSVIMatchesCAVI(t *testing.T) {
	t.Parallel()
	path, ok := datadir.Shipped("old_faithful/faithful.csv")
	require.True(t, ok)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"gmm", "-data", path, "-standardize", "-out", filepath.Join(dir, "cavi")}, &out, &errb))
	require.NoError(t, run(context.Background(), []string{"gmm", "-data", path, "-standardize", "-method", "svi", "-steps", "1500",
		"-diagnostic-draws", "500", "-out", filepath.Join(dir, "svi")}, &out, &errb))
	cavi, sv := readGMMReport(t, filepath.Join(dir, "cavi")), readGMMReport(t, filepath.Join(dir, "svi"))
	assert.Equal(t, "svi", sv.Method)
	require.Equal(t, 2, sv.EffectiveComponents)
	require.NotNil(t, sv.Diagnostics)
	assert.Len(t, sv.ELBOTrace, 1500)
	_, err := os.Stat(filepath.Join(dir, "svi", "elbo.png"))
	assert.NoError(t, err)
	for _, c := range cavi.Effective {
		// The SVI component nearest in mean to CAVI's component c.
		best, bk := math.Inf(1), -1
		for _, k := range sv.Effective {
			if d := math.Abs(sv.Means[k][1] - cavi.Means[c][1]); d < best {
				best, bk = d, k
			}
		}
		assert.InDelta(t, cavi.Weights[c], sv.Weights[bk], 0.03, "weight")
		assert.InDelta(t, cavi.Means[c][0], sv.Means[bk][0], 0.1, "eruption (min)")
		assert.InDelta(t, cavi.Means[c][1], sv.Means[bk][1], 1.5, "waiting (min)")
	}
	err = run(context.Background(), []string{"gmm", "-data", path, "-method", "em", "-out", dir}, &out, &errb)
	assert.ErrorContains(t, err, `-method "em"`)
}
