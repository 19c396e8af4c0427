package main

import (
	"context"
	"runtime"
	"slices"
	"time"
)

// timing is the measurement of one point: reps blocks of calls, each the
// same number of calls.
type timing struct {
	calls  int             // calls per block
	per    []time.Duration // time per call of each block, sorted
	allocs float64         // heap allocations per call, over all blocks
	bytes  float64         // heap bytes allocated per call, over all blocks
}

// median returns the median time per call.
func (t timing) median() time.Duration { return medianDur(t.per) }

// spread returns the fastest and slowest block's time per call.
func (t timing) spread() (lo, hi time.Duration) { return t.per[0], t.per[len(t.per)-1] }

// medianDur returns the median of sorted durations.
func medianDur(d []time.Duration) time.Duration {
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}

// measure runs call warmup times untimed, sizes a block of calls to last
// about o.block from the warm-up's pace, and times o.reps such blocks. The
// garbage collector runs once before the first block and then as it
// pleases, so its cost is counted as in a real fit.
func measure(ctx context.Context, o options, call func() error) (timing, error) {
	t0 := time.Now()
	for range o.warmup {
		if err := call(); err != nil {
			return timing{}, err
		}
	}
	pace := time.Since(t0) / time.Duration(o.warmup)
	calls := 1
	if pace > 0 {
		calls = max(1, min(100000, int(o.block/pace)))
	}
	runtime.GC()
	t := timing{calls: calls}
	var m0, m1 runtime.MemStats
	var mallocs, bytes uint64
	for range o.reps {
		if err := ctx.Err(); err != nil {
			return timing{}, err
		}
		runtime.ReadMemStats(&m0)
		start := time.Now()
		for range calls {
			if err := call(); err != nil {
				return timing{}, err
			}
		}
		el := time.Since(start)
		runtime.ReadMemStats(&m1)
		mallocs += m1.Mallocs - m0.Mallocs
		bytes += m1.TotalAlloc - m0.TotalAlloc
		t.per = append(t.per, el/time.Duration(calls))
	}
	slices.Sort(t.per)
	n := float64(calls * o.reps)
	t.allocs = float64(mallocs) / n
	t.bytes = float64(bytes) / n
	return t, nil
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
