package blr

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
)

// standardizeTol compares means and population standard deviations with
// gonum's stat.PopMeanStdDev on values O(1)–O(100).
const standardizeTol = 1e-12

func TestAddIntercept(t *testing.T) {
	got, d, err := AddIntercept([]float64{1, 2, 3, 4, 5, 6}, 2)
	require.NoError(t, err)
	assert.Equal(t, 3, d)
	assert.Equal(t, []float64{1, 1, 2, 1, 3, 4, 1, 5, 6}, got)
	for _, tc := range []struct {
		name string
		x    []float64
		d    int
		want string
	}{
		{"ragged", []float64{1, 2, 3}, 2, "blr: len(x) = 3 is not a multiple of d = 2"},
		{"zero columns", nil, 0, "blr: d = 0"},
		{"negative", nil, -1, "blr: d = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := AddIntercept(tc.x, tc.d)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestStandardize(t *testing.T) {
	x := []float64{
		1, 10, -3,
		2, 30, -3.5,
		4, 20, 7,
		8, 60, 0,
	}
	z, mean, std, err := Standardize(x, 3)
	require.NoError(t, err)
	for j := 0; j < 3; j++ {
		col := []float64{x[j], x[3+j], x[6+j], x[9+j]}
		m, s := stat.PopMeanStdDev(col, nil)
		assert.InDelta(t, m, mean[j], standardizeTol, "mean[%d]", j)
		assert.InDelta(t, s, std[j], standardizeTol, "std[%d]", j)
		zc := []float64{z[j], z[3+j], z[6+j], z[9+j]}
		zm, zs := stat.PopMeanStdDev(zc, nil)
		assert.InDelta(t, 0, zm, standardizeTol, "standardised mean[%d]", j)
		assert.InDelta(t, 1, zs, standardizeTol, "standardised std[%d]", j)
	}
	for _, tc := range []struct {
		name string
		x    []float64
		d    int
		want string
	}{
		{"constant column", []float64{1, 5, 2, 5, 3, 5}, 2, "blr: column 2 is constant"},
		{"single row", []float64{1, 2}, 2, "blr: column 1 is constant"},
		{"empty", nil, 2, "blr: N = 0"},
		{"ragged", []float64{1, 2, 3}, 2, "mismatched lengths"},
		{"NaN", []float64{1, math.NaN(), 3, 4}, 2, "blr: x row 0, column 1 = NaN"},
		{"no columns", []float64{1}, 0, "blr: d = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := Standardize(tc.x, tc.d)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
