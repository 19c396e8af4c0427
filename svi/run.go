package svi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Settings control [Run]. The zero value runs 1,000 plain steps.
type Settings struct {
	Steps    int           // steps to take; 0 means 1,000
	Runtime  time.Duration // stop after this wall time; 0 means no limit
	Recorder Recorder      // sees every step's Info; nil means none
	// Schedule, when set, sets the learning-rate scale before every step.
	Schedule Schedule
	// Stop, when set, ends the run once the loss has stopped improving.
	Stop *Convergence
	// Average replaces the parameters at the end of the run by the mean of
	// the iterates since the loss stopped improving (with Stop), or over
	// the second half of the run (without): Polyak–Ruppert averaging, which
	// removes most of the optimizer's jitter around the optimum.
	Average bool
	// Guard, when set, recovers from non-finite steps (see Guard).
	Guard *Guard
	// Report is the number of draws for the fit report that Run returns in
	// Result.Report when it ends without error (Trainer.Diagnose): 0 means
	// 1,000; a negative value skips it, as callers that run a fit in chunks
	// should. Models with local (minibatch-scaled) sites get no report.
	Report int
}

// Result summarizes a run.
type Result struct {
	Losses  []float64     // loss (−ELBO estimate) of every step taken in this run
	Steps   int           // steps taken in this run
	Runtime time.Duration // wall time
	Reason  string        // why the run stopped
	Retries int           // steps rolled back by the guard
	// Report is the fit report (ELBO ± standard error, IWAE bound, PSIS k̂,
	// ESS, verdict) at the final parameters, unless Settings.Report < 0.
	Report *Diagnostics
	// ReportErr says why Report is nil when it was asked for.
	ReportErr error
}

// ErrStop may be returned by a Recorder to end a run without error.
var ErrStop = errors.New("svi: stop requested")

// Run takes up to s.Steps steps on st, drawing each step's batch from next
// (nil next means every step uses the data fed before). It stops early when
// ctx is done, when the runtime is spent, when the recorder returns an
// error, when the convergence rule fires, or when a step fails beyond what
// the guard can mend; the error is returned with the result so far, and st
// holds the last good parameters.
func Run(ctx context.Context, t *Trainer, st *State, next func() (Batch, error), s *Settings) (*Result, error) {
	if s == nil {
		s = &Settings{}
	}
	steps := s.Steps
	if steps == 0 {
		steps = 1000
	}
	if steps < 0 {
		return nil, fmt.Errorf("svi: steps must be positive, got %d", steps)
	}
	if err := t.checkState(st); err != nil {
		return nil, err
	}
	if s.Guard != nil {
		if err := s.Guard.validate(); err != nil {
			return nil, err
		}
	}
	if s.Stop != nil {
		if err := s.Stop.validate(); err != nil {
			return nil, err
		}
	}
	res := &Result{Losses: make([]float64, 0, steps)}
	start := time.Now()
	defer func() { res.Runtime = time.Since(start) }()
	first := st.Iter
	var snap *State
	var sinceSnap, retries int
	if s.Guard != nil {
		snap = st.Clone()
	}
	avgFrom := -1
	if s.Average && s.Stop == nil {
		avgFrom = first + steps/2
	}
	if s.Average && s.Stop != nil && s.Stop.flatWindows(st.Trace, 1) > 0 {
		avgFrom = st.Iter // resumed on a plateau: keep averaging
	}
	finish := func(reason string) {
		res.Reason = reason
		if s.Average {
			st.applyAverage()
		}
	}
	report := func() {
		n := s.Report
		if n < 0 {
			return
		}
		if n == 0 {
			n = 1000
		}
		for _, site := range t.sites {
			if site.Scale != 1 {
				res.ReportErr = fmt.Errorf("svi: no fit report for a model with the local (minibatch-scaled) site %q", site.Name)
				return
			}
		}
		res.Report, res.ReportErr = t.Diagnose(st, n, uint64(st.Iter)+1)
		if res.Report != nil {
			res.Report.StopReason = res.Reason
		}
	}
	for res.Steps < steps {
		if err := ctx.Err(); err != nil {
			finish("interrupted")
			return res, fmt.Errorf("svi: stopped after %d steps: %w", res.Steps, err)
		}
		if s.Runtime > 0 && time.Since(start) > s.Runtime {
			finish("runtime limit")
			report()
			return res, nil
		}
		var b Batch
		if next != nil {
			var err error
			if b, err = next(); err != nil {
				finish("batch error")
				return res, fmt.Errorf("svi: next batch: %w", err)
			}
		}
		if s.Schedule != nil {
			st.Opt.LRScale = st.Opt.backoff() * s.Schedule.Scale(st)
		}
		info, err := t.Step(st, b)
		if err != nil {
			var nf *NonFiniteError
			if s.Guard == nil || !errors.As(err, &nf) {
				finish("step failed")
				return res, err
			}
			retries++
			res.Retries++
			if retries > s.Guard.maxRetries() {
				de := &DivergenceError{Iter: nf.Iter, Retries: retries - 1, Cause: nf}
				de.Param, de.Index, de.From, de.To = largestMove(snap.Params, st.Params)
				st.CopyFrom(snap)
				finish("diverged")
				return res, de
			}
			// Roll back to the last good state and go on more carefully.
			back := st.Opt.backoff() * s.Guard.factor()
			lr := st.Opt.LRScale * s.Guard.factor()
			st.CopyFrom(snap)
			st.Opt.Backoff = back
			if s.Schedule == nil {
				st.Opt.LRScale = lr
			}
			// The snapshot keeps the reduced rate, so later rollbacks
			// do not undo it.
			snap.Opt.Backoff, snap.Opt.LRScale = st.Opt.Backoff, st.Opt.LRScale
			res.Losses = res.Losses[:len(res.Losses)-(res.Steps-(st.Iter-first))]
			res.Steps = st.Iter - first
			sinceSnap = 0
			continue
		}
		res.Losses = append(res.Losses, info.Loss)
		res.Steps++
		if s.Guard != nil {
			sinceSnap++
			if sinceSnap >= s.Guard.every() {
				snap.CopyFrom(st)
				sinceSnap, retries = 0, 0
			}
		}
		if avgFrom >= 0 && st.Iter > avgFrom {
			st.accumulateAverage()
		}
		if s.Stop != nil {
			switch s.Stop.check(st.Trace) {
			case plateauStart:
				if s.Average {
					st.resetAverage()
					avgFrom = st.Iter
				}
			case improving:
				if s.Average {
					st.resetAverage()
					avgFrom = -1
				}
			case converged:
				if s.Recorder != nil {
					if err := s.Recorder.Record(info); err != nil && !errors.Is(err, ErrStop) {
						finish("stopped by recorder")
						return res, err
					}
				}
				finish("converged")
				report()
				return res, nil
			}
		}
		if s.Recorder != nil {
			if err := s.Recorder.Record(info); err != nil {
				finish("stopped by recorder")
				if errors.Is(err, ErrStop) {
					report()
					return res, nil
				}
				return res, err
			}
		}
	}
	finish("step limit")
	report()
	return res, nil
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

func (e *DivergenceError) Unwrap() error { return e.Cause }

// Guard makes Run recover from non-finite steps: it keeps a snapshot of the
// state every Every steps, and when a step's loss, gradient or updated
// parameters are not finite it restores the snapshot and multiplies the
// learning rate by Factor. After MaxRetries failures without Every good
// steps in between it gives up with a *DivergenceError, leaving the state at
// the last snapshot. The zero value uses MaxRetries 5, Factor 0.5, Every 50.
type Guard struct {
	MaxRetries int
	Factor     float64
	Every      int
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
