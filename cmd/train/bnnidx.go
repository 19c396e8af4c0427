package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/svi"
)

// idxDefaults checks -idx and -rows and sets what -idx implies where the
// flag was not given: classification, and no fit report (-diagnostic-draws
// 0: it would score q on all 60,000 training images). The pixels are fed
// as given, in [0, 1] (bnn.Settings.RawInputs, set by protocol).
func (f *bnnFlags) idxDefaults(fs *flag.FlagSet) error {
	if *f.idx == "" {
		if *f.rows != 0 {
			return errors.New("-rows keeps the first rows of -idx; give -idx")
		}
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case *f.rows < 0:
		return fmt.Errorf("-rows must not be negative, got %d", *f.rows)
	case given["task"] && *f.task != bnn.Classification.String():
		return fmt.Errorf("-idx images are a classification problem, got -task %s", *f.task)
	}
	*f.task = bnn.Classification.String()
	if !given["diagnostic-draws"] {
		f.svi.draws = 0
	}
	return nil
}

// idxSplit reads the official train/test split of -idx (bnn.ReadIDX) and
// names it in rep.
func (f *bnnFlags) idxSplit(rep *bnnReport) (bnn.Split, error) {
	sp, err := bnn.ReadIDX(*f.idx, *f.rows)
	if err != nil {
		return bnn.Split{}, err
	}
	rep.Data = fmt.Sprintf("%s: IDX, official split, %d training and %d test images of %d pixels scaled to [0, 1] by 1/255, not standardized",
		*f.idx, sp.Train.N, sp.Test.N, sp.Train.D)
	return sp, nil
}

// epochLines is an svi.Recorder printing one line per epoch: the mean ELBO
// over the epoch's steps and the epoch's wall time. The clock starts at the
// end of the fit's first step, so that building the training graph is not
// counted: the first epoch's time is that of its other steps, and its line
// says so.
type epochLines struct {
	w          io.Writer
	spe, total int // steps per epoch, steps planned
	sum        float64
	n          int
	first      int // the fit's first step; 0 before it
	last       time.Time
	start      time.Time
}

func newEpochLines(w io.Writer, spe, total int) *epochLines {
	return &epochLines{w: w, spe: spe, total: total}
}

// Record adds the step's loss and prints the line at the end of an epoch.
func (e *epochLines) Record(info svi.Info) error {
	now := time.Now()
	if e.first == 0 {
		e.first, e.start, e.last = info.Iter, now, now
	}
	e.sum += info.Loss
	e.n++
	if info.Iter%e.spe != 0 && info.Iter != e.total {
		return nil
	}
	timed := ""
	if info.Iter-e.first < e.spe {
		timed = fmt.Sprintf(" (steps %d–%d timed)", e.first+1, info.Iter)
	}
	fmt.Fprintf(e.w, "epoch %d/%d: ELBO %.6g (mean of its %d steps), %.1f s%s, %.1f s in all\n",
		(info.Iter+e.spe-1)/e.spe, (e.total+e.spe-1)/e.spe, -e.sum/float64(e.n), e.n, now.Sub(e.last).Seconds(), timed, now.Sub(e.start).Seconds())
	e.sum, e.n, e.last = 0, 0, now
	return nil
}

// bnnRecorder returns the recorder of a fit of steps steps: the progress
// lines, and with -idx one line per epoch of the training split's spe
// steps as well.
func (f *bnnFlags) bnnRecorder(w io.Writer, spe int) func(steps int) svi.Recorder {
	return func(steps int) svi.Recorder {
		p := newProgress(w, steps, -1) // a resumed fit starts part-way
		if *f.idx == "" {
			return p
		}
		return svi.Recorders(p, newEpochLines(w, spe, steps))
	}
}
