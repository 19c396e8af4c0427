package blr

import (
	"fmt"

	"github.com/govi/govi/internal/table"
)

// AddIntercept returns a copy of the row-major N×d matrix x with a column of
// ones prepended, and its new column count d+1.
func AddIntercept(x []float64, d int) ([]float64, int, error) {
	if d < 0 {
		return nil, 0, fmt.Errorf("blr: d = %d: negative column count", d)
	}
	if d == 0 {
		if len(x) != 0 {
			return nil, 0, fmt.Errorf("blr: d = 0 but len(x) = %d", len(x))
		}
		return nil, 0, fmt.Errorf("blr: d = 0: cannot tell the number of rows")
	}
	if len(x)%d != 0 {
		return nil, 0, fmt.Errorf("blr: len(x) = %d is not a multiple of d = %d (mismatched lengths)", len(x), d)
	}
	n := len(x) / d
	out := make([]float64, 0, n*(d+1))
	for i := 0; i < n; i++ {
		out = append(out, 1)
		out = append(out, x[i*d:(i+1)*d]...)
	}
	return out, d + 1, nil
}

// Standardize returns a copy of the row-major N×d matrix x with every column
// centred to mean 0 and scaled to unit population standard deviation
// (divisor N), with the means and standard deviations used. For a target
// vector, pass d = 1. A constant column is an error ("column j is
// constant", counted from 1), since it cannot be scaled; drop it or use [AddIntercept]
// instead.
func Standardize(x []float64, d int) (z, mean, std []float64, err error) {
	if d < 1 {
		return nil, nil, nil, fmt.Errorf("blr: d = %d: need at least one column", d)
	}
	if len(x) == 0 {
		return nil, nil, nil, fmt.Errorf("blr: N = 0: need at least one observation")
	}
	if len(x)%d != 0 {
		return nil, nil, nil, fmt.Errorf("blr: len(x) = %d is not a multiple of d = %d (mismatched lengths)", len(x), d)
	}
	if err := checkFinite("x", x, d); err != nil {
		return nil, nil, nil, err
	}
	if z, mean, std, err = table.Standardize(x, d); err != nil {
		return nil, nil, nil, fmt.Errorf("blr: %w", err)
	}
	return z, mean, std, nil
}
