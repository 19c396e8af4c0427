package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNormalFiller: the filler's draws are rand.New(pcg).NormFloat64's to
// the bit (2,000,000 of them, in slices of odd lengths, so the rare draws
// outside the rectangles are replayed many times), the source ends in the
// same state, and this Go release's ziggurat is the one the filler runs
// (were it not, the filler would still match, more slowly, and this test
// would say so).
func TestNormalFiller(t *testing.T) {
	require.True(t, ZigguratMatches(), "math/rand/v2's NormFloat64 changed: NormalFiller falls back to it")
	a, b := rand.NewPCG(7, 8), rand.NewPCG(7, 8)
	r := rand.New(b)
	var f NormalFiller
	tails := 0
	for _, n := range []int{1, 7, 1000, 999999, 1000000 - 1007} {
		got := make([]float64, n)
		f.Fill(got, a)
		for i, v := range got {
			w := r.NormFloat64()
			require.Equal(t, math.Float64bits(w), math.Float64bits(v), "draw %d of %d", i, n)
			if math.Abs(v) > 3.442619855899 {
				tails++ // beyond the base strip's edge: drawn on the slow path
			}
		}
	}
	assert.Equal(t, b.Uint64(), a.Uint64(), "the sources end in the same state")
	assert.Greater(t, tails, 500, "draws from the tails were compared")
}

func BenchmarkNormalFiller(b *testing.B) {
	dst := make([]float64, 478410)
	b.Run("filler", func(b *testing.B) {
		var f NormalFiller
		p := rand.NewPCG(1, 2)
		for b.Loop() {
			f.Fill(dst, p)
		}
	})
	b.Run("NormFloat64", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			FillStdNormal(dst, r)
		}
	})
}
