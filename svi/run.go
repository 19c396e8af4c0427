package svi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Settings control [Run]. The zero value runs 1,000 plain steps. Each field
// is a piece of the loop that a caller can leave out or swap: the stopping
// rule, the learning-rate schedule, iterate averaging, the divergence guard
// and the recorder (progress, checkpoints).
type Settings struct {
	Steps    int           // steps to take; 0 means 1,000
	Runtime  time.Duration // stop after this wall time; 0 means no limit (refused with Config.Reduce)
	Recorder Recorder      // sees every step's Info; nil means none
	// Schedule, when set, sets the learning-rate scale before every step.
	Schedule Schedule
	// Stop, when set, ends the run once it reports Converged (for example
	// a *Convergence).
	Stop Converger
	// Average replaces the parameters at the end of the run by the mean of
	// the iterates since the loss stopped improving (with a Stop that
	// reports plateaus, as Convergence does), or over the second half of
	// the run (otherwise; the half of the first run that averaged, kept in
	// State.AvgFrom): Polyak–Ruppert averaging, which removes most of the
	// optimizer's jitter around the optimum. The last iterate is kept in
	// State.Iterate, and the next run on the state continues from it.
	Average bool
	// Guard, when set, recovers from non-finite steps (see Guard).
	Guard *Guard
}

// Result summarizes a run.
type Result struct {
	Losses  []float64     // loss (−ELBO estimate) of every step kept in this run
	Steps   int           // steps taken in this run
	Runtime time.Duration // wall time
	Reason  string        // why the run stopped
	Retries int           // steps rolled back by the guard
}

// ErrStop may be returned by a Recorder to end a run without error.
var ErrStop = errors.New("svi: stop requested")

// Run takes up to s.Steps steps on st, drawing each step's batch from next
// (nil next means every step uses the data fed before). It stops early when
// ctx is done, when the runtime is spent, when the recorder returns an
// error, when the stopping rule fires, or when a step fails beyond what
// the guard can mend; the error is returned with the result so far, and st
// holds the last good parameters. The fit report is not part of a run: ask
// for it with Trainer.Diagnose.
func Run(ctx context.Context, t *Trainer, st *State, next func() (Batch, error), s *Settings) (*Result, error) {
	if s == nil {
		s = &Settings{}
	}
	steps, err := s.validate()
	if err != nil {
		return nil, err
	}
	if err := t.checkState(st); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, errors.New("svi: Run needs a context")
	}
	if s.Runtime > 0 && t.cfg.Reduce != nil {
		// Each rank's clock would stop it after its own number of steps,
		// leaving the others waiting in the all-reduce.
		return nil, errors.New("svi: Settings.Runtime cannot stop a data-parallel run (Config.Reduce): the ranks would stop at different steps")
	}
	var step Stepper = t
	var guard *Guarded
	if s.Guard != nil {
		guard = s.Guard.Wrap(t)
		step = guard
	}
	st.resumeIterate()
	res := &Result{}
	start, first, traced := time.Now(), st.Iter, len(st.Trace)
	avg := newAverager(s, st, steps)
	finish := func(reason string, err error) (*Result, error) {
		res.Reason, res.Runtime, res.Steps = reason, time.Since(start), st.Iter-first
		res.Losses = slices.Clone(st.Trace[min(traced, len(st.Trace)):])
		if guard != nil {
			res.Retries = guard.Retries
		}
		avg.apply(st)
		return res, err
	}
	for st.Iter-first < steps {
		if stop, err := interrupted(ctx, t.cfg.Reduce); err != nil {
			return finish("step failed", err)
		} else if stop != nil {
			return finish("interrupted", fmt.Errorf("svi: stopped after %d steps: %w", st.Iter-first, stop))
		}
		if s.Runtime > 0 && time.Since(start) > s.Runtime {
			return finish("runtime limit", nil)
		}
		var b Batch
		if next != nil {
			if b, err = next(); err != nil {
				return finish("batch error", fmt.Errorf("svi: next batch: %w", err))
			}
		}
		if s.Schedule != nil {
			st.Opt.LRScale = st.Opt.backoff() * s.Schedule.Scale(st)
		}
		info, err := step.Step(st, b)
		if err != nil {
			reason := "step failed"
			if _, ok := err.(*DivergenceError); ok {
				reason = "diverged"
			}
			return finish(reason, err)
		}
		if info.Retried {
			continue
		}
		status := avg.observe(st)
		if s.Recorder != nil {
			if err := s.Recorder.Record(info); err != nil {
				if errors.Is(err, ErrStop) {
					return finish("stopped by recorder", nil)
				}
				return finish("stopped by recorder", err)
			}
		}
		if status == Converged {
			return finish("converged", nil)
		}
	}
	return finish("step limit", nil)
}

// interrupted returns, as stop, why a run must stop before its next step:
// ctx's error in one process. In a data-parallel run (r with more than one
// rank) every rank all-reduces a flag of its context, one float64, so that
// all stop before the same step when any rank's context is done; stop then
// wraps ErrStoppedTogether and ctx's error, or context.Canceled on a rank
// whose own context is not done. err is the all-reduce's failure.
func interrupted(ctx context.Context, r Reducer) (stop, err error) {
	stop = ctx.Err()
	if RanksOf(r) == 1 {
		return stop, nil
	}
	flag := []float64{0}
	if stop != nil {
		flag[0] = 1
	}
	if err := r.AllReduce(flag); err != nil {
		return nil, fmt.Errorf("svi: all-reduce of the stop flag: %w", err)
	}
	if flag[0] == 0 {
		return nil, nil
	}
	if stop == nil {
		stop = context.Canceled
	}
	return fmt.Errorf("%w (%w: interrupted on %v of %d ranks)", stop, ErrStoppedTogether, flag[0], r.Ranks()), nil
}

func (s *Settings) validate() (steps int, err error) {
	steps = s.Steps
	if steps == 0 {
		steps = 1000
	}
	if steps < 0 {
		return 0, fmt.Errorf("svi: steps must be positive, got %d", steps)
	}
	if s.Guard != nil {
		if err := s.Guard.validate(); err != nil {
			return 0, err
		}
	}
	if v, ok := s.Stop.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return 0, err
		}
	}
	return steps, nil
}

// averager keeps Polyak–Ruppert averaging and the stopping rule in step:
// with a rule that reports plateaus the average runs over the current
// plateau, otherwise over the second half of the run's steps.
type averager struct {
	on   bool
	stop Converger
	from int // average the iterates after this step; −1: not yet
}

func newAverager(s *Settings, st *State, steps int) *averager {
	a := &averager{on: s.Average, stop: s.Stop, from: -1}
	if !a.on {
		return a
	}
	if s.Stop == nil {
		if st.AvgFrom == 0 {
			st.AvgFrom = st.Iter + steps/2
		}
		a.from = st.AvgFrom
	} else if p, ok := s.Stop.(interface{ OnPlateau(*State) bool }); ok && p.OnPlateau(st) {
		a.from = st.Iter // resumed on a plateau: keep averaging
	}
	return a
}

// observe accumulates the average after a kept step and returns the
// stopping rule's status.
func (a *averager) observe(st *State) Status {
	if a.on && a.from >= 0 && st.Iter > a.from {
		st.accumulateAverage()
	}
	if a.stop == nil {
		return NotChecked
	}
	status := a.stop.Converged(st)
	if a.on {
		switch status {
		case PlateauStart:
			st.resetAverage()
			a.from = st.Iter
		case Improving:
			st.resetAverage()
			a.from = -1
		}
	}
	return status
}

// apply replaces the parameters by their average at the end of a run.
func (a *averager) apply(st *State) {
	if a.on {
		st.applyAverage()
	}
}
