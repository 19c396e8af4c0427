package table

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFormats(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		rows, cols int
		header     bool
		last       float64
	}{
		{"csv header", "\"a\",\"b\"\n1,2\n3,4\n", 2, 2, true, 4},
		{"whitespace", "1 2 3\n4\t5   6\n", 2, 3, false, 6},
		{"blank and comment lines", "# c\n\n1,2\n\n3,4.5\n", 2, 2, false, 4.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := Read(strings.NewReader(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.rows, tb.Rows)
			assert.Equal(t, tc.cols, tb.Cols)
			assert.Equal(t, tc.header, tb.Header != nil)
			assert.Equal(t, tc.last, tb.At(tb.Rows-1, tb.Cols-1))
		})
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "no data rows"},
		{"header only", "a,b\n", "no data rows"},
		{"ragged", "1,2\n3\n", "line 2 has 1 fields, want 2"},
		{"non-numeric", "1,2\n3,x\n", `line 2, column 2: "x" is not a number`},
		{"nan", "1,2\nNaN,3\n", "not a finite number"},
		{"inf", "1 2\n3 +Inf\n", "not a finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

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
