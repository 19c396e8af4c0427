package gmm

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/internal/table"
)

// faithful returns the shipped Old Faithful data (272×2), standardised per
// column with the population standard deviation, as the peer script does.
func faithful(t testing.TB) (z []float64, d int) {
	t.Helper()
	path, ok := datadir.Shipped("old_faithful/faithful.csv")
	require.True(t, ok, "shipped data set old_faithful/faithful.csv not found")
	tb, err := table.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, 272, tb.Rows)
	z, _, _, err = Standardize(tb.Data, tb.Cols)
	require.NoError(t, err)
	return z, tb.Cols
}

// assertNonDecreasing checks that a bound never falls by more than relTol
// relative to its size.
func assertNonDecreasing(t *testing.T, trace []float64, relTol float64, what string) {
	t.Helper()
	for i := 1; i < len(trace); i++ {
		drop := trace[i-1] - trace[i]
		tol := relTol * max(1, -trace[i], trace[i])
		if drop > tol {
			t.Errorf("%s fell at iteration %d: %.17g → %.17g (drop %.3g > %.3g)", what, i+1, trace[i-1], trace[i], drop, tol)
		}
	}
}
