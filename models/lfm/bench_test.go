package lfm_test

import (
	"fmt"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/require"
)

// BenchmarkExact times Exact on rows of D = 36 outputs (the bars size),
// including the O(K·2^K) table built once per call; ns/row is the cost per
// row with that table amortised over the rows.
func BenchmarkExact(b *testing.B) {
	for _, k := range []int{10, 16} {
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			const n = 8
			p, x := randomProblem(b, k, 36, n, uint64(k))
			for b.Loop() {
				_, err := lfm.Exact(p, x)
				require.NoError(b, err)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}

// BenchmarkCAVISweep times one CAVI sweep (plus the initial and final
// ELBO) over 100 rows of D = 36 outputs.
func BenchmarkCAVISweep(b *testing.B) {
	for _, k := range []int{10, 16} {
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			const n = 100
			p, x := randomProblem(b, k, 36, n, uint64(k))
			for b.Loop() {
				_, err := lfm.CAVI(p, x, lfm.Settings{MaxSweeps: 1})
				require.NoError(b, err)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
