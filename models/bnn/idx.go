package bnn

import (
	"fmt"

	"github.com/govi/govi/internal/idx"
)

// ReadIDX returns the official split of MNIST or Fashion-MNIST in dir: the
// training images (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz)
// as Train and the test images (t10k-*) as Test, one row of 28×28 = 784
// pixels per image scaled to [0, 1] by 1/255, the class label 0…9 as
// target. Fit such data with Settings.RawInputs, which keeps the [0, 1]
// pixels rather than standardizing each one. With rows > 0 only the first
// rows images of each file are kept (quick runs and tests). Errors name the
// file: a missing one, a wrong magic number, or label and image counts
// that differ.
func ReadIDX(dir string, rows int) (Split, error) {
	var sp Split
	for _, train := range []bool{true, false} {
		im, err := idx.ReadSet(dir, train)
		if err != nil {
			return Split{}, fmt.Errorf("bnn: %w", err)
		}
		n := im.N
		if rows > 0 {
			n = min(n, rows)
		}
		d := im.Rows * im.Cols
		x, y := make([]float64, n*d), make([]float64, n)
		for i, p := range im.Pixels[:n*d] {
			x[i] = float64(p) / 255
		}
		for i, l := range im.Labels[:n] {
			y[i] = float64(l)
		}
		data := &Data{X: x, Y: y, N: n, D: d}
		if train {
			sp.Train = data
		} else {
			sp.Test = data
		}
	}
	return sp, nil
}
