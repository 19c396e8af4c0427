package main

import (
	"maps"
	"slices"
	"strings"
	"time"
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

// parallelNames lists the commands of dataParallel, as "bnn, blr and vae"
// (sorted).
func parallelNames() string {
	names := slices.Sorted(maps.Keys(dataParallel))
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
