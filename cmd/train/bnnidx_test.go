package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/internal/idx"
	"github.com/govi/govi/svi"
)

// TestBNNCommandIDX fits Fashion-MNIST's first 256 training images and
// scores its first 256 test images: a classification report naming the
// official split, one progress line per epoch, no fit report by default.
func TestBNNCommandIDX(t *testing.T) {
	t.Parallel()
	data := datadir.Require(t, "fashion_mnist")
	dir := t.TempDir()
	stdout, stderr, err := runCmd("bnn", "-idx", data, "-rows", "256", "-hidden", "16", "-batch", "64", "-epochs", "2",
		"-particles", "1", "-lr", "0.01", "-draws", "10", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stdout, "test accuracy")
	assert.Contains(t, stderr, "epoch 1/2: ELBO ")
	assert.Contains(t, stderr, "epoch 2/2: ELBO ")
	rep := readReport(t, dir)
	assert.Equal(t, "classification", rep["task"])
	assert.Contains(t, rep["data"], "official split, 256 training and 256 test images of 784 pixels scaled to [0, 1]")
	assert.NotContains(t, rep, "diagnostics")
	// Ten classes, two epochs of 4 steps: better than chance, which is all
	// so short a fit can promise.
	assert.Greater(t, rep["test_accuracy"].(float64), 0.2)
}

// writeIDXFile writes a gzipped IDX file.
func writeIDXFile(t *testing.T, path string, magic uint32, dims []uint32, data []byte) {
	t.Helper()
	require.NoError(t, idx.WriteFile(path, magic, dims, data))
}

// TestBNNCommandIDXBadInput: flags that do not go with -idx, and bad
// files, are errors; a file's error names it.
func TestBNNCommandIDXBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pix := make([]byte, 6*4+1)
	for i := range pix {
		pix[i] = byte(40 * (i % 7))
	}
	writeIDXFile(t, filepath.Join(dir, idx.TrainImages), idx.MagicImages, []uint32{6, 2, 2}, pix[:24])
	writeIDXFile(t, filepath.Join(dir, idx.TestImages), idx.MagicImages, []uint32{6, 2, 2}, pix[1:]) // not the training rows
	for _, f := range []string{idx.TrainLabels, idx.TestLabels} {
		writeIDXFile(t, filepath.Join(dir, f), idx.MagicLabels, []uint32{6}, []byte{0, 1, 2, 0, 1, 2})
	}
	out := t.TempDir()
	base := []string{"bnn", "-idx", dir, "-hidden", "3", "-batch", "3", "-epochs", "1", "-draws", "2", "-out", out}
	_, _, err := runCmd(base...)
	require.NoError(t, err, "the valid tiny set")
	for _, tc := range []struct {
		name  string
		args  []string
		spoil func()
		want  string
	}{
		{"rows without idx", []string{"bnn", "-data", boston, "-rows", "5", "-out", out}, nil, "-rows keeps the first rows of -idx; give -idx"},
		{"negative rows", append(base, "-rows", "-1"), nil, "-rows must not be negative"},
		{"regression", append(base, "-task", "regression"), nil, "-idx images are a classification problem"},
		{"two sources", append(base, "-data", boston), nil, "give exactly one of -data, -idx, -split-dir and -toy"},
		{"missing", base, func() { os.Remove(filepath.Join(dir, idx.TestImages)) }, filepath.Join(dir, idx.TestImages) + ": no such file"},
		{"magic", base, func() {
			writeIDXFile(t, filepath.Join(dir, idx.TrainLabels), idx.MagicImages, []uint32{6, 1, 1}, make([]byte, 6))
		}, filepath.Join(dir, idx.TrainLabels) + ": byte 0: IDX magic 2051, want 2049"},
		{"counts", base, func() {
			writeIDXFile(t, filepath.Join(dir, idx.TrainLabels), idx.MagicLabels, []uint32{5}, make([]byte, 5))
		}, filepath.Join(dir, idx.TrainLabels) + " holds 5 labels for 6 images"},
	} {
		if tc.spoil != nil {
			tc.spoil() // in order: each case spoils the set a little more
		}
		_, _, err := runCmd(tc.args...)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
}

// TestEpochLines: a line per epoch (and at the end of a short last one),
// the first epoch timed from the end of the fit's first step.
func TestEpochLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newEpochLines(&buf, 3, 7)
	for i := 1; i <= 7; i++ {
		require.NoError(t, e.Record(svi.Info{Iter: i, Loss: float64(i)}))
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	assert.Regexp(t, `^epoch 1/3: ELBO -2 \(mean of its 3 steps\), [0-9.]+ s \(steps 2–3 timed\), [0-9.]+ s in all$`, lines[0])
	assert.Regexp(t, `^epoch 2/3: ELBO -5 \(mean of its 3 steps\), [0-9.]+ s, [0-9.]+ s in all$`, lines[1])
	assert.Regexp(t, `^epoch 3/3: ELBO -7 \(mean of its 1 steps\)`, lines[2])
}
