package table

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStandardize: columns scaled to mean 0 and population sd 1 (the
// reference values by hand: column 1 is 1, 2, 3 with mean 2 and sd
// √(2/3)), and a constant column named from 1.
func TestStandardize(t *testing.T) {
	z, mean, std, err := Standardize([]float64{1, 10, 2, 30, 3, 20}, 2)
	require.NoError(t, err)
	const tol = 1e-15 // a few roundings of numbers of order 1
	assert.InDeltaSlice(t, []float64{2, 20}, mean, tol)
	assert.InDeltaSlice(t, []float64{math.Sqrt(2.0 / 3), math.Sqrt(200.0 / 3)}, std, 1e-13)
	s := math.Sqrt(1.5)
	assert.InDeltaSlice(t, []float64{-s, -s, 0, s, s, 0}, z, 1e-15)
	_, _, _, err = Standardize([]float64{1, 5, 2, 5, 3, 5}, 2)
	assert.EqualError(t, err, "column 2 is constant")
}
