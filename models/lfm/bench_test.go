package lfm_test

import (
	"fmt"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/require"
)

// BenchmarkExact times Exact on 8 rows of D = 36 outputs (the bars size),
// including the O(K·2^K) table built once per call; ns/row is the time per
// row with that table amortised over the rows.
func BenchmarkExact(b *testing.B) {
	benchRows(b, 8, func(p lfm.Params, x [][]float64) error {
		_, err := lfm.Exact(p, x)
		return err
	})
}

// BenchmarkCAVISweep times one CAVI sweep over 100 rows of D = 36 outputs,
// with the ELBO evaluated before and after it (three O(KD) passes per row).
func BenchmarkCAVISweep(b *testing.B) {
	benchRows(b, 100, func(p lfm.Params, x [][]float64) error {
		_, err := lfm.CAVI(p, x, lfm.Settings{MaxSweeps: 1})
		return err
	})
}

// benchRows runs f on a seeded random problem of n rows for K = 10 and 16
// and reports the time per row.
func benchRows(b *testing.B, n int, f func(lfm.Params, [][]float64) error) {
	for _, k := range []int{10, 16} {
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			p, x := randomProblem(b, k, 36, n, uint64(k))
			for b.Loop() {
				require.NoError(b, f(p, x))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
