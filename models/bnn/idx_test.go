package bnn

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/internal/idx"
)

// TestReadIDXFashion reads the first 100 rows of Fashion-MNIST's official
// training and test files: 784 pixels in [0, 1] and labels 0…9.
func TestReadIDXFashion(t *testing.T) {
	t.Parallel()
	dir := datadir.Require(t, "fashion_mnist")
	sp, err := ReadIDX(dir, 100)
	require.NoError(t, err)
	for _, d := range []*Data{sp.Train, sp.Test} {
		require.Equal(t, 100, d.N)
		require.Equal(t, 784, d.D)
		require.Len(t, d.X, 100*784)
		for _, v := range d.X {
			require.True(t, v >= 0 && v <= 1, "pixel %v outside [0, 1]", v)
		}
		require.NoError(t, d.checkLabels(10))
	}
	// Upstream's first labels: train 9 (ankle boot) 0 0 3, test 9 2 1 1.
	assert.Equal(t, []float64{9, 0, 0, 3}, sp.Train.Y[:4])
	assert.Equal(t, []float64{9, 2, 1, 1}, sp.Test.Y[:4])
}

// writeIDX writes a gzipped IDX file.
func writeIDX(t *testing.T, path string, magic uint32, dims []uint32, data []byte) {
	t.Helper()
	require.NoError(t, idx.WriteFile(path, magic, dims, data))
}

// TestReadIDXErrors: a missing file, a wrong magic number and label and
// image counts that differ are errors naming the file.
func TestReadIDXErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bad  func(dir string) // spoils a valid set of the four files
		want string           // after "bnn: " and the file's path
		file string
	}{
		{"missing", func(dir string) { os.Remove(filepath.Join(dir, idx.TestLabels)) }, ": no such file or directory", idx.TestLabels},
		{"magic", func(dir string) {
			writeIDX(t, filepath.Join(dir, idx.TrainImages), idx.MagicLabels, []uint32{3}, []byte{1, 2, 3})
		}, ": byte 0: IDX magic 2049, want 2051", idx.TrainImages},
		{"counts", func(dir string) {
			writeIDX(t, filepath.Join(dir, idx.TrainLabels), idx.MagicLabels, []uint32{2}, []byte{1, 2})
		}, " holds 2 labels for 3 images (in ", idx.TrainLabels},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{idx.TrainImages, idx.TestImages} {
				writeIDX(t, filepath.Join(dir, f), idx.MagicImages, []uint32{3, 2, 2}, make([]byte, 12))
			}
			for _, f := range []string{idx.TrainLabels, idx.TestLabels} {
				writeIDX(t, filepath.Join(dir, f), idx.MagicLabels, []uint32{3}, []byte{0, 1, 2})
			}
			_, err := ReadIDX(dir, 0)
			require.NoError(t, err)
			tc.bad(dir)
			_, err = ReadIDX(dir, 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "bnn: ")
			assert.Contains(t, err.Error(), filepath.Join(dir, tc.file)+tc.want)
		})
	}
}

// TestPredictClassChunks: the predictive computed a few rows and draws at
// a time equals the one computed with every row and draw at once, and the
// metrics with it; RawInputs leaves the inputs unscaled.
func TestPredictClassChunks(t *testing.T) {
	t.Parallel()
	d := Toy(60, 3)
	labels := &Data{X: d.X, Y: make([]float64, d.N), N: d.N, D: 1}
	for i, y := range d.Y {
		labels.Y[i] = float64(min(2, int(max(0, y/20+1))))
	}
	net, err := Fit(context.Background(), Config{Hidden: []int{8}, Task: Classification, Classes: 3}, labels,
		Settings{Steps: 60, Seed: 2, RawInputs: true})
	require.NoError(t, err)
	assert.Equal(t, []float64{0}, net.Scaler().XMean)
	assert.Equal(t, []float64{1}, net.Scaler().XStd)
	const draws = 23
	once, err := net.predictClass(d.X, draws, 9, d.N, draws)
	require.NoError(t, err)
	chunked, err := net.predictClass(d.X, draws, 9, 7, 4)
	require.NoError(t, err)
	// The same draws, summed in the same order for each row: equal to the
	// last bits but for the gemm kernel's blocking of 7 rows against 60.
	const tol = 1e-12
	require.Len(t, chunked.Probs, len(once.Probs))
	for i := range once.Probs {
		assert.InDelta(t, once.Probs[i], chunked.Probs[i], tol, "probability %d", i)
	}
	def, err := net.PredictClass(d.X, draws, 9)
	require.NoError(t, err)
	for i := range once.Probs {
		assert.InDelta(t, once.Probs[i], def.Probs[i], tol, "probability %d", i)
	}
	for _, f := range []func(*ClassPredictive, []float64) (float64, error){
		(*ClassPredictive).Accuracy, (*ClassPredictive).NLL,
	} {
		a, err := f(once, labels.Y)
		require.NoError(t, err)
		b, err := f(chunked, labels.Y)
		require.NoError(t, err)
		assert.InDelta(t, a, b, tol)
	}
}
