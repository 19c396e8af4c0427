//go:build mpi

// Command allreduce times MPI's in-place all-reduce of n float64s, the
// message of one data-parallel SVI step, on the ranks mpirun starts; rank 0
// prints the mean time per call:
//
//	mpirun -np 2 go run -tags mpi ./benchmarks/distributed/allreduce -n 1005
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/govi/govi/internal/mpi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 1005, "float64s per all-reduce (parameters + 1 for the loss)")
	calls := flag.Int("calls", 20000, "timed calls (after 1000 untimed)")
	flag.Parse()
	if *n < 1 || *calls < 1 {
		return fmt.Errorf("allreduce: -n and -calls must be positive, got %d and %d", *n, *calls)
	}
	c, err := mpi.Init()
	if err != nil {
		return err
	}
	v := make([]float64, *n)
	for i := 0; i < 1000; i++ {
		if err := c.AllreduceSum(v); err != nil {
			c.Abort(1)
			return err
		}
	}
	if err := c.Barrier(); err != nil {
		c.Abort(1)
		return err
	}
	t0 := time.Now()
	for i := 0; i < *calls; i++ {
		if err := c.AllreduceSum(v); err != nil {
			c.Abort(1)
			return err
		}
	}
	el := time.Since(t0)
	if c.Rank() == 0 {
		fmt.Printf("ranks %d, %d float64s (%d bytes): %.2f µs per all-reduce over %d calls\n",
			c.Size(), *n, 8**n, float64(el.Microseconds())/float64(*calls), *calls)
	}
	return c.Finalize()
}
