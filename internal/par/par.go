// Package par splits a loop over [0, n) into consecutive ranges run on
// up to GOMAXPROCS goroutines, for the elementwise kernels and matrix
// products of a step. The split changes which goroutine computes an
// element, never how: callers whose ranges are independent get the same
// results, to the bit, with any number of threads.
package par

import (
	"runtime"
	"sync"
)

// For calls f(lo, hi) on ranges that cover [0, n) without overlap, each
// starting at a multiple of unit (unit ≥ 1), one on the calling goroutine
// and the others on new ones, and returns when all have returned. It
// makes at most GOMAXPROCS ranges and none shorter than minLen (but the
// last): below 2·minLen, or with GOMAXPROCS = 1, it calls f(0, n) alone.
//
// A caller that must not allocate on one thread tests Split first and
// builds f only when it is true (a closure passed to For escapes).
func For(n, unit, minLen int, f func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), n/max(minLen, 1))
	if parts <= 1 {
		f(0, n)
		return
	}
	unit = max(unit, 1)
	size := ((n+parts-1)/parts + unit - 1) / unit * unit
	var wg sync.WaitGroup
	lo := 0
	for ; lo+size < n; lo += size {
		wg.Add(1)
		go func(lo int) {
			defer wg.Done()
			f(lo, lo+size)
		}(lo)
	}
	f(lo, n)
	wg.Wait()
}

// Split reports whether For(n, unit, minLen, f) would use more than one
// goroutine.
func Split(n, minLen int) bool {
	return min(runtime.GOMAXPROCS(0), n/max(minLen, 1)) > 1
}
