package svi

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Guard makes a run recover from non-finite steps: it keeps a snapshot of
// the state every Every steps, and when a step's loss, gradient or updated
// parameters are not finite it restores the snapshot and multiplies the
// learning rate by Factor. After MaxRetries failures without Every good
// steps in between it gives up with a *DivergenceError, leaving the state at
// the last snapshot. The zero value uses MaxRetries 5, Factor 0.5, Every 50.
// Settings.Guard puts it around Run's steps; Wrap puts it around any
// Stepper.
type Guard struct {
	MaxRetries int
	Factor     float64
	Every      int
}

// Wrap returns a Stepper that takes s's steps under the guard.
func (g Guard) Wrap(s Stepper) *Guarded { return &Guarded{inner: s, g: g} }

// Guarded is a Stepper under a Guard. Its snapshot is taken on the first
// step; use a new one for each run.
type Guarded struct {
	inner   Stepper
	g       Guard
	snap    *State
	since   int // good steps since the snapshot
	retries int // failures since the snapshot
	Retries int // steps rolled back in all
}

// Step takes one step of the wrapped stepper. When the step fails with a
// *NonFiniteError the state is rolled back to the last snapshot with a
// smaller learning rate and Step returns an Info with Retried set and no
// error, until the retries are spent: then it returns a *DivergenceError
// with the state at the snapshot. Other errors pass through.
func (gd *Guarded) Step(st *State, b Batch) (Info, error) {
	if gd.snap == nil {
		gd.snap = st.Clone()
	}
	info, err := gd.inner.Step(st, b)
	var nf *NonFiniteError
	if err != nil && !errors.As(err, &nf) {
		return info, err
	}
	if err == nil {
		if gd.since++; gd.since >= gd.g.every() {
			gd.snap.CopyFrom(st)
			gd.since, gd.retries = 0, 0
		}
		return info, nil
	}
	gd.retries++
	gd.Retries++
	if gd.retries > gd.g.maxRetries() {
		de := &DivergenceError{Iter: nf.Iter, Retries: gd.retries - 1, Cause: nf}
		de.Param, de.Index, de.From, de.To = largestMove(gd.snap.Params, st.Params)
		st.CopyFrom(gd.snap)
		return info, de
	}
	// Roll back to the last good state and go on more carefully; the
	// snapshot keeps the reduced rate, so later rollbacks do not undo it.
	back := st.Opt.backoff() * gd.g.factor()
	lr := st.Opt.LRScale * gd.g.factor()
	st.CopyFrom(gd.snap)
	st.Opt.Backoff, st.Opt.LRScale = back, lr
	gd.snap.Opt.Backoff, gd.snap.Opt.LRScale = back, lr
	gd.since = 0
	return Info{Iter: st.Iter, Loss: nf.Loss, Retried: true}, nil
}

func (g *Guard) maxRetries() int {
	if g.MaxRetries == 0 {
		return 5
	}
	return g.MaxRetries
}

func (g *Guard) factor() float64 {
	if g.Factor == 0 {
		return 0.5
	}
	return g.Factor
}

func (g *Guard) every() int {
	if g.Every == 0 {
		return 50
	}
	return g.Every
}

func (g *Guard) validate() error {
	if g.MaxRetries < 0 || g.Every < 0 || !(g.Factor >= 0 && g.Factor < 1) {
		return fmt.Errorf("svi: Guard needs MaxRetries ≥ 0, Every ≥ 0 and 0 ≤ Factor < 1, got %+v", *g)
	}
	return nil
}

// DivergenceError reports a run the guard could not rescue: every retry,
// each from the last good state with a smaller learning rate, hit a
// non-finite value. The state holds the last good parameters.
type DivergenceError struct {
	Iter    int             // the step that failed last
	Retries int             // retries made
	Cause   *NonFiniteError // the last failure
	// Param[Index] is the parameter element that moved most, relative to
	// its size, between the last good state and the failing one: the
	// likely culprit. From and To are its two values.
	Param    string
	Index    int
	From, To float64
}

func (e *DivergenceError) Error() string {
	msg := fmt.Sprintf("svi: the fit diverged at step %d after %d retries with smaller learning rates: %v", e.Iter, e.Retries, e.Cause)
	if site := siteOf(e.Cause.What); site != "" {
		msg += " (site " + site + ")"
	}
	if e.Param != "" {
		msg += fmt.Sprintf("; the largest move since the last good state was %s[%d] (site %s), %.4g → %.4g", e.Param, e.Index, siteOf(e.Param), e.From, e.To)
	}
	return msg + "; the state holds the last good parameters"
}

func (e *DivergenceError) Unwrap() error { return e.Cause }

// siteOf extracts the site from a parameter name "guides/<site>/<param>".
func siteOf(name string) string {
	i := strings.Index(name, "guides/")
	if i < 0 {
		return ""
	}
	rest := name[i+len("guides/"):]
	if j := strings.LastIndex(rest, "/"); j > 0 {
		return rest[:j]
	}
	return ""
}

func largestMove(from, to *Params) (name string, index int, a, b float64) {
	best := -1.0
	for i, n := range from.names {
		for j, x := range from.values[i] {
			y := to.values[i][j]
			d := math.Abs(y-x) / (1 + math.Abs(x))
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			if d > best {
				best, name, index, a, b = d, n, j, x, y
			}
		}
	}
	return name, index, a, b
}
