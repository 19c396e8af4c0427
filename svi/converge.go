package svi

import (
	"fmt"
	"math"
)

// Convergence is Run's stopping rule. Every Window steps it compares the
// mean loss of the last window with that of the window before:
//
//	improvement = mean(previous) − mean(last)
//	noise       = 2·√(var(previous)/W + var(last)/W)
//
// The window counts as "not improving" when improvement < max(noise,
// RelTol·|mean(last)|): the loss has not dropped by more than its own Monte
// Carlo noise, nor by more than a relative tolerance. The run stops after
// Patience non-improving windows in a row. The noise term ignores the
// autocorrelation of successive losses, which makes the rule slightly eager;
// Patience guards against that. The zero value uses Window 500, RelTol 1e-6,
// Patience 3, and never stops before MinSteps (default 4·Window). Slow
// drifts below the noise of a window go undetected: that is the price of
// stopping on noisy estimates, and what iterate averaging mends.
type Convergence struct {
	Window   int
	RelTol   float64
	Patience int
	MinSteps int
}

var _ Converger = (*Convergence)(nil)

// Status is a stopping rule's judgement of a run after a step.
type Status int

const (
	// NotChecked: the rule did not look at this step.
	NotChecked Status = iota
	// Improving: the loss is still falling.
	Improving
	// PlateauStart: the first window in which the loss stopped falling;
	// Run's averaging starts here.
	PlateauStart
	// Plateau: a later window on the same plateau.
	Plateau
	// Converged: the run should stop.
	Converged
)

var statusNames = []string{"not checked", "improving", "plateau start", "plateau", "converged"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

func (c *Convergence) params() (w int, tol float64, pat, minSteps int) {
	w, tol, pat, minSteps = c.Window, c.RelTol, c.Patience, c.MinSteps
	if w <= 0 {
		w = 500
	}
	if tol == 0 {
		tol = 1e-6
	}
	if pat <= 0 {
		pat = 3
	}
	if minSteps <= 0 {
		minSteps = 4 * w
	}
	return
}

func (c *Convergence) validate() error {
	if c.Window < 0 || c.RelTol < 0 || c.Patience < 0 || c.MinSteps < 0 {
		return fmt.Errorf("svi: Convergence settings must be non-negative, got %+v", *c)
	}
	return nil
}

// Converged looks at the loss trace after a step. It is a function of the
// trace alone, so a run resumed from a checkpoint stops where the
// uninterrupted run would.
func (c *Convergence) Converged(st *State) Status {
	w, _, pat, minSteps := c.params()
	n := len(st.Trace)
	if n < 2*w || n%w != 0 {
		return NotChecked
	}
	wait := c.flatWindows(st.Trace, pat)
	switch {
	case wait == 0:
		return Improving
	case wait >= pat && n >= minSteps:
		return Converged
	case wait == 1:
		return PlateauStart
	}
	return Plateau
}

// OnPlateau reports whether the last complete window of st's trace did not
// improve: a run resumed there keeps averaging.
func (c *Convergence) OnPlateau(st *State) bool { return c.flatWindows(st.Trace, 1) > 0 }

// flatWindows counts the non-improving windows ending the trace (whose
// length is a multiple of the window), up to limit.
func (c *Convergence) flatWindows(trace []float64, limit int) int {
	w, tol, _, _ := c.params()
	wait := 0
	for end := len(trace) / w * w; end >= 2*w && wait < limit; end -= w {
		mp, vp := meanVar(trace[end-2*w : end-w])
		ml, vl := meanVar(trace[end-w : end])
		noise := 2 * math.Sqrt(vp/float64(w)+vl/float64(w))
		if mp-ml >= math.Max(noise, tol*math.Abs(ml)) {
			break
		}
		wait++
	}
	return wait
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}
