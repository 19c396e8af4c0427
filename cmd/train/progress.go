package main

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/govi/govi/svi"
)

// guardFactor is the factor by which the commands' divergence guard
// (svi.Guard) cuts the learning rate at each retry.
const guardFactor = 0.5

// progress is an svi.Recorder that prints the step, the smoothed ELBO, the
// speed and the time left to w about twice a second. It reads the clock once
// per step and formats only when it prints, so it costs well under a
// microsecond per step. Watching the state, it also reports the divergence
// guard's retries as soon as a kept step follows them.
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
	st      *svi.State // watched for the guard's cuts; nil: not watched
	backoff float64    // st.Opt.Backoff at the last step seen
	retries int        // retries seen
}

func newProgress(w io.Writer, total, base int) *progress {
	now := time.Now()
	return &progress{w: w, total: total, base: base, start: now, last: now, every: 500 * time.Millisecond, window: make([]float64, 0, 100)}
}

// watch has Record report the divergence guard's retries on st. The
// recorder sees only kept steps (svi.Run skips the retried ones), so it
// counts the guard's cuts of st.Opt.Backoff, one per retry.
func (p *progress) watch(st *svi.State) {
	p.st, p.backoff = st, backoffOf(st)
}

// backoffOf is the factor by which the guard has cut st's learning rate.
func backoffOf(st *svi.State) float64 {
	if st.Opt == nil || st.Opt.Backoff == 0 {
		return 1
	}
	return st.Opt.Backoff
}

// noteRetries prints the retries the guard made before the kept step iter,
// if any.
func (p *progress) noteRetries(iter int) {
	b := backoffOf(p.st)
	if !(b < p.backoff) {
		return
	}
	p.retries += max(1, int(math.Round(math.Log(b/p.backoff)/math.Log(guardFactor))))
	p.backoff = b
	fmt.Fprintf(p.w, "step %d: the divergence guard has rolled back %d non-finite step(s) so far; going on at %.3g × the learning rate\n",
		iter, p.retries, b)
}

// retried prints the retries of the run at its end, if there were any.
func (p *progress) retried(retries int, lr *lrUsed) {
	if retries > 0 {
		fmt.Fprintf(p.w, "the divergence guard rolled back %d non-finite step(s) in all; the last step used the learning rate %.3g (-lr %g × %.3g)\n",
			retries, lr.Final, lr.Asked, lr.Scale)
	}
}

// Record keeps a moving average of the last 100 losses and prints now and then.
func (p *progress) Record(info svi.Info) error {
	if p.st != nil {
		p.noteRetries(info.Iter)
	}
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
