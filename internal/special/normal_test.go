package special

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/stat/distuv"
)

// tsRelTol is the relative tolerance against the 2000-digit references of
// TestLogNormCDFTails and TestInvMillsSum. Most values are good to a few
// ulps. Beyond |x| = 5 the upper tail passes through exp(−x²/2 − …), whose
// relative error is about |x²/2|·2⁻⁵³ (5e-14 at x = 30).
const tsRelTol = 1e-13

// invMillsDerivTol bounds InvMillsDeriv's relative error (see
// TestNormalReferenceValues).
const invMillsDerivTol = 2e-13

// normCDFRefs: ncdf(x).
var normCDFRefs = []reference{
	{-38, 2.8854283600687843084e-316},
	{-30, 4.9067139271481870595e-198},
	{-20, 2.7536241186062336951e-89},
	{-10, 7.619853024160526066e-24},
	{-5, 2.8665157187919391167e-7},
	{-1, 0.15865525393145705141},
	{0, 0.5},
	{1, 0.84134474606854294859},
	{5, 0.99999971334842812081},
	{8, 0.9999999999999993779},
}

// logNormCDFRefs: log(ncdf(x)) for x < 0, log1p(−ncdf(−x)) otherwise.
var logNormCDFRefs = []reference{
	{-1e100, -5.000000000000000159e+199},
	{-1e5, -5000000012.4318639983},
	{-1000, -500007.82669481218431},
	{-100, -5005.5242086942050886},
	{-40, -804.60844201375378817},
	{-30, -454.32124395634319711},
	{-20.000000001, -203.91715539114701866},
	{-20, -203.91715537109726394},
	{-19.99999999, -203.91715517059971671},
	{-10, -53.231285150512470578},
	{-5, -15.064998393988725736},
	{-1, -1.8410216450092635058},
	{0, -0.69314718055994530942},
	{1, -0.17275377902344988953},
	{5, -2.8665161296376359338e-7},
	{10, -7.619853024160526066e-24},
	{30, -4.9067139271481870595e-198},
}

// invMillsRefs: npdf(x)/ncdf(x).
var invMillsRefs = []reference{
	{-1e5, 100000.00001},
	{-1000, 1000.00099999800001},
	{-40, 40.024968847207263723},
	{-20.000000001, 20.049753069525387363},
	{-20, 20.049753068527850542},
	{-19.99999999, 20.049753058552482333},
	{-5, 5.1865039671258421156},
	{0, 0.79788456080286535588},
	{5, 1.4867199409049057124e-6},
	{30, 1.473646134878547519e-196},
}

// normPDFRefs: npdf(x).
var normPDFRefs = []reference{
	{-30, 1.473646134878547519e-196},
	{-10, 7.6945986267064193463e-23},
	{-1, 0.2419707245191433498},
	{0, 0.39894228040143267794},
	{0.5, 0.35206532676429947777},
	{3, 0.0044318484119380071756},
	{8.25, 6.6271374559687515356e-16},
	{30, 1.473646134878547519e-196},
}

// invMillsDerivRefs: −r(x + r) with r = npdf(x)/ncdf(x).
var invMillsDerivRefs = []reference{
	{-1e4, -0.9999999900000006},
	{-100, -0.99990005995005173655},
	{-30, -0.998896228488109909},
	{-20.001, -0.99753698109367615811},
	{-19.999, -0.99753649564051596297},
	{-5, -0.96730356538288777465},
	{-2.5, -0.91102619857888455719},
	{-1, -0.80090233442965120845},
	{0, -0.63661977236758134308},
	{1, -0.37031371422339459914},
	{5, -7.4336019148607112465e-6},
	{20, -1.1041896724319526379e-86},
}

func TestNormalReferenceValues(t *testing.T) {
	checkReferences(t, "NormPDF", NormPDF, normPDFRefs, refTol)
	checkReferences(t, "NormCDF", NormCDF, normCDFRefs, refTol)
	checkReferences(t, "LogNormCDF", LogNormCDF, logNormCDFRefs, refTol)
	checkReferences(t, "InvMills", InvMills, invMillsRefs, refTol)
	// r′ = −r(x + r) cancels in x + r: above −20 the relative error grows
	// like |x|/(x + r), 400 ulps at x = −20 (the series takes over below).
	checkReferences(t, "InvMillsDeriv", InvMillsDeriv, invMillsDerivRefs, invMillsDerivTol)
}

// TestNormalClosedForms checks values known in closed form; Φ(0) and the
// limits at ±∞ must come out exactly.
func TestNormalClosedForms(t *testing.T) {
	assert.Equal(t, 0.5, NormCDF(0), "Φ(0) = ½")
	assert.LessOrEqual(t, rel(-math.Ln2, LogNormCDF(0)), refTol, "log Φ(0) = −log 2")
	assert.LessOrEqual(t, rel(math.Sqrt(2/math.Pi), InvMills(0)), refTol, "λ(0) = √(2/π)")
	assert.True(t, math.IsInf(LogNormCDF(math.Inf(-1)), -1))
	assert.Equal(t, 0.0, LogNormCDF(math.Inf(1)))
	assert.True(t, math.IsNaN(LogNormCDF(math.NaN())))
	assert.True(t, math.IsInf(InvMills(math.Inf(-1)), 1))
	assert.Equal(t, 0.0, InvMills(math.Inf(1)))
	assert.Equal(t, 1.0, NormCDF(math.Inf(1)))
	assert.Equal(t, 0.0, NormCDF(math.Inf(-1)))
	assert.Equal(t, 0.0, NormPDF(math.Inf(-1)))
	assert.Equal(t, -1.0, InvMillsDeriv(math.Inf(-1)))
}

// TestNormalAgainstDistuv compares with gonum's distuv.Normal (log φ, φ by
// exp of it, Φ by erfc) on a grid where its erfc keeps its accuracy; log Φ
// of x > 0 is compared with log1p(−Φ(−x)), since log of a Φ near 1 keeps
// only its absolute accuracy.
func TestNormalAgainstDistuv(t *testing.T) {
	n := distuv.UnitNormal
	var worst float64
	for x := -8.0; x <= 8; x += 1.0 / 64 {
		for _, c := range []struct {
			name      string
			want, got float64
		}{
			{"NormLogPDF", n.LogProb(x), NormLogPDF(x)},
			{"NormPDF", n.Prob(x), NormPDF(x)},
			{"NormCDF", n.CDF(x), NormCDF(x)},
			{"LogNormCDF", logCDF(n, x), LogNormCDF(x)},
		} {
			e := rel(c.want, c.got)
			worst = math.Max(worst, e)
			assert.LessOrEqual(t, e, gonumTol, "%s(%v) = %v, distuv %v", c.name, x, c.got, c.want)
		}
	}
	t.Logf("worst relative error against distuv: %.2g", worst)
}

func logCDF(n distuv.Normal, x float64) float64 {
	if x > 0 {
		return math.Log1p(-n.CDF(-x))
	}
	return math.Log(n.CDF(x))
}

// TestLogNormCDFTails checks log Φ on both sides of every branch point
// against mpmath at 2000 digits (mp.ncdf, mp.log at the exact float64
// arguments; the script is in models/trueskill/REFERENCES.md).
func TestLogNormCDFTails(t *testing.T) {
	checkReferences(t, "LogNormCDF", LogNormCDF, []reference{
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
	}, tsRelTol)
}

// TestInvMillsSum checks λ(z) and z + λ(z) against mpmath at 2000 digits
// (mp.npdf/mp.ncdf), on both sides of MillsFractionBelow.
func TestInvMillsSum(t *testing.T) {
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
		l, zl := InvMillsSum(tc.z)
		assert.LessOrEqual(t, rel(tc.lambda, l), tsRelTol, "λ(%v) = %v", tc.z, l)
		// z+λ just above the switch loses log10(λ/(z+λ)) ≈ 1 digit to
		// cancellation; the continued fraction below it loses none.
		assert.LessOrEqual(t, rel(tc.zPlusLambda, zl), 10*tsRelTol, "z+λ(%v) = %v", tc.z, zl)
	}
}

// BenchmarkLogNormCDF times log Φ on 1000 points of (−40, 10).
func BenchmarkLogNormCDF(b *testing.B) { benchHost(b, LogNormCDF, -40, 10) }
