package fdcheck_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/govi/govi/internal/fdcheck"
)

// TestGrad checks Grad against the exact gradient of
// f(x) = Σ sin(xᵢ)·xᵢ₊₁ + x₀³ and checks that x is restored to the bit.
func TestGrad(t *testing.T) {
	t.Parallel()
	// tol: step 1e-6 on a function of size ~1 with |f‴| ≲ 6: truncation
	// ≈ 1e-12, rounding ≈ 1e-16/1e-6 = 1e-10.
	const tol = 1e-8
	x := []float64{0.3, -1.2, 2.0, 0.7}
	orig := append([]float64(nil), x...)
	f := func(x []float64) float64 {
		s := x[0] * x[0] * x[0]
		for i := 0; i+1 < len(x); i++ {
			s += math.Sin(x[i]) * x[i+1]
		}
		return s
	}
	want := make([]float64, len(x))
	want[0] = 3 * x[0] * x[0]
	for i := 0; i+1 < len(x); i++ {
		want[i] += math.Cos(x[i]) * x[i+1]
		want[i+1] += math.Sin(x[i])
	}
	got := fdcheck.Grad(f, x, 1e-6)
	for i := range want {
		assert.InDelta(t, want[i], got[i], tol, "∂f/∂x[%d]", i)
	}
	assert.Equal(t, orig, x, "x is restored")

	// A function that ignores its argument and reads x through a captured
	// alias sees the perturbations too.
	alias := func([]float64) float64 { return f(x) }
	assert.Equal(t, got, fdcheck.Grad(alias, x, 1e-6))
	assert.Equal(t, orig, x, "x is restored")

	// The formula is (f(x+h) − f(x−h))/2h, to the bit.
	sq := func(x []float64) float64 { return x[0] * x[0] * x[0] }
	const h = 1e-3
	x1 := []float64{0.9}
	assert.Equal(t, (sq([]float64{0.9 + h})-sq([]float64{0.9 - h}))/(2*h), fdcheck.Grad(sq, x1, h)[0])

	assert.Panics(t, func() { fdcheck.Grad(f, x, 0) }, "a zero step")
}
