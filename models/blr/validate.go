package blr

import (
	"fmt"
	"math"
)

// checkData validates a row-major N×d design matrix x and its targets y and
// returns N.
func checkData(x, y []float64, d int) (int, error) {
	n := len(y)
	if n < 1 {
		return 0, fmt.Errorf("blr: N = 0: need at least one observation")
	}
	if d < 1 {
		return 0, fmt.Errorf("blr: d = %d: need at least one column", d)
	}
	if len(x) != n*d {
		return 0, fmt.Errorf("blr: len(x) = %d, want N·d = %d·%d = %d (mismatched lengths)", len(x), n, d, n*d)
	}
	if err := checkFinite("x", x, d); err != nil {
		return 0, err
	}
	if err := checkFinite("y", y, 1); err != nil {
		return 0, err
	}
	return n, nil
}

// checkFinite reports the first NaN or infinite value of a row-major table
// with d columns.
func checkFinite(name string, v []float64, d int) error {
	for i, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if d == 1 {
				return fmt.Errorf("blr: %s[%d] = %v is not a finite number", name, i, f)
			}
			return fmt.Errorf("blr: %s row %d, column %d = %v is not a finite number", name, i/d, i%d, f)
		}
	}
	return nil
}

// checkPositive rejects a parameter that is not a finite positive number.
func checkPositive(name string, v float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return fmt.Errorf("blr: %s = %v, must be a finite positive number", name, v)
	}
	return nil
}
