package bnn

import (
	"fmt"
	"math"
	"slices"
)

// Data is a table of N examples with D inputs each and one target.
type Data struct {
	X []float64 // N×D inputs, row-major
	Y []float64 // N targets: real values, or class labels 0…K−1
	N int       // rows
	D int       // input columns
}

// NewData checks x (N×d, row-major) and y (N) and wraps them without
// copying. It rejects empty data, lengths that do not fit d columns, and
// values that are NaN or infinite.
func NewData(x, y []float64, d int) (*Data, error) {
	if d < 1 {
		return nil, fmt.Errorf("bnn: need at least one input column, got %d", d)
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("bnn: no examples")
	}
	if len(x) != len(y)*d {
		return nil, fmt.Errorf("bnn: %d input values do not make %d rows of %d columns", len(x), len(y), d)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("bnn: input row %d, column %d is %v", i/d, i%d, v)
		}
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("bnn: target of row %d is %v", i, v)
		}
	}
	return &Data{X: x, Y: y, N: len(y), D: d}, nil
}

// Rows returns a new data set holding the given rows, in order.
func (d *Data) Rows(idx []int) (*Data, error) {
	out := &Data{X: make([]float64, 0, len(idx)*d.D), Y: make([]float64, 0, len(idx)), D: d.D}
	for _, i := range idx {
		if i < 0 || i >= d.N {
			return nil, fmt.Errorf("bnn: row %d outside [0, %d)", i, d.N)
		}
		out.X = append(out.X, d.X[i*d.D:(i+1)*d.D]...)
		out.Y = append(out.Y, d.Y[i])
	}
	out.N = len(idx)
	if out.N == 0 {
		return nil, fmt.Errorf("bnn: no rows selected")
	}
	return out, nil
}

// SplitRows returns the training and the test rows of d given by their
// indices (0-based, as the index files of the UCI benchmark list them),
// named train and test in errors. A row in both lists is refused with an
// [*OverlapError] naming the first one in training order.
func (d *Data) SplitRows(train, test []int, trainName, testName string) (tr, te *Data, err error) {
	at := make(map[int]int, len(test)) // row → first position in test
	for j := len(test) - 1; j >= 0; j-- {
		at[test[j]] = j
	}
	var oe *OverlapError
	for i, r := range train {
		j, ok := at[r]
		if !ok {
			continue
		}
		delete(at, r) // count each shared row once
		if oe == nil {
			oe = &OverlapError{Train: trainName, Test: testName, Row: r, TrainEntry: i + 1, TestEntry: j + 1}
		}
		oe.Shared++
	}
	if oe != nil {
		return nil, nil, oe
	}
	if tr, err = d.Rows(train); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", trainName, err)
	}
	if te, err = d.Rows(test); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", testName, err)
	}
	return tr, te, nil
}

// sameRows reports whether a and b hold the same rows in the same order.
func sameRows(a, b *Data) bool {
	return a == b || a.N == b.N && a.D == b.D && slices.Equal(a.X, b.X) && slices.Equal(a.Y, b.Y)
}

// checkLabels reports a target that is not a class label in 0…k−1.
func (d *Data) checkLabels(k int) error {
	for i, v := range d.Y {
		if v != math.Trunc(v) || v < 0 || v >= float64(k) {
			return fmt.Errorf("bnn: label of row %d is %v, not a class in 0…%d", i, v, k-1)
		}
	}
	return nil
}

// Scaler standardizes inputs, and for regression the target, with the
// training set's means and (population) standard deviations, as in the
// UCI protocol of Hernández-Lobato & Adams (2015). Constant input columns
// keep a scale of 1.
type Scaler struct {
	XMean, XStd []float64
	YMean, YStd float64 // 0 and 1 when the target is not standardized
}

// NewScaler computes the scaler of d; withY also standardizes the target,
// which must then not be constant.
func NewScaler(d *Data, withY bool) (*Scaler, error) {
	s := &Scaler{XMean: make([]float64, d.D), XStd: make([]float64, d.D), YStd: 1}
	n := float64(d.N)
	for i := 0; i < d.N; i++ {
		for j := 0; j < d.D; j++ {
			s.XMean[j] += d.X[i*d.D+j] / n
		}
	}
	for i := 0; i < d.N; i++ {
		for j := 0; j < d.D; j++ {
			v := d.X[i*d.D+j] - s.XMean[j]
			s.XStd[j] += v * v / n
		}
	}
	for j, v := range s.XStd {
		s.XStd[j] = math.Sqrt(v)
		if !(s.XStd[j] > 1e-12*math.Max(1, math.Abs(s.XMean[j]))) {
			s.XStd[j] = 1
		}
	}
	if withY {
		var m, v float64
		for _, y := range d.Y {
			m += y / n
		}
		for _, y := range d.Y {
			v += (y - m) * (y - m) / n
		}
		if !(v > 0) {
			return nil, fmt.Errorf("bnn: the target is constant (%v); cannot standardize it", m)
		}
		s.YMean, s.YStd = m, math.Sqrt(v)
	}
	return s, nil
}

// keepInputs makes X return the inputs unchanged: means 0, scales 1.
func (s *Scaler) keepInputs() {
	for j := range s.XMean {
		s.XMean[j], s.XStd[j] = 0, 1
	}
}

// X returns standardized copies of the rows of x (row-major, len(XMean)
// columns).
func (s *Scaler) X(x []float64) ([]float64, error) {
	d := len(s.XMean)
	if len(x)%d != 0 {
		return nil, fmt.Errorf("bnn: %d input values are not rows of %d columns", len(x), d)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		j := i % d
		out[i] = (v - s.XMean[j]) / s.XStd[j]
	}
	return out, nil
}

// Y returns a standardized copy of the targets y.
func (s *Scaler) Y(y []float64) []float64 {
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = (v - s.YMean) / s.YStd
	}
	return out
}
