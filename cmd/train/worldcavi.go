package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/govi/govi/models/gmm"
)

// The CAVI commands lda and gmm run data-parallel too: each rank fits its
// shard and the ranks sum the sufficient statistics every sweep.
func init() { dataParallel["lda"], dataParallel["gmm"] = true, true }

// parallelNames lists the commands of dataParallel, sorted.
func parallelNames() string {
	var names []string
	for n := range dataParallel {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// caviComm returns this rank's communicator as a *timedComm and its rank,
// or nil and 0 in a run of one process.
func caviComm(ctx context.Context) (*timedComm, int) {
	c := worldOf(ctx)
	if c == nil || c.Size() == 1 {
		return nil, 0
	}
	return &timedComm{Comm: c}, c.Rank()
}

// gmmParallel returns the data-parallel settings of this rank: the zero
// value outside mpirun.
func gmmParallel(ctx context.Context) (gmm.DataParallel, *timedComm) {
	tc, rank := caviComm(ctx)
	if tc == nil {
		return gmm.DataParallel{}, nil
	}
	return gmm.DataParallel{Rank: rank, Reducer: tc}, tc
}

// caviRanks holds what report.json records of a data-parallel CAVI fit.
type caviRanks struct {
	// Ranks is the number of MPI processes that shared the fit (1: one
	// process) and ShardRule how they shared the data.
	Ranks     int    `json:"ranks"`
	ShardRule string `json:"shard_rule,omitempty"`
	// AllReduceSeconds is rank 0's wall time in the all-reduce of the
	// statistics (the exchange and the wait for the slowest rank), and
	// AllReduceBytes the bytes each rank contributes to it a sweep.
	AllReduceSeconds float64 `json:"allreduce_seconds,omitempty"`
	AllReduceBytes   int     `json:"allreduce_bytes_per_sweep,omitempty"`
}

// newCaviRanks returns the record of a fit that tc's ranks share (one
// process when tc is nil): rows names the unit of the shards ("training
// documents", "rows"), n the symbol of their number, and bytes the bytes
// exchanged a sweep.
func newCaviRanks(tc *timedComm, rows, n string, bytes int) caviRanks {
	if tc == nil {
		return caviRanks{Ranks: 1}
	}
	p := tc.Size()
	return caviRanks{Ranks: p, AllReduceSeconds: tc.spent.Seconds(), AllReduceBytes: bytes,
		ShardRule: fmt.Sprintf("rank r of %d fits the contiguous %s [r·%s/%d, (r+1)·%s/%d); the sufficient statistics are summed over the ranks every sweep", p, rows, n, p, n, p)}
}
