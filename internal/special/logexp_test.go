package special

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// log1mExpRefs: log(−expm1(x)).
var log1mExpRefs = []reference{
	{-1e-300, -690.77552789821370518},
	{-1e-20, -46.051701859880913735},
	{-1e-10, -23.025850929990456804},
	{-0.5, -0.93275212956718857189},
	{-0.6931471805599453, -0.69314718055994533261},
	{-0.7, -0.6863410028083851535},
	{-1, -0.45867514538708189102},
	{-10, -0.000045400960370489209504},
	{-50, -1.928749847963917783e-22},
	{-800, 0.0},
}

func TestLog1mExp(t *testing.T) {
	checkReferences(t, "Log1mExp", Log1mExp, log1mExpRefs, refTol)
	assert.LessOrEqual(t, rel(-math.Ln2, Log1mExp(-math.Ln2)), refTol, "log(1 − e^{−log 2}) = −log 2")
	assert.True(t, math.IsInf(Log1mExp(0), -1))
	assert.True(t, math.IsNaN(Log1mExp(0.5)))
	assert.True(t, math.IsNaN(Log1mExp(math.NaN())))
}

// TestLogSumExp checks against mpmath (80 digits: log(fsum(exp(x))) and
// the same over n), including a spread that overflows exp without the
// shift.
func TestLogSumExp(t *testing.T) {
	for _, tc := range []struct {
		name          string
		x             []float64
		lse, lme, tol float64
	}{
		{"small", []float64{-1.5, 0.25, 2}, 2.1856255317133191002, 1.0870132430452094088, refTol},
		{"wide", []float64{-1000.5, 3.25, 3.5, -2, 700}, 700, 698.39056208756589963, refTol},
		{"one", []float64{-3}, -3, -3, 0},
	} {
		assert.LessOrEqual(t, rel(tc.lse, LogSumExp(tc.x)), tc.tol, "LogSumExp %s", tc.name)
		assert.LessOrEqual(t, rel(tc.lme, LogMeanExp(tc.x)), tc.tol, "LogMeanExp %s", tc.name)
	}
	// The non-finite cases, exactly.
	inf := math.Inf(1)
	assert.Equal(t, -inf, LogSumExp(nil))
	assert.Equal(t, -inf, LogMeanExp([]float64{-inf, -inf}))
	assert.Equal(t, inf, LogSumExp([]float64{1, inf}))
	assert.True(t, math.IsNaN(LogMeanExp([]float64{1, math.NaN()})))
}

// TestLog1pUnit checks log(1 + e) against math.Log1p on [0, 1], from
// subnormal e to 1, and on every float64 within 64 ulps of its branch
// point √2 − 1 and of 1/2: relative error at most 2 ulps.
func TestLog1pUnit(t *testing.T) {
	xs := []float64{0, 5e-324, 1e-300, 1e-17, 1.1e-16, 2.3e-16, 1e-12, 3e-9, 1e-5, 0.001, 0.1, 0.25, 0.5, 0.7, 0.999, 1}
	for i := range 20000 {
		xs = append(xs, math.Exp(-745*float64(i)/20000), float64(i)/20000)
	}
	for _, c := range []float64{math.Sqrt2 - 1, 0.5} {
		x := c
		for range 64 {
			x = math.Nextafter(x, 0)
		}
		for range 128 {
			xs = append(xs, x)
			x = math.Nextafter(x, 1)
		}
	}
	for _, x := range xs {
		want := math.Log1p(x)
		if got := Log1pUnit(x); math.Abs(got-want) > 2*0x1p-52*want {
			t.Errorf("Log1pUnit(%g) = %.17g, math.Log1p %.17g", x, got, want)
		}
	}
}

// BenchmarkLog1pUnit times Log1pUnit on 1000 points of [0, 1] (compare
// BenchmarkLog1p).
func BenchmarkLog1pUnit(b *testing.B) { benchHost(b, Log1pUnit, 0, 1) }

// BenchmarkLog1p times math.Log1p on the same points.
func BenchmarkLog1p(b *testing.B) { benchHost(b, math.Log1p, 0, 1) }
