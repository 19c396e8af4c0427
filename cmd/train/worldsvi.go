package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// abortGrace is how long a rank other than 0 that failed waits before it
// ends the job (see graceBeforeAbort).
const abortGrace = 2 * time.Second

// graceBeforeAbort gives rank 0 time to save its last good state when the
// error is every rank's (a divergence, an interrupt): rank 0 saves the
// checkpoint and then ends the job itself. A rank other than 0 failing
// alone ends it abortGrace later, as rank 0 then waits in a collective
// call it cannot leave.
func graceBeforeAbort(rank int) {
	if rank != 0 {
		time.Sleep(abortGrace)
	}
}

// sviWorld is a command's place in a data-parallel fit of the shared SVI
// path (blr, vae): its rank among size ranks and the ranks' all-reduce.
// The zero value is a fit in one process.
type sviWorld struct {
	rank, size int
	comm       *timedComm // nil in one process
}

// sviWorldOf returns the world of ctx (see runWorld).
func sviWorldOf(ctx context.Context) sviWorld {
	c := worldOf(ctx)
	if c == nil || c.Size() == 1 {
		return sviWorld{size: 1}
	}
	return sviWorld{rank: c.Rank(), size: c.Size(), comm: &timedComm{Comm: c}}
}

// parallel reports whether more than one rank shares the fit.
func (w sviWorld) parallel() bool { return w.size > 1 }

// writes reports whether this rank writes the outputs and checkpoints:
// rank 0, or the one process.
func (w sviWorld) writes() bool { return w.rank == 0 }

// reducer returns the all-reduce of the ranks, nil in one process.
func (w sviWorld) reducer() svi.Reducer {
	if w.comm == nil {
		return nil
	}
	return w.comm
}

// shard returns this rank's contiguous rows [lo, hi) of n (the shard rule
// of svi.ShardRows), refusing fewer rows than ranks.
func (w sviWorld) shard(cmd string, n int) (lo, hi int, err error) {
	if !w.parallel() {
		return 0, n, nil
	}
	if n < w.size {
		return 0, 0, fmt.Errorf("train %s: %d training rows cannot be shared out over %d ranks", cmd, n, w.size)
	}
	lo, hi = svi.ShardRows(n, w.size, w.rank)
	return lo, hi, nil
}

// allReduceSeconds returns rank 0's time in the all-reduce, 0 in one
// process.
func (w sviWorld) allReduceSeconds() float64 {
	if w.comm == nil {
		return 0
	}
	return w.comm.spent.Seconds()
}

// fullBatchShardRule is report.json's statement of the shard rule of a
// full-batch fit on p ranks ("" for one process).
func fullBatchShardRule(p int) string {
	if p == 1 {
		return ""
	}
	return fmt.Sprintf("rank r of %d fits the contiguous training rows [r·N/%d, (r+1)·N/%d), all of them every step, with its likelihood scaled by %d; gradients averaged over the ranks", p, p, p, p)
}

// shardTrainers returns the trainer of this rank's fit of shard (with the
// ranks' all-reduce, see sviFlags.trainer), and the trainer of whole, the
// model of all the rows, for the fit report and the outputs: the same one
// in one process, nil on ranks other than 0, which report nothing.
func (f *sviFlags) shardTrainers(cmd string, shard, whole svi.Model, mf guides.MeanField, fp svi.Fingerprint) (fit, eval *svi.Trainer, guide svi.Guide, cfg svi.Config, err error) {
	fit, guide, cfg, err = f.trainer(cmd, shard, mf, fp)
	switch {
	case err != nil:
		return nil, nil, nil, svi.Config{}, err
	case !f.world.parallel():
		return fit, fit, guide, cfg, nil
	case !f.world.writes():
		return fit, nil, guide, cfg, nil
	}
	one := cfg
	one.Reduce = nil
	if eval, err = svi.New(whole, guide, one); err != nil {
		return nil, nil, nil, svi.Config{}, fmt.Errorf("train %s: %w", cmd, err)
	}
	return fit, eval, guide, cfg, nil
}
