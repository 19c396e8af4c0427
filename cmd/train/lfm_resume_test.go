package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLFMSVIResume: train lfm -method svi|amortized stopped half way with
// -checkpoint and continued with -resume ends where the straight run
// does, to the bit (ELBO, marginals, the ELBO trace of every step): the
// shared loop's state carries the estimator's draws, Adam's moments and,
// for the encoder, the minibatch position. A resume with other data is
// refused naming -resume.
func TestLFMSVIResume(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"svi score", []string{"-method", "svi", "-estimator", "score"}},
		{"amortized vimco", []string{"-method", "amortized", "-estimator", "vimco", "-batch", "10", "-hidden", "8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-data", "bars", "-factors", "3", "-rows", "40", "-grad-draws", "2", "-lr", "0.1"}, tc.args...)
			straight, _ := runLFMTest(t, append(args, "-steps", "120")...)
			ck := filepath.Join(t.TempDir(), "lfm.ckpt")
			half, _ := runLFMTest(t, append(args, "-steps", "60", "-checkpoint", ck)...)
			require.Len(t, half.Estimators[0].Trace, 60)
			resumed, _ := runLFMTest(t, append(args, "-steps", "120", "-resume", ck)...)
			assert.Equal(t, straight.ELBO, resumed.ELBO)
			assert.Equal(t, straight.Marginals, resumed.Marginals)
			assert.Equal(t, straight.Estimators[0].Trace, resumed.Estimators[0].Trace)
			assert.Equal(t, "step limit", resumed.Estimators[0].StopReason)

			var out, errb bytes.Buffer
			other := append([]string{"lfm", "-data", "bars", "-factors", "3", "-rows", "41", "-grad-draws", "2", "-lr", "0.1"}, tc.args...)
			err := run(context.Background(), append(other, "-steps", "120", "-resume", ck, "-out", filepath.Join(t.TempDir(), "o")), &out, &errb)
			assert.ErrorContains(t, err, "-estimator "+strings.Fields(tc.name)[1])
			assert.ErrorContains(t, err, "data")
		})
	}
}

// TestLFMSVISharedDefaults: with the loop the other SVI commands run by
// default (-stop -average -schedule plateau), train lfm -method svi
// reports why its loop stopped and the learning rate it ended with, and
// its averaged q is within 0.03 nats per row of CAVI's optimum and below
// the log evidence.
func TestLFMSVISharedDefaults(t *testing.T) {
	args := []string{"-data", "bars", "-factors", "3", "-rows", "40"}
	cavi, _ := runLFMTest(t, append(args, "-method", "cavi")...)
	rep, _ := runLFMTest(t, append(args, "-method", "svi", "-stop", "-average", "-schedule", "plateau", "-steps", "3000", "-grad-draws", "2")...)
	e := rep.Estimators[0]
	t.Logf("stop %q after %d steps: ELBO %.4f, CAVI %.4f", e.StopReason, e.Steps, e.ELBO, cavi.ELBO)
	assert.NotEmpty(t, e.StopReason)
	require.NotNil(t, e.LR)
	assert.InDelta(t, cavi.ELBO, e.ELBO, 0.03*float64(rep.N))
	assert.LessOrEqual(t, e.ELBO, *rep.LogEvidence)
	assert.Nil(t, rep.ELBOStdErr, "an exact ELBO has no standard error")
}

// TestLFMELBOStdErr: with bernoulli outputs and K = 21 > 20 factors the
// ELBO is a Monte Carlo estimate, and report.json carries its standard
// error at the top level as elbo_stderr (the first estimator's).
func TestLFMELBOStdErr(t *testing.T) {
	dir := t.TempDir()
	var data, w strings.Builder
	for n := range 6 {
		fmt.Fprintf(&data, "%d,%d,%d,%d\n", n%2, (n/2)%2, 1-n%2, n%3%2)
	}
	for j := range 21 {
		fmt.Fprintf(&w, "%g,%g,%g,%g\n", 0.1*float64(j%3), -0.2, 0.05*float64(j%5), 0.3)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.csv"), []byte(data.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "w.csv"), []byte(w.String()), 0o644))
	rep, _ := runLFMTest(t, "-data", filepath.Join(dir, "x.csv"), "-weights", filepath.Join(dir, "w.csv"), "-factors", "21",
		"-likelihood", "bernoulli", "-method", "svi", "-steps", "5", "-grad-draws", "2")
	require.NotNil(t, rep.ELBOStdErr)
	assert.Greater(t, *rep.ELBOStdErr, 0.0)
	assert.Equal(t, rep.Estimators[0].ELBOStdErr, *rep.ELBOStdErr)
}

// TestLFMSharedFlagRefusals: the shared SVI flags lfm does not take, and
// -checkpoint with several fits, are refused naming the flag.
func TestLFMSharedFlagRefusals(t *testing.T) {
	base := []string{"-data", "bars", "-factors", "2", "-out", "x"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"guide", []string{"-method", "svi", "-guide", "fullrank"}, "-guide does not apply to lfm"},
		{"workers", []string{"-method", "svi", "-workers", "2"}, "-workers does not apply to lfm"},
		{"diagnostic-draws", []string{"-method", "svi", "-diagnostic-draws", "100"}, "-diagnostic-draws does not apply to lfm"},
		{"checkpoint with cavi", []string{"-method", "cavi", "-checkpoint", "c"}, "-checkpoint applies to -method svi|amortized"},
		{"schedule with exact", []string{"-method", "exact", "-schedule", "plateau"}, "-schedule applies to -method svi|amortized"},
		{"bad schedule", []string{"-method", "svi", "-schedule", "cosine"}, "-schedule"},
		{"checkpoint with a list", []string{"-method", "svi", "-estimator", "enum,score", "-checkpoint", "c"}, "give one -estimator"},
		{"resume with starts", []string{"-method", "svi", "-learn", "-likelihood", "bernoulli", "-starts", "2", "-resume", "c"}, "-starts 1"},
		{"negative particles", []string{"-method", "svi", "-particles", "-1"}, "-particles"},
		{"dtype with cavi", []string{"-method", "cavi", "-dtype", "float32"}, "-dtype applies to -method svi|amortized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append(append([]string{"lfm"}, base...), tc.args...), &out, &errb)
			assert.ErrorContains(t, err, tc.want)
			assert.NoDirExists(t, "x")
		})
	}
}
