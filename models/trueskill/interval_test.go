package trueskill

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// intervalRelTol is the relative tolerance of log Z, G, V and H against the
// mpmath references (2000 digits at the exact float64 arguments, printed to
// 20 significant digits; the script is recorded in REFERENCES.md). Most
// values are good to a few ulps; the variance of a wide interval far in the
// tail (V ≈ 1/a², e.g. [−40, −39]) is left after cancelling terms of size
// a², which costs up to ~4 digits.
const intervalRelTol = 1e-12

// relAbsTol is the absolute floor of assertRel, for references that are 0
// or tiny (below 1e-300).
const relAbsTol = 1e-300

// assertRel asserts |got − want| ≤ max(rel·|want|, relAbsTol).
func assertRel(t *testing.T, want, got, rel float64, msgAndArgs ...any) {
	t.Helper()
	tol := math.Max(rel*math.Abs(want), relAbsTol)
	assert.InDelta(t, want, got, tol, msgAndArgs...)
}

func TestNormInterval(t *testing.T) {
	t.Parallel()
	ninf, pinf := math.Inf(-1), math.Inf(1)
	for _, tc := range []struct {
		a, b, logZ, g, v float64
	}{
		{ninf, 0, -0.69314718055994530942, -0.79788456080286535588, 0.36338022763241865692},
		{ninf, -30, -454.32124395634319711, -30.033259667433677037, 0.0011037715118900910011},
		{ninf, -5, -15.064998393988725736, -5.1865039671258421156, 0.032696434617112225345},
		{ninf, 3, -0.0013508099647481937988, -0.0044378390421256637933, 0.98666678845825919379},
		{2, pinf, -3.7831843336820319488, 2.3732155328228408673, 0.11427910041408125664},
		{-30, pinf, -4.9067139271481870595e-198, 1.473646134878547519e-196, 1.0},
		{-0.5, 0.5, -0.95991633369562231933, 0.0, 0.080589154600811698428},
		{-40, -39, -765.08315656437754441, -39.02560741993010845, 0.00065488277029327748271},
		{39, 40.5, -765.0831565643775444, 39.025607419930108456, 0.00065488277029328430324},
		{-1e-3, 1e-3, -7.1335467982935200192, 0.0, 3.3333328888889101917e-7},
		{-2, 7, -0.023012909330273094724, 0.05524786266971493764, 0.88645194824687207368},
		{1, 1.001, -8.3271939371452438333, 1.0004999166250041151, 8.3333326384703420837e-8},
		{-10, -9.999, -57.821689812607632745, -9.9994991667097500649, 8.3332913932154958359e-8},
		{-3, -2, -3.844353426334205621, -2.3158213267437818381, 0.061520779574489969895},
		{-6, -4.5, -12.592710149438897888, -4.7038974746746591142, 0.038204032374321738223},
		{0.2, 0.4, -2.5748922059345642279, 0.29900139246464972385, 0.0033282933741777203547},
		{-1e-6, 2e-6, -13.6358368025013372, 4.9999999999962497737e-7, 7.4999999999977493212e-13},
		{-25, -24.99, -317.89652362332200495, -24.994791925587171652, 8.3073389464826242865e-6},
		{-0.3, 2.5, -0.49151044063838563091, 0.59483156764635954406, 0.38749199694268288948},
	} {
		logZ, g, v, h := normInterval(tc.a, tc.b)
		assertRel(t, tc.logZ, logZ, intervalRelTol, "log Z [%v, %v]", tc.a, tc.b)
		// The mean of a symmetric interval is 0 up to rounding of terms of
		// size 1/(b − a).
		assert.InDelta(t, tc.g, g, intervalRelTol*(math.Abs(tc.g)+1/math.Min(tc.b-tc.a, 1)), "G [%v, %v]", tc.a, tc.b)
		assertRel(t, tc.v, v, intervalRelTol, "V [%v, %v]", tc.a, tc.b)
		assert.InDelta(t, v-1, h, 1e-16, "H = V − 1 [%v, %v]", tc.a, tc.b)
	}
}

func TestLogisticInterval(t *testing.T) {
	t.Parallel()
	ninf, pinf := math.Inf(-1), math.Inf(1)
	for _, tc := range []struct {
		a, b, logZ, g, h float64
	}{
		{ninf, 0, -0.69314718055994530942, -0.5, -0.25},
		{ninf, -30, -30.000000000000093576, -0.99999999999990642377, -9.3576229688384233028e-14},
		{2, pinf, -2.1269280110429724964, 0.88079707797788244406, -0.10499358540350651735},
		{-0.5, 0.5, -1.4068291137472952528, 0.0, -0.47000742440318897814},
		{-40, -39, -39.458675145387081907, -0.9999999999999999842, -1.5796578428307374679e-17},
		{1, 1.001, -8.5345097692214787062, 0.46231372375849493118, -0.39313299109308285634},
		{30, 35, -30.006760749449582765, 0.99999999999990579326, -9.4206741364398931171e-14},
	} {
		logZ, g, h := logisticInterval(tc.a, tc.b)
		assertRel(t, tc.logZ, logZ, intervalRelTol, "log Z [%v, %v]", tc.a, tc.b)
		assertRel(t, tc.g, g, intervalRelTol, "G [%v, %v]", tc.a, tc.b)
		assertRel(t, tc.h, h, intervalRelTol, "H [%v, %v]", tc.a, tc.b)
	}
}

func TestIntervalEmpty(t *testing.T) {
	t.Parallel()
	logZ, g, v, h := normInterval(0.3, 0.3)
	assert.True(t, math.IsInf(logZ, -1))
	assert.True(t, math.IsNaN(g) && math.IsNaN(v) && math.IsNaN(h))
	logZ, g, h = logisticInterval(0.3, 0.3)
	assert.True(t, math.IsInf(logZ, -1))
	assert.True(t, math.IsNaN(g) && math.IsNaN(h))
}
