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

// LearnSettings controls [Learn]. The zero value is valid and selects the
// documented defaults.
type LearnSettings struct {
	// Seed seeds the starting points: start s draws its random
	// assignments from rand.NewPCG(Seed, s). Every value, 0 included, is
	// valid.
	Seed uint64
	// Starts is the number of starting points; the best final ELBO wins.
	// 0 means 5.
	Starts int
	// MaxIters bounds the EM iterations of each start; 0 means 500.
	MaxIters int
	// Tol stops a start once an iteration raises the ELBO by less than
	// Tol·|ELBO|; 0 means 1e-9.
	Tol float64
	// Sweeps bounds the CAVI sweeps of each E-step, which also stops once
	// a sweep raises the ELBO by less than Tol·|ELBO|; 0 means 20.
	Sweeps int
	// MinSigma is the floor of the learned σ, which keeps the ELBO finite
	// when the factors can reproduce the data exactly; 0 means 1e-6 times
	// the standard deviation of all entries of x about their column means
	// (1e-6 when that is 0).
	MinSigma float64
	// Progress, when not nil, is called after every EM iteration with the
	// start (from 0), the iteration (from 1) and the summed ELBO. A non-nil
	// error stops Learn, which returns it wrapped: a caller's way to
	// honour a cancelled context.
	Progress func(start, iter int, elbo float64) error
}

func (s LearnSettings) withDefaults() (LearnSettings, error) {
	switch {
	case s.Starts < 0:
		return s, fmt.Errorf("lfm: LearnSettings.Starts = %d is negative", s.Starts)
	case s.MaxIters < 0:
		return s, fmt.Errorf("lfm: LearnSettings.MaxIters = %d is negative", s.MaxIters)
	case s.Sweeps < 0:
		return s, fmt.Errorf("lfm: LearnSettings.Sweeps = %d is negative", s.Sweeps)
	case !(s.Tol >= 0) || math.IsInf(s.Tol, 1):
		return s, fmt.Errorf("lfm: LearnSettings.Tol = %v, must be a finite non-negative number", s.Tol)
	case !(s.MinSigma >= 0) || math.IsInf(s.MinSigma, 1):
		return s, fmt.Errorf("lfm: LearnSettings.MinSigma = %v, must be a finite non-negative number", s.MinSigma)
	}
	if s.Starts == 0 {
		s.Starts = 5
	}
	if s.MaxIters == 0 {
		s.MaxIters = 500
	}
	if s.Tol == 0 {
		s.Tol = 1e-9
	}
	if s.Sweeps == 0 {
		s.Sweeps = 20
	}
	return s, nil
}
