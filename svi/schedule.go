package svi

import (
	"fmt"
	"math"
)

// StepDecay multiplies the learning rate by Factor every Every steps.
type StepDecay struct {
	Every  int
	Factor float64
}

// Scale returns Factor^⌊Iter/Every⌋.
func (s StepDecay) Scale(st *State) float64 {
	if s.Every <= 0 {
		return 1
	}
	return math.Pow(s.Factor, float64(st.Iter/s.Every))
}

// Validate reports settings outside their range.
func (s StepDecay) Validate() error {
	if s.Every <= 0 || !(s.Factor > 0 && s.Factor <= 1) {
		return fmt.Errorf("svi: StepDecay needs Every > 0 and 0 < Factor ≤ 1, got %+v", s)
	}
	return nil
}

// ReduceOnPlateau multiplies the learning rate by Factor whenever the mean
// loss over a window of Window steps has not improved on the best window
// mean by more than RelTol (relative) for Patience windows in a row, down to
// MinScale. The zero value uses Window 100, Factor 0.5, Patience 3,
// RelTol 1e-4, MinScale 1e-3.
type ReduceOnPlateau struct {
	Window   int
	Factor   float64
	Patience int
	RelTol   float64
	MinScale float64

	cacheLen   int
	cacheScale float64
}

// Scale recomputes the scale from st.Trace at each window boundary.
func (r *ReduceOnPlateau) Scale(st *State) float64 {
	w, f, pat, tol, minS := r.Window, r.Factor, r.Patience, r.RelTol, r.MinScale
	if w <= 0 {
		w = 100
	}
	if f == 0 {
		f = 0.5
	}
	if pat <= 0 {
		pat = 3
	}
	if tol == 0 {
		tol = 1e-4
	}
	if minS == 0 {
		minS = 1e-3
	}
	n := len(st.Trace) / w * w
	if n == r.cacheLen && r.cacheScale != 0 {
		return r.cacheScale
	}
	best, wait, scale := math.Inf(1), 0, 1.0
	for i := 0; i+w <= n; i += w {
		m := 0.0
		for _, v := range st.Trace[i : i+w] {
			m += v
		}
		m /= float64(w)
		if math.IsInf(best, 1) || m < best-tol*math.Abs(best) {
			best, wait = m, 0
			continue
		}
		wait++
		if wait >= pat {
			scale = math.Max(scale*f, minS)
			wait = 0
		}
	}
	r.cacheLen, r.cacheScale = n, scale
	return scale
}
