package mpi

import "fmt"

// Comm is the world communicator of the job: every process started
// together by mpirun. A one-process Comm (Size 1) does no communication.
// A Comm is not safe for concurrent use: its collective calls must be made
// from one goroutine at a time, in the same order on every rank.
type Comm struct {
	rank, size int
	live       bool // MPI was initialised, and Finalize has not been called
}

// Rank returns the process's rank, 0 ≤ Rank < Size.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of processes.
func (c *Comm) Size() int { return c.size }

// Ranks returns Size, as svi.Reducer asks.
func (c *Comm) Ranks() int { return c.size }

// AllreduceSum replaces v, on every rank, by the elementwise sum over the
// ranks of their v. Every rank must pass a slice of the same length.
func (c *Comm) AllreduceSum(v []float64) error {
	if c.size == 1 || len(v) == 0 {
		return nil
	}
	if err := c.check(len(v)); err != nil {
		return err
	}
	return c.allreduce(v)
}

// AllReduce is AllreduceSum, as svi.Reducer names it.
func (c *Comm) AllReduce(v []float64) error { return c.AllreduceSum(v) }

// Bcast replaces v, on every rank, by rank 0's v.
func (c *Comm) Bcast(v []float64) error {
	if c.size == 1 || len(v) == 0 {
		return nil
	}
	if err := c.check(len(v)); err != nil {
		return err
	}
	return c.bcast(v)
}

// Broadcast is Bcast, as svi.Broadcaster names it.
func (c *Comm) Broadcast(v []float64) error { return c.Bcast(v) }

// Barrier returns once every rank has called it.
func (c *Comm) Barrier() error {
	if c.size == 1 {
		return nil
	}
	if err := c.check(0); err != nil {
		return err
	}
	return c.barrier()
}

// Abort ends every rank of the job with the exit code code; it does not
// return when MPI is running. On a one-process Comm it does nothing, and
// the caller exits as usual.
func (c *Comm) Abort(code int) {
	if c.live {
		c.abort(code)
	}
}

// Finalize shuts MPI down; the Comm must not be used afterwards. It does
// nothing on a one-process Comm.
func (c *Comm) Finalize() error {
	if !c.live {
		return nil
	}
	c.live = false
	return c.finalize()
}

func (c *Comm) check(n int) error {
	if !c.live {
		return fmt.Errorf("mpi: the communicator is finalized")
	}
	if n > 1<<31-1 {
		return fmt.Errorf("mpi: %d values exceed MPI's int count", n)
	}
	return nil
}
