// Package inproc is an in-process stand-in for MPI's collectives: P ranks
// run as goroutines of one process and meet at each call. Tests use it to
// check data-parallel code without mpirun.
package inproc

import (
	"fmt"
	"sync"
)

// comm is what the ranks share.
type comm struct {
	p       int
	mu      sync.Mutex
	cond    *sync.Cond
	bufs    [][]float64
	out     []float64
	err     error
	arrived int
	gen     int
}

// Rank is one rank's svi.Reducer and svi.Broadcaster. Each Rank must be
// used by one goroutine, and all P must make the same calls in the same
// order, as with MPI.
type Rank struct {
	c    *comm
	rank int
}

// New returns the P ranks of one world.
func New(p int) []Rank {
	c := &comm{p: p, bufs: make([][]float64, p)}
	c.cond = sync.NewCond(&c.mu)
	rs := make([]Rank, p)
	for r := range rs {
		rs[r] = Rank{c, r}
	}
	return rs
}

// Rank returns the rank, Ranks the world's size.
func (r Rank) Rank() int  { return r.rank }
func (r Rank) Ranks() int { return r.c.p }

// AllReduce replaces v by the sum of the ranks' v, added in rank order
// (one order for every rank, so all get the same bits, as from MPI).
func (r Rank) AllReduce(v []float64) error {
	return r.meet(v, func(bufs [][]float64) ([]float64, error) {
		sum := make([]float64, len(v))
		for k, b := range bufs {
			if len(b) != len(sum) {
				return nil, fmt.Errorf("inproc: rank %d reduces %d values, rank %d %d", k, len(b), r.rank, len(v))
			}
			for i, x := range b {
				sum[i] += x
			}
		}
		return sum, nil
	})
}

// Broadcast replaces v by rank 0's v.
func (r Rank) Broadcast(v []float64) error {
	return r.meet(v, func(bufs [][]float64) ([]float64, error) {
		if len(bufs[0]) != len(v) {
			return nil, fmt.Errorf("inproc: rank 0 broadcasts %d values, rank %d expects %d", len(bufs[0]), r.rank, len(v))
		}
		return append([]float64(nil), bufs[0]...), nil
	})
}

// meet waits for every rank; the last to arrive combines their slices
// with f, and every rank copies the result into its v.
func (r Rank) meet(v []float64, f func(bufs [][]float64) ([]float64, error)) error {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bufs[r.rank] = v
	c.arrived++
	gen := c.gen
	if c.arrived == c.p {
		c.out, c.err = f(c.bufs)
		c.arrived, c.gen = 0, c.gen+1
		c.cond.Broadcast()
	} else {
		for gen == c.gen {
			c.cond.Wait()
		}
	}
	if c.err != nil {
		return c.err
	}
	copy(v, c.out)
	return nil
}

// Run runs f on each of the p ranks of a new world, each in its own
// goroutine, and returns their errors by rank once all have returned.
func Run(p int, f func(r Rank) error) []error {
	errs := make([]error, p)
	var wg sync.WaitGroup
	for _, r := range New(p) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r.rank] = f(r)
		}()
	}
	wg.Wait()
	return errs
}
