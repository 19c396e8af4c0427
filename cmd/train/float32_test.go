package main

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The float32 fits of gmm -method svi, lfm -method svi|amortized, fhmm
// -method amortized and vae -estimator iwae against the float64 fits of
// the same seed. Both fits draw the same noise and minibatches, so they
// differ by float32 rounding carried through the optimizer, not by Monte
// Carlo error: a float32 step's loss and gradient are within about 1e-7
// relative of float64's (svi's and ops' float32 tests). The tolerances
// below are relative to the compared value, a hundred times (or more) the
// largest difference seen, and far below the Monte Carlo standard error
// of the fits' ELBO estimates; each test logs what it saw.
const (
	// f32ELBOTol bounds the relative difference of the final ELBO (the
	// exactly scored ELBO of lfm and fhmm, the last per-step estimate of
	// gmm and vae) and of the fitted posterior summaries.
	f32ELBOTol = 1e-4
)

// relDiff returns |a − b| / max(1, |a|).
func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(1, math.Abs(a)) }

// crossDTypeResume writes a checkpoint with each dtype (args then
// -steps first, -dtype, -checkpoint) and resumes it (-steps then) with
// the other dtype, which is refused naming both, and with its own, which
// continues.
func crossDTypeResume(t *testing.T, args []string, first, then string) {
	t.Helper()
	dir := t.TempDir()
	for _, tc := range []struct{ wrote, reads string }{{"float32", "float64"}, {"float64", "float32"}} {
		ck := filepath.Join(dir, tc.wrote+".ckpt")
		_, _, err := runCmd(append(append([]string{}, args...), "-steps", first, "-dtype", tc.wrote, "-checkpoint", ck, "-out", filepath.Join(dir, tc.wrote))...)
		require.NoError(t, err, "%v", args)
		resume := append(append([]string{}, args...), "-steps", then, "-resume", ck)
		_, _, err = runCmd(append(resume, "-dtype", tc.reads, "-out", filepath.Join(dir, tc.wrote+"-by-"+tc.reads))...)
		assert.ErrorContains(t, err, "written with -dtype "+tc.wrote+" and this run has -dtype "+tc.reads, "%v", args)
		_, _, err = runCmd(append(resume, "-dtype", tc.wrote, "-out", filepath.Join(dir, tc.wrote+"-resumed"))...)
		assert.NoError(t, err, "%v: same dtype", args)
	}
}

// TestGMMSVIFloat32: gmm -method svi -dtype float32 (ops.StickBreaking,
// ops.LogSumExp and the Dirichlet prior in float32) fits Old Faithful as
// the float64 fit of the same seed does: the last ELBO estimate, the
// weights and the means agree within f32ELBOTol; the report names the
// dtype; a checkpoint resumes only in its own dtype; -method cavi refuses
// float32.
func TestGMMSVIFloat32(t *testing.T) {
	t.Parallel()
	args := []string{"gmm", "-data", "../../data/old_faithful/faithful.csv", "-standardize", "-method", "svi", "-k", "3", "-diagnostic-draws", "100"}
	reps := map[string]gmmReport{}
	for _, dt := range []string{"float64", "float32"} {
		dir := t.TempDir()
		_, _, err := runCmd(append(args, "-steps", "400", "-dtype", dt, "-out", dir)...)
		require.NoError(t, err)
		reps[dt] = readGMMReport(t, dir)
	}
	r64, r32 := reps["float64"], reps["float32"]
	assert.Equal(t, "float32", r32.DType)
	assert.Empty(t, r64.DType, "a float64 report is unchanged")
	require.Len(t, r32.ELBOTrace, len(r64.ELBOTrace))
	last := len(r64.ELBOTrace) - 1
	worst := relDiff(r64.ELBOTrace[last], r32.ELBOTrace[last])
	assert.InDelta(t, r64.ELBOTrace[last], r32.ELBOTrace[last], f32ELBOTol*math.Abs(r64.ELBOTrace[last]), "last ELBO estimate")
	for k := range r64.Weights {
		worst = math.Max(worst, relDiff(r64.Weights[k], r32.Weights[k]))
		assert.InDelta(t, r64.Weights[k], r32.Weights[k], f32ELBOTol, "weight %d", k)
		for j := range r64.Means[k] {
			worst = math.Max(worst, relDiff(r64.Means[k][j], r32.Means[k][j]))
			assert.InDelta(t, r64.Means[k][j], r32.Means[k][j], f32ELBOTol*math.Max(1, math.Abs(r64.Means[k][j])), "mean %d,%d", k, j)
		}
	}
	t.Logf("gmm: last ELBO estimate float64 %.6f, float32 %.6f; largest relative difference %.3g", r64.ELBOTrace[last], r32.ELBOTrace[last], worst)
	crossDTypeResume(t, args, "30", "60")
	_, _, err := runCmd("gmm", "-data", "../../data/old_faithful/faithful.csv", "-dtype", "float32", "-out", t.TempDir())
	assert.ErrorContains(t, err, "-dtype float32 applies to -method svi")
}

// TestLFMFloat32: train lfm -dtype float32 with every estimator (one comma
// list, mean-field q) and with the amortized guide: each estimator's
// exactly scored ELBO agrees with the float64 fit's within f32ELBOTol, the
// report names the dtype, and a checkpoint resumes only in its own dtype.
func TestLFMFloat32(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"svi", []string{"-data", "bars", "-factors", "3", "-rows", "40", "-method", "svi", "-estimator", "score,vimco,enum,concrete", "-steps", "200", "-grad-draws", "2"}},
		{"amortized", []string{"-data", "bars", "-factors", "3", "-rows", "40", "-method", "amortized", "-estimator", "enum,score", "-hidden", "8", "-batch", "20", "-steps", "200", "-grad-draws", "2"}},
	} {
		reps := map[string]lfmReport{}
		for _, dt := range []string{"float64", "float32"} {
			reps[dt], _ = runLFMTest(t, append(tc.args, "-dtype", dt)...)
		}
		r64, r32 := reps["float64"], reps["float32"]
		assert.Equal(t, "float32", r32.DType, tc.name)
		assert.Empty(t, r64.DType, tc.name)
		require.Len(t, r32.Estimators, len(r64.Estimators), tc.name)
		for i, e := range r64.Estimators {
			got := r32.Estimators[i].ELBO
			t.Logf("lfm %s %s: ELBO float64 %.6f, float32 %.6f (relative difference %.3g)", tc.name, e.Estimator, e.ELBO, got, relDiff(e.ELBO, got))
			assert.InDelta(t, e.ELBO, got, f32ELBOTol*math.Abs(e.ELBO), "%s %s", tc.name, e.Estimator)
		}
	}
	crossDTypeResume(t, []string{"lfm", "-data", "bars", "-factors", "2", "-rows", "30", "-method", "svi", "-estimator", "vimco", "-grad-draws", "2"}, "20", "40")
}

// TestFHMMAmortizedFloat32: -method amortized -dtype float32 trains the
// network with each estimator as float64 does from the same seed (the
// closed form's op computing in float64 on the widened logits, the enum
// and score graphs in float32): the network ELBO agrees within f32ELBOTol
// and the report names the dtype. (TrainNet keeps no checkpoint, so there
// is no resume to refuse.) -dtype applies to -method amortized only.
func TestFHMMAmortizedFloat32(t *testing.T) {
	t.Parallel()
	dir, data, params, _, _ := fhmmProblem(t, 9, 17, 2, 2, 2, 30)
	args := []string{"-data", data, "-params", params, "-method", "amortized", "-steps", "200", "-window", "1", "-hidden", "8", "-seed", "2"}
	for _, est := range []string{"closed", "enum", "score"} {
		elbo := map[string]float64{}
		for _, dt := range []string{"float64", "float32"} {
			rep := runFHMMCmd(t, filepath.Join(dir, est+dt), append(args, "-estimator", est, "-dtype", dt)...)
			require.NotNil(t, rep.ELBO)
			elbo[dt] = *rep.ELBO
			if dt == "float32" {
				assert.Equal(t, "float32", rep.Network.DType)
			} else {
				assert.Empty(t, rep.Network.DType)
			}
		}
		t.Logf("fhmm %s: network ELBO float64 %.8f, float32 %.8f (relative difference %.3g)", est, elbo["float64"], elbo["float32"], relDiff(elbo["float64"], elbo["float32"]))
		assert.InDelta(t, elbo["float64"], elbo["float32"], f32ELBOTol*math.Abs(elbo["float64"]), est)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-method", "structured", "-dtype", "float32"}, "-dtype applies to -method amortized only"},
		{[]string{"-method", "amortized", "-dtype", "float16"}, "unknown dtype"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"fhmm", "-data", data, "-params", params, "-out", filepath.Join(dir, "bad")}, tc.args...), &out, &errb)
		assert.ErrorContains(t, err, tc.want)
	}
}

// TestVAEIWAEFloat32: vae -estimator iwae -dtype float32 (the
// importance-weighted bound's log-mean-exp in the float32 graph) trains as
// the float64 fit of the same seed does: the last bound estimate and the
// test ELBO (evaluated in float64 on the fitted parameters) agree within
// f32ELBOTol; a checkpoint resumes only in its own dtype.
func TestVAEIWAEFloat32(t *testing.T) {
	t.Parallel()
	args := []string{"vae", "-data", vaeDigits, "-latent", "2", "-hidden", "20", "-estimator", "iwae", "-particles", "3", "-k", "1", "-gap-rows", "0", "-seed", "4"}
	reps := map[string]map[string]any{}
	for _, dt := range []string{"float64", "float32"} {
		dir := t.TempDir()
		_, _, err := runCmd(append(args, "-steps", "40", "-dtype", dt, "-out", dir)...)
		require.NoError(t, err)
		reps[dt] = readReport(t, dir)
	}
	assert.Equal(t, "float32", reps["float32"]["dtype"])
	assert.Equal(t, "iwae", reps["float32"]["estimator"])
	tr64, tr32 := reps["float64"]["elbo_trace"].([]any), reps["float32"]["elbo_trace"].([]any)
	require.Len(t, tr32, len(tr64))
	last64, last32 := tr64[len(tr64)-1].(float64), tr32[len(tr32)-1].(float64)
	e64, e32 := reps["float64"]["test_elbo"].(float64), reps["float32"]["test_elbo"].(float64)
	t.Logf("vae iwae: last bound float64 %.6f, float32 %.6f (%.3g); test ELBO %.6f, %.6f (%.3g)", last64, last32, relDiff(last64, last32), e64, e32, relDiff(e64, e32))
	assert.InDelta(t, last64, last32, f32ELBOTol*math.Abs(last64), "last bound estimate")
	assert.InDelta(t, e64, e32, f32ELBOTol*math.Abs(e64), "test ELBO")
	crossDTypeResume(t, args, "10", "20")
}
