package blr

import (
	"fmt"
	"math"
)

// Settings controls the iterations of [CAVI] and [VB]. The zero value is
// valid and selects the documented defaults.
type Settings struct {
	// MaxIter bounds the number of sweeps; 0 means 10000.
	MaxIter int
	// Tol is the convergence threshold; 0 means 1e-14. CAVI stops when no
	// mean moves by more than Tol·(1 + max |μⱼ|) in a sweep; VB stops when
	// E[α] changes by less than Tol·E[α].
	Tol float64
}

func (s Settings) withDefaults() (Settings, error) {
	if s.MaxIter < 0 {
		return s, fmt.Errorf("blr: Settings.MaxIter = %d is negative", s.MaxIter)
	}
	if s.Tol < 0 || math.IsNaN(s.Tol) {
		return s, fmt.Errorf("blr: Settings.Tol = %v is negative", s.Tol)
	}
	if s.MaxIter == 0 {
		s.MaxIter = 10000
	}
	if s.Tol == 0 {
		s.Tol = 1e-14
	}
	return s, nil
}
