package trueskill

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Reference values below were computed with mpmath 1.3.0 at 2000 decimal
// digits (mp.ncdf, mp.npdf, mp.log, mp.exp) at the exact float64 values of
// the arguments, printed to 20 significant digits; the script is recorded in
// REFERENCES.md.

// specialRelTol is the relative tolerance against the 20-digit references.
// Most values are good to a few ulps. Beyond |x| = 5 the upper tail passes
// through exp(−x²/2 − …), whose relative error is about |x²/2|·2⁻⁵³
// (5e-14 at x = 30).
const specialRelTol = 1e-13

// specialAbsTol applies where the reference is 0 or tiny (|x| < 1e-300).
const specialAbsTol = 1e-300

func assertRel(t *testing.T, want, got, rel float64, msgAndArgs ...any) {
	t.Helper()
	tol := math.Max(rel*math.Abs(want), specialAbsTol)
	assert.InDelta(t, want, got, tol, msgAndArgs...)
}

func TestLogNormCDF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		x, want float64
	}{
		{-1e3, -500007.82669481218431},
		{-200, -20006.217280898190402},
		{-40, -804.60844201375378817},
		{-38.5, -745.69527029041108133},
		{-20, -203.91715537109726394},
		{-10, -53.231285150512470578},
		{-5.0000001, -15.06499891263912874},
		{-5, -15.064998393988725736},
		{-4.9999999, -15.064997875338332406},
		{-3, -6.6077262215103495433},
		{-1, -1.8410216450092635058},
		{0, -0.69314718055994530942},
		{0.5, -0.36894641528865639307},
		{2, -0.023012909328963488465},
		{5, -2.8665161296376359338e-7},
		{6, -9.8658764552437573169e-10},
		{8.3, -5.2055697448902541601e-17},
		{10, -7.619853024160526066e-24},
		{30, -4.9067139271481870595e-198},
	} {
		assertRel(t, tc.want, LogNormCDF(tc.x), specialRelTol, "log Φ(%v)", tc.x)
	}
	assert.True(t, math.IsInf(LogNormCDF(math.Inf(-1)), -1))
	assert.Equal(t, 0.0, LogNormCDF(math.Inf(1)))
	assert.True(t, math.IsNaN(LogNormCDF(math.NaN())))
}

func TestInvMills(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		z, lambda, zPlusLambda float64
	}{
		{-1e3, 1000.00099999800001, 0.000999998000009999926},
		{-40, 40.024968847207263723, 0.024968847207263723245},
		{-10, 10.098093233962511963, 0.098093233962511962844},
		{-5.0000001, 5.1865040638561989793, 0.18650396385619869887},
		{-4.9999999, 5.1865038703954853602, 0.18650397039548564063},
		{-2.5000001, 2.8227448887665271737, 0.32274478876652733732},
		{-2.4999999, 2.8227447065612877561, 0.32274480656128759242},
		{-2, 2.3732155328228408673, 0.3732155328228408673},
		{-1, 1.5251352761609812091, 0.52513527616098120909},
		{0, 0.79788456080286535588, 0.79788456080286535588},
		{3, 0.0044378390421256637933, 3.0044378390421256638},
		{10, 7.6945986267064193463e-23, 10.0},
	} {
		l, zl := invMills(tc.z)
		assertRel(t, tc.lambda, l, specialRelTol, "λ(%v)", tc.z)
		// z+λ just above the switch loses log10(λ/(z+λ)) ≈ 1 digit to
		// cancellation; the continued fraction below it loses none.
		assertRel(t, tc.zPlusLambda, zl, 10*specialRelTol, "z+λ(%v)", tc.z)
	}
}

func TestLogSigmoid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		x, want float64
	}{
		{-800, -800.0},
		{-40, -40.000000000000000004},
		{-1, -1.313261687518222834},
		{0, -0.69314718055994530942},
		{1e-10, -0.69314718050994530942},
		{3, -0.048587351573742058759},
		{40, -4.2483542552915889863e-18},
		{800, -3.6678745841776872135e-348},
	} {
		assertRel(t, tc.want, LogSigmoid(tc.x), specialRelTol, "log σ(%v)", tc.x)
	}
}

// TestLog1pUnit checks the logistic kernel's log(1 + e) against
// math.Log1p on [0, 1], from subnormal e to 1, and on every float64 within
// 64 ulps of its branch point √2 − 1 and of 1/2: relative error at most
// 2 ulps.
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
		if got := log1pUnit(x); math.Abs(got-want) > 2*0x1p-52*want {
			t.Errorf("log1pUnit(%g) = %.17g, math.Log1p %.17g", x, got, want)
		}
	}
}
