package gmm

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/table"
)

// checkData validates row-major N×d data and returns N: the data must be
// finite, have at least d rows (fewer points than dimensions leave the
// component covariances undetermined by the data) and no constant column.
func checkData(x []float64, d int) (int, error) {
	if d < 1 {
		return 0, fmt.Errorf("gmm: d = %d: need at least one dimension", d)
	}
	if len(x) == 0 {
		return 0, fmt.Errorf("gmm: N = 0: no data")
	}
	if len(x)%d != 0 {
		return 0, fmt.Errorf("gmm: len(x) = %d is not a multiple of d = %d", len(x), d)
	}
	n := len(x) / d
	if n < d {
		return 0, fmt.Errorf("gmm: N = %d points is fewer than the D = %d dimensions", n, d)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("gmm: x row %d, column %d = %v is not a finite number", i/d+1, i%d+1, v)
		}
	}
	for j := 0; j < d; j++ {
		constant := true
		for i := 1; i < n && constant; i++ {
			constant = x[i*d+j] == x[j]
		}
		if constant {
			return 0, fmt.Errorf("gmm: column %d is constant", j+1)
		}
	}
	return n, nil
}

// Standardize returns a copy of the row-major N×d data with each column
// centred to mean 0 and scaled to unit population standard deviation
// (divisor N), with the means and standard deviations used, so that a
// fitted mean m maps back to m·std + mean and a covariance C to
// diag(std) C diag(std). It rejects the same data as [Fit].
func Standardize(x []float64, d int) (z, mean, std []float64, err error) {
	if _, err := checkData(x, d); err != nil {
		return nil, nil, nil, err
	}
	if z, mean, std, err = table.Standardize(x, d); err != nil {
		return nil, nil, nil, fmt.Errorf("gmm: %w", err)
	}
	return z, mean, std, nil
}
