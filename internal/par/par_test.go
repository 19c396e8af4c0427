package par

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFor: the ranges cover [0, n) once, start at multiples of unit, are
// at most GOMAXPROCS, and are one call on one goroutine when n is below
// twice minLen or GOMAXPROCS is 1.
func TestFor(t *testing.T) {
	for _, procs := range []int{1, 2, 3, 8} {
		old := runtime.GOMAXPROCS(procs)
		for _, c := range []struct{ n, unit, minLen int }{{0, 1, 1}, {1, 1, 1}, {7, 1, 1}, {100, 16, 10}, {1000, 6, 300}, {1000, 6, 600}, {5, 8, 1}} {
			var mu sync.Mutex
			seen := make([]int, c.n)
			calls := 0
			For(c.n, c.unit, c.minLen, func(lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				assert.Zero(t, lo%c.unit, "range start %d", lo)
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, s := range seen {
				assert.Equal(t, 1, s, "procs %d, %+v: element %d", procs, c, i)
			}
			assert.LessOrEqual(t, calls, max(procs, 1), "procs %d, %+v", procs, c)
			if procs == 1 || c.n < 2*c.minLen {
				assert.Equal(t, 1, calls, "procs %d, %+v", procs, c)
			}
		}
		runtime.GOMAXPROCS(old)
	}
}
