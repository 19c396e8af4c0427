package vae

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/govi/govi/internal/idx"
	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/svi"
)

// Dataset is a set of square grey-level images with pixel values in [0, 1],
// one row per image, and their class labels.
type Dataset struct {
	X      []float64 // Rows×Dim pixels, row-major images
	Labels []int     // Rows labels, or nil
	Rows   int
	Dim    int // pixels per image
	Width  int // image width (and height)
}

func (d *Dataset) check() error {
	if d.Rows < 1 || d.Dim < 1 || len(d.X) != d.Rows*d.Dim {
		return fmt.Errorf("vae: dataset of %d values for %d rows of %d", len(d.X), d.Rows, d.Dim)
	}
	if d.Labels != nil && len(d.Labels) != d.Rows {
		return fmt.Errorf("vae: dataset has %d labels for %d rows", len(d.Labels), d.Rows)
	}
	if d.Width*d.Width != d.Dim {
		return fmt.Errorf("vae: %d pixels do not make a square image of width %d", d.Dim, d.Width)
	}
	return nil
}

// ReadDigits reads the 8×8 digits CSV shipped in data/digits_8x8 (a header,
// then 64 pixel columns with values 0…16 and a label column) and scales the
// pixels to [0, 1] by 1/16. Errors name the file, line and column.
func ReadDigits(path string) (*Dataset, error) {
	t, err := table.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	if t.Cols != 65 {
		return nil, fmt.Errorf("vae: %s has %d columns, want 64 pixels and a label", path, t.Cols)
	}
	d := &Dataset{Rows: t.Rows, Dim: 64, Width: 8, X: make([]float64, t.Rows*64), Labels: make([]int, t.Rows)}
	for i := 0; i < t.Rows; i++ {
		row := t.Row(i)
		for j := 0; j < 64; j++ {
			v := row[j]
			if !(v >= 0 && v <= 16) {
				return nil, fmt.Errorf("vae: %s: line %d, column %d: pixel %v outside 0…16", path, t.Line(i), j+1, v)
			}
			d.X[i*64+j] = v / 16
		}
		lab := row[64]
		if lab != math.Trunc(lab) || lab < 0 || lab > math.MaxInt32 {
			return nil, fmt.Errorf("vae: %s: line %d, column 65: label %v is not a class number 0, 1, …", path, t.Line(i), lab)
		}
		d.Labels[i] = int(lab)
	}
	return d, nil
}

// ReadIDX reads images (and labels, unless labels is "") in the IDX format
// of MNIST and Fashion-MNIST, gzipped or not (internal/idx), and scales the
// pixels to [0, 1] by 1/255. Errors name the file and, for a bad header or
// data, the byte offset (from 0) where the problem lies.
func ReadIDX(images, labels string) (*Dataset, error) {
	im, err := idx.ReadImages(images, labels)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	if im.Rows != im.Cols {
		return nil, fmt.Errorf("vae: %s holds %d×%d images, not square ones", images, im.Rows, im.Cols)
	}
	n, w := im.N, im.Rows
	d := &Dataset{Rows: n, Dim: w * w, Width: w, X: make([]float64, len(im.Pixels))}
	for i, p := range im.Pixels {
		d.X[i] = float64(p) / 255
	}
	if im.Labels != nil {
		d.Labels = make([]int, n)
		for i, v := range im.Labels {
			d.Labels[i] = int(v)
		}
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, images)
	}
	return d, nil
}

// Fashion-MNIST file names, as upstream distributes them.
const (
	FashionTrainImages = idx.TrainImages
	FashionTrainLabels = idx.TrainLabels
	FashionTestImages  = idx.TestImages
	FashionTestLabels  = idx.TestLabels
)

// ReadFashionMNIST reads the 60,000 training and 10,000 test images of
// Fashion-MNIST from dir (the four upstream .gz files).
func ReadFashionMNIST(dir string) (train, test *Dataset, err error) {
	if train, err = ReadIDX(filepath.Join(dir, FashionTrainImages), filepath.Join(dir, FashionTrainLabels)); err != nil {
		return nil, nil, err
	}
	if test, err = ReadIDX(filepath.Join(dir, FashionTestImages), filepath.Join(dir, FashionTestLabels)); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// Binarize returns a copy with every pixel set to 1 where it is at least
// threshold and 0 elsewhere (a fixed binarization, so that test-set bounds
// are reproducible).
func (d *Dataset) Binarize(threshold float64) *Dataset {
	out := *d
	out.X = make([]float64, len(d.X))
	for i, v := range d.X {
		if v >= threshold {
			out.X[i] = 1
		}
	}
	return &out
}

// SplitEvery returns the rows whose index i has i mod k ≠ k−1 as training
// set and the others (every k-th row) as test set.
func (d *Dataset) SplitEvery(k int) (train, test *Dataset, err error) {
	if k < 2 || d.Rows < k {
		return nil, nil, fmt.Errorf("vae: cannot split %d rows every %d", d.Rows, k)
	}
	var tr, te []int
	for i := 0; i < d.Rows; i++ {
		if i%k == k-1 {
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	return d.Select(tr), d.Select(te), nil
}

// Select returns the given rows, in order.
func (d *Dataset) Select(rows []int) *Dataset {
	out := &Dataset{Rows: len(rows), Dim: d.Dim, Width: d.Width, X: make([]float64, 0, len(rows)*d.Dim)}
	if d.Labels != nil {
		out.Labels = make([]int, 0, len(rows))
	}
	for _, i := range rows {
		out.X = append(out.X, d.X[i*d.Dim:(i+1)*d.Dim]...)
		if d.Labels != nil {
			out.Labels = append(out.Labels, d.Labels[i])
		}
	}
	return out
}

// Head returns the first n rows (all when n ≤ 0 or n ≥ Rows).
func (d *Dataset) Head(n int) *Dataset {
	if n <= 0 || n >= d.Rows {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Select(idx)
}

// ErrSmallDataset is returned by Batches for a data set with fewer rows
// than one batch.
var ErrSmallDataset = errors.New("vae: the data set has fewer rows than one batch")

// Minibatches returns the dealer of minibatches of batch rows of d for a
// state's Batches: each pass over the data visits the rows in a fresh
// random order from a source seeded by seed; the Rows mod batch rows left
// at the end of a pass are skipped in that pass.
func Minibatches(d *Dataset, batch int, seed uint64) (*svi.Minibatches, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	if batch < 1 || batch > d.Rows {
		return nil, fmt.Errorf("%w: batch %d, rows %d", ErrSmallDataset, batch, d.Rows)
	}
	return svi.NewMinibatches(d.Rows, batch, svi.NewRNG(seed))
}

// Feed returns a function that gathers the given rows of d into an svi
// batch of DataName (its array is reused by the next call).
func Feed(d *Dataset) func(rows []int) svi.Batch {
	var buf []float64
	return func(rows []int) svi.Batch {
		buf = svi.Rows(buf, d.X, d.Dim, rows)
		return svi.Batch{DataName: buf}
	}
}

// Batches returns a function dealing the minibatches of st.Batches as svi
// batches of DataName.
func Batches(d *Dataset, st *svi.State) func() (svi.Batch, error) {
	feed := Feed(d)
	return func() (svi.Batch, error) { return feed(st.Batches.Next()), nil }
}
