package lfm

import (
	"fmt"
	"math"
)

// Settings controls [CAVI]. The zero value is valid and selects the
// documented defaults.
type Settings struct {
	// MaxSweeps bounds the number of sweeps over the data; 0 means 1000.
	MaxSweeps int
	// Tol stops the sweeps once the summed ELBO rises by less than
	// Tol·|ELBO|; 0 means 1e-12.
	Tol float64
	// Init holds the starting λ (N rows of K, each in [0, 1]); nil means
	// λ_nj = π_j, the prior. It is copied, never modified.
	Init [][]float64
}

func (s Settings) withDefaults(n, k int) (Settings, error) {
	if s.MaxSweeps < 0 {
		return s, fmt.Errorf("lfm: Settings.MaxSweeps = %d is negative", s.MaxSweeps)
	}
	if !(s.Tol >= 0) || math.IsInf(s.Tol, 1) {
		return s, fmt.Errorf("lfm: Settings.Tol = %v, must be a finite non-negative number", s.Tol)
	}
	if s.MaxSweeps == 0 {
		s.MaxSweeps = 1000
	}
	if s.Tol == 0 {
		s.Tol = 1e-12
	}
	if s.Init == nil {
		return s, nil
	}
	if len(s.Init) != n {
		return s, fmt.Errorf("lfm: Settings.Init has %d rows, want N = %d", len(s.Init), n)
	}
	for i, row := range s.Init {
		if len(row) != k {
			return s, fmt.Errorf("lfm: Settings.Init row %d has %d entries, want K = %d", i, len(row), k)
		}
		for j, v := range row {
			if !(v >= 0 && v <= 1) {
				return s, fmt.Errorf("lfm: Settings.Init[%d][%d] = %v is outside [0, 1]", i, j, v)
			}
		}
	}
	return s, nil
}
