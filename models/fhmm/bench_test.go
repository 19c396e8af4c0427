package fhmm

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Benchmark problem size: T steps of D outputs, L states per chain.
const (
	benchT = 200
	benchD = 8
	benchL = 3
)

// BenchmarkSweep times one sweep of each method on a generated sequence
// (RandomParams(M, 3, 8) and Generate(·, 200) from rand.NewPCG(M, 1)), for
// M = 1, …, 6 chains of L = 3 states, with the setup (whitening, tables)
// outside the timing:
//
//   - structured: M chain forward–backward passes and the ELBO;
//   - factorized: T·M coordinate updates and the ELBO;
//   - exact: one forward–backward pass on the 3^M joint states with
//     marginals and transition counts.
//
// Besides wall time (ns/op) each reports cpu-ns/op, the process's CPU
// time per operation, which is steadier on a shared machine. The
// mean-field benchmarks also report, as gap-nats, log p(y) − ELBO at
// the fixed point reached from the default start (Settings{}) and, as
// sweeps, the sweeps it took; see RESULTS.md.
func BenchmarkSweep(b *testing.B) {
	for m := 1; m <= 6; m++ {
		r := rand.New(rand.NewPCG(uint64(m), 1))
		p, err := RandomParams(m, benchL, benchD, r)
		require.NoError(b, err)
		_, y, err := Generate(p, benchT, r)
		require.NoError(b, err)
		md, err := newModel(p)
		require.NoError(b, err)
		z, err := md.whiten(y)
		require.NoError(b, err)
		post, err := Exact(p, y)
		require.NoError(b, err)
		b.Run(fmt.Sprintf("M=%d,L=%d/structured", m, benchL), func(b *testing.B) {
			q, err := Structured(p, y, Settings{})
			require.NoError(b, err)
			s := newStructured(md, z)
			require.NoError(b, s.initPotentials(nil))
			loop(b, func() {
				require.NoError(b, s.sweep())
				s.elbo()
			})
			b.ReportMetric(post.LogLik-q.ELBO[len(q.ELBO)-1], "gap-nats")
			b.ReportMetric(float64(q.Sweeps), "sweeps")
		})
		b.Run(fmt.Sprintf("M=%d,L=%d/factorized", m, benchL), func(b *testing.B) {
			q, err := Factorized(p, y, Settings{})
			require.NoError(b, err)
			f := newFactorized(md, z, nil)
			loop(b, func() {
				f.sweep()
				f.elbo()
			})
			b.ReportMetric(post.LogLik-q.ELBO[len(q.ELBO)-1], "gap-nats")
			b.ReportMetric(float64(q.Sweeps), "sweeps")
		})
		b.Run(fmt.Sprintf("M=%d,L=%d/exact", m, benchL), func(b *testing.B) {
			k, err := jointStates(m, benchL)
			require.NoError(b, err)
			j := newJoint(md, k, benchT)
			loop(b, func() {
				_, err := j.run(z, nil)
				require.NoError(b, err)
			})
			b.ReportMetric(float64(k), "states")
		})
	}
}

// BenchmarkExactLimit times Exact (whitening included) on T = 1000 steps
// of D = 8 outputs at K = L^M near MaxExactStates: 2^12 = 4096, 3^7 = 2187
// and 4^6 = 4096 joint states.
func BenchmarkExactLimit(b *testing.B) {
	for _, c := range []struct{ m, l int }{{12, 2}, {7, 3}, {6, 4}} {
		b.Run(fmt.Sprintf("M=%d,L=%d", c.m, c.l), func(b *testing.B) {
			r := rand.New(rand.NewPCG(uint64(c.m), 2))
			p, err := RandomParams(c.m, c.l, benchD, r)
			require.NoError(b, err)
			_, y, err := Generate(p, 1000, r)
			require.NoError(b, err)
			loop(b, func() {
				_, err := Exact(p, y)
				require.NoError(b, err)
			})
		})
	}
}

// loop runs f under b.Loop and reports the process's CPU time (user +
// system, from getrusage) per iteration as cpu-ns/op.
func loop(b *testing.B, f func()) {
	start := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(n), "cpu-ns/op")
}

// cpuTime returns the CPU time (user + system) this process has used, as
// benchmarks/trueskill_test.go does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
