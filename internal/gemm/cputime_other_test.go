//go:build !unix

package gemm

import "time"

// processCPU is 0 where x/sys/unix has no getrusage: loopGFLOPS then
// reports only the rate in wall time.
func processCPU() time.Duration { return 0 }
