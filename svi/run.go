package svi

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Settings control [Run]. The zero value runs 1,000 steps.
type Settings struct {
	Steps    int           // steps to take; 0 means 1,000
	Runtime  time.Duration // stop after this wall time; 0 means no limit
	Recorder Recorder      // sees every step's Info; nil means none
}

// Result summarizes a run.
type Result struct {
	Losses  []float64     // loss (−ELBO estimate) of every step taken
	Steps   int           // steps taken in this run
	Runtime time.Duration // wall time
	Reason  string        // why the run stopped
}

// Run takes up to s.Steps steps on st, drawing each step's batch from next
// (nil next means every step uses the data fed before). It stops early when
// ctx is done, when the runtime is spent, when the recorder returns an
// error, or when a step fails; the error is returned with the result so far,
// and st holds the last good parameters.
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
	res := &Result{Losses: make([]float64, 0, steps)}
	start := time.Now()
	defer func() { res.Runtime = time.Since(start) }()
	for res.Steps < steps {
		if err := ctx.Err(); err != nil {
			res.Reason = "interrupted"
			return res, fmt.Errorf("svi: stopped after %d steps: %w", res.Steps, err)
		}
		if s.Runtime > 0 && time.Since(start) > s.Runtime {
			res.Reason = "runtime limit"
			return res, nil
		}
		var b Batch
		if next != nil {
			var err error
			if b, err = next(); err != nil {
				res.Reason = "batch error"
				return res, fmt.Errorf("svi: next batch: %w", err)
			}
		}
		info, err := t.Step(st, b)
		if err != nil {
			res.Reason = "step failed"
			return res, err
		}
		res.Losses = append(res.Losses, info.Loss)
		res.Steps++
		if s.Recorder != nil {
			if err := s.Recorder.Record(info); err != nil {
				res.Reason = "stopped by recorder"
				if errors.Is(err, ErrStop) {
					return res, nil
				}
				return res, err
			}
		}
	}
	res.Reason = "step limit"
	return res, nil
}

// ErrStop may be returned by a Recorder to end a run without error.
var ErrStop = errors.New("svi: stop requested")
