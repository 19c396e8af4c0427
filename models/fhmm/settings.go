package fhmm

import (
	"fmt"
	"math"
)

// Settings controls [Structured] and [Factorized]. The zero value is valid
// and selects the documented defaults.
type Settings struct {
	// MaxSweeps bounds the number of sweeps; 0 means 1000.
	MaxSweeps int
	// Tol stops the sweeps once the ELBO rises by less than Tol·|ELBO| in
	// a sweep; 0 means 1e-12.
	Tol float64
	// InitLogH sets, for [Structured] only, the starting log-potentials
	// log h_t⁽ᵐ⁾(l) (T×M×L, finite); nil means 0, which starts every q_m at
	// the prior of its chain. It is copied, never modified.
	InitLogH [][][]float64
	// InitMarginals sets, for [Factorized] only, the starting θ_t⁽ᵐ⁾
	// (T×M×L, each θ_t⁽ᵐ⁾ non-negative and summing to 1 within [SumTol]);
	// nil means the prior marginals π⁽ᵐ⁾ᵀ(P⁽ᵐ⁾)^{t−1}. It is copied, never
	// modified.
	InitMarginals [][][]float64
}

func (s Settings) withDefaults() (Settings, error) {
	if s.MaxSweeps < 0 {
		return s, fmt.Errorf("fhmm: Settings.MaxSweeps = %d is negative", s.MaxSweeps)
	}
	if !(s.Tol >= 0) || math.IsInf(s.Tol, 1) {
		return s, fmt.Errorf("fhmm: Settings.Tol = %v, must be a finite non-negative number", s.Tol)
	}
	if s.MaxSweeps == 0 {
		s.MaxSweeps = 1000
	}
	if s.Tol == 0 {
		s.Tol = 1e-12
	}
	return s, nil
}

// checkInit checks a T×M×L starting table; dist requires each innermost
// row to be a probability vector, otherwise every entry must be finite.
func checkInit(x [][][]float64, t, m, l int, name string, dist bool) error {
	if len(x) != t {
		return fmt.Errorf("fhmm: Settings.%s has %d rows, want T = %d", name, len(x), t)
	}
	for i, xt := range x {
		if len(xt) != m {
			return fmt.Errorf("fhmm: Settings.%s[%d] has %d rows, want M = %d", name, i, len(xt), m)
		}
		for c, row := range xt {
			where := fmt.Sprintf("Settings.%s[%d][%d]", name, i, c)
			if dist {
				if err := checkDist(row, l, where); err != nil {
					return err
				}
				continue
			}
			if len(row) != l {
				return fmt.Errorf("fhmm: %s has %d entries, want L = %d", where, len(row), l)
			}
			for s, v := range row {
				if !finite(v) {
					return fmt.Errorf("fhmm: %s entry %d = %v is not a finite number", where, s, v)
				}
			}
		}
	}
	return nil
}
