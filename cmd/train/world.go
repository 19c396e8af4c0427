package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"time"

	"github.com/govi/govi/internal/mpi"
	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/svi"
)

// dataParallel lists the commands that run data-parallel under mpirun
// (worldcavi.go adds lda and gmm).
var dataParallel = map[string]bool{"bnn": true, "blr": true, "vae": true}

// worldKey is the context key of the MPI communicator.
type worldKey struct{}

// worldOf returns the MPI communicator of ctx, or nil in a run of one
// process.
func worldOf(ctx context.Context) *mpi.Comm {
	c, _ := ctx.Value(worldKey{}).(*mpi.Comm)
	return c
}

// runWorld is run inside the job mpirun started, if any (internal/mpi
// reads the environment). In a job of P > 1 ranks every rank runs the
// command on its shard of the data (a command of dataParallel; the others
// are refused) after checking that all were given the same arguments;
// rank 0 alone writes progress and outputs, and a rank that fails prints
// its error and aborts the whole job, except after an interrupt the ranks
// agreed on (svi.ErrStoppedTogether: every rank stopped before the same
// step and rank 0 saved its checkpoint), when they end together. Outside
// mpirun it is run.
func runWorld(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	comm, err := mpi.Init()
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if comm.Size() == 1 {
		// Under mpirun -np 1 MPI was started and must be shut down.
		err := run(ctx, args, stdout, stderr)
		if ferr := comm.Finalize(); err == nil && ferr != nil {
			err = fmt.Errorf("train: %w", ferr)
		}
		return err
	}
	rank, size := comm.Rank(), comm.Size()
	err = sameArgs(comm, args)
	if err == nil && len(args) > 0 && !dataParallel[args[0]] {
		err = fmt.Errorf("train %s: runs in one process; under mpirun the commands that run data-parallel are %s (got %d ranks)", args[0], parallelNames(), size)
	}
	if err == nil {
		if rank != 0 {
			stdout, stderr = io.Discard, io.Discard
		}
		err = run(context.WithValue(ctx, worldKey{}, comm), args, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "train: rank %d of %d: %v\n", rank, size, err)
		if errors.Is(err, svi.ErrStoppedTogether) {
			// Every rank was interrupted before the same step and rank 0
			// has saved its checkpoint: end together.
			if ferr := comm.Finalize(); ferr != nil {
				err = errors.Join(err, fmt.Errorf("train: %w", ferr))
			}
			return err
		}
		// The other ranks may be waiting in a collective call: end them all.
		graceBeforeAbort(rank)
		comm.Abort(1)
		return err
	}
	return comm.Finalize()
}

// sameArgs checks that mpirun gave every rank the same command line: each
// all-reduces the 32-bit FNV-1a hash of its arguments (exact in a float64
// sum of up to 2²¹ ranks) and compares the ranks' mean with its own. A
// rank whose hash equals the mean of differing ones passes, but the others
// fail and abort the job.
func sameArgs(c *mpi.Comm, args []string) error {
	h := fnv.New32a()
	for _, a := range args {
		h.Write([]byte(a))
		h.Write([]byte{0})
	}
	own := float64(h.Sum32())
	v := []float64{own}
	if err := c.AllreduceSum(v); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if v[0] != own*float64(c.Size()) {
		return fmt.Errorf("train: the %d ranks were given different command lines: mpirun must start every rank with the same arguments", c.Size())
	}
	return nil
}

// bnnParallel returns the data-parallel settings of this rank, whose
// Reducer is a *timedComm: the zero value outside mpirun.
func bnnParallel(ctx context.Context) bnn.DataParallel {
	c := worldOf(ctx)
	if c == nil || c.Size() == 1 {
		return bnn.DataParallel{}
	}
	return bnn.DataParallel{Rank: c.Rank(), Reducer: &timedComm{Comm: c}}
}

// timedComm is the communicator as an svi.Reducer and svi.Broadcaster
// that keeps the wall time spent in the all-reduce: the exchange itself and
// the wait for the slowest rank.
type timedComm struct {
	*mpi.Comm
	spent time.Duration
	calls int
}

func (c *timedComm) AllReduce(v []float64) error {
	t0 := time.Now()
	err := c.Comm.AllReduce(v)
	c.spent += time.Since(t0)
	c.calls++
	return err
}

// allReduceSeconds returns the time dp's Reducer spent in the all-reduce,
// and 0 outside mpirun.
func allReduceSeconds(dp bnn.DataParallel) float64 {
	if c, ok := dp.Reducer.(*timedComm); ok {
		return c.spent.Seconds()
	}
	return 0
}

// shardRule is report.json's statement of the shard rule of P ranks.
func shardRule(p int) string {
	if p == 1 {
		return ""
	}
	return fmt.Sprintf("rank r of %d trains on the contiguous training rows [r·N/%d, (r+1)·N/%d) and draws (r+1)·B/%d − r·B/%d rows of the minibatch B a step; gradients averaged over the ranks", p, p, p, p, p)
}
