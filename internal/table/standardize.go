package table

import (
	"fmt"
	"math"
)

// Standardize returns a copy of the row-major n×d matrix x with every
// column centred to mean 0 and scaled to unit population standard
// deviation (divisor n), with the means and standard deviations used, so
// that a value v maps back to v·std + mean. A constant column cannot be
// scaled: it is an error naming the column, counted from 1. The caller
// checks that x is non-empty, a multiple of d long and finite.
func Standardize(x []float64, d int) (z, mean, std []float64, err error) {
	n := len(x) / d
	mean = make([]float64, d)
	std = make([]float64, d)
	for j := 0; j < d; j++ {
		var s float64
		constant := true
		for i := 0; i < n; i++ {
			s += x[i*d+j]
			constant = constant && x[i*d+j] == x[j]
		}
		m := s / float64(n)
		var ss float64
		for i := 0; i < n; i++ {
			ss += (x[i*d+j] - m) * (x[i*d+j] - m)
		}
		if constant || ss == 0 {
			return nil, nil, nil, fmt.Errorf("column %d is constant", j+1)
		}
		mean[j], std[j] = m, math.Sqrt(ss/float64(n))
	}
	z = make([]float64, len(x))
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			z[i*d+j] = (x[i*d+j] - mean[j]) / std[j]
		}
	}
	return z, mean, std, nil
}
