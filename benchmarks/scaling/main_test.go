package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
)

// TestRunTiny runs the dgemm and particle sweeps with one one-call block per
// point and no corpus: the tables, plot and CSV files appear and the LDA
// sweep is skipped with a message.
func TestRunTiny(t *testing.T) {
	t.Setenv(datadir.Env, "")
	dir := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-only", "dgemm,particles,lda", "-reps", "1", "-warmup", "1",
		"-block", "1ns", "-figures", dir, "-csv", dir}, &out)
	require.NoError(t, err)
	for _, want := range []string{"#### dgemm", "ops.MatMul", "#### BNN SVI step against particles", "| 455 | 50 | 64 |", "skipped: ap_lda/ap.dat", "load average"} {
		assert.Contains(t, out.String(), want)
	}
	for _, f := range []string{"bnn_particles.png", "bnn_particles.csv", "dgemm.csv"} {
		_, err := os.Stat(filepath.Join(dir, f))
		assert.NoError(t, err, "file %s", f)
	}
}

// TestRunBadFlags checks that bad settings are refused before any work.
func TestRunBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown sweep", []string{"-only", "gmm"}},
		{"no reps", []string{"-reps", "0"}},
		{"stray argument", []string{"extra"}},
		{"unknown flag", []string{"-steps", "3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			assert.Error(t, run(context.Background(), append(tc.args, "-figures", ""), &out), "case %s", tc.name)
		})
	}
}
