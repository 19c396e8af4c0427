package main

import (
	"fmt"
	"io"
	"time"

	"github.com/govi/govi/svi"
)

// progress is an svi.Recorder that prints the step, the smoothed ELBO, the
// speed and the time left to w about twice a second. It reads the clock once
// per step and formats only when it prints, so it costs well under a
// microsecond per step.
type progress struct {
	w       io.Writer
	total   int // steps planned in this run
	base    int // steps taken before this run; −1: learn it from the first step (total is then the planned end)
	start   time.Time
	last    time.Time
	every   time.Duration
	window  []float64
	wsum    float64
	wi      int
	printed int
}

func newProgress(w io.Writer, total, base int) *progress {
	now := time.Now()
	return &progress{w: w, total: total, base: base, start: now, last: now, every: 500 * time.Millisecond, window: make([]float64, 0, 100)}
}

// Record keeps a moving average of the last 100 losses and prints now and then.
func (p *progress) Record(info svi.Info) error {
	if p.base < 0 {
		p.base = info.Iter - 1
		p.total -= p.base
	}
	if len(p.window) < cap(p.window) {
		p.window = append(p.window, info.Loss)
		p.wsum += info.Loss
	} else {
		p.wsum += info.Loss - p.window[p.wi]
		p.window[p.wi] = info.Loss
		p.wi = (p.wi + 1) % len(p.window)
	}
	now := time.Now()
	done := info.Iter - p.base
	if now.Sub(p.last) < p.every && done != p.total {
		return nil
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(done) / el
	left := float64(p.total-done) / rate
	fmt.Fprintf(p.w, "step %7d/%d  ELBO %12.4f (mean of last %d)  %8.0f steps/s  %6.1fs left\n",
		done, p.total, -p.wsum/float64(len(p.window)), len(p.window), rate, left)
	p.printed++
	return nil
}
