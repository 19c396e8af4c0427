package monotone

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFell pins the rounding allowance: RelTol relative to max(1, |before|).
func TestFell(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after float64
		want          bool
	}{
		{"rise", -100, -99, false},
		{"equal", -100, -100, false},
		{"rounding at 100", -100, -100 - 5e-8, false},
		{"fall at 100", -100, -100 - 2e-7, true},
		{"rounding near 0", 1e-3, 1e-3 - 5e-10, false},
		{"fall near 0", 1e-3, 1e-3 - 2e-9, true},
		{"from −Inf", math.Inf(-1), -5, false},
		{"to NaN", -5, math.NaN(), false},
	} {
		assert.Equal(t, tc.want, Fell(tc.before, tc.after), tc.name)
	}
}
