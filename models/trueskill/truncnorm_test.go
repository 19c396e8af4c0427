package trueskill

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// truncNormalDraws is the sample size of each moment check.
const truncNormalDraws = 100_000

// truncMomentZ is the number of standard errors allowed between a sample
// moment and its exact value: the test checks 29 intervals × 2 moments, and
// a 5σ deviation has probability 6e-7 per check (the seed is fixed besides).
const truncMomentZ = 5

// truncKurtosisBound bounds the kurtosis of any truncated normal (it lies
// between the uniform's 1.8 and the exponential's 9, the far-tail limit),
// which bounds the standard error of the sample variance by V·√((κ−1)/n).
const truncKurtosisBound = 9

// ksCritical is the 1% critical value of the Kolmogorov–Smirnov statistic
// times √n (asymptotic, 1.628).
const ksCritical = 1.628

func TestTruncNormalMoments(t *testing.T) {
	t.Parallel()
	ninf, pinf := math.Inf(-1), math.Inf(1)
	// Exact mean and variance of the standard normal truncated to [a, b],
	// from mpmath at 2000 digits (G and V of TestNormInterval, and more
	// intervals for the sampler's branches).
	cases := []struct{ a, b, mean, v float64 }{
		{ninf, 0, -0.79788456080286535588, 0.36338022763241865692},
		{ninf, -30, -30.033259667433677037, 0.0011037715118900910011},
		{ninf, -5, -5.1865039671258421156, 0.032696434617112225345},
		{ninf, 3, -0.0044378390421256637933, 0.98666678845825919379},
		{2, pinf, 2.3732155328228408673, 0.11427910041408125664},
		{-30, pinf, 1.473646134878547519e-196, 1.0},
		{-0.5, 0.5, 0.0, 0.080589154600811698428},
		{-40, -39, -39.02560741993010845, 0.00065488277029327748271},
		{39, 40.5, 39.025607419930108456, 0.00065488277029328430324},
		{-1e-3, 1e-3, 0.0, 3.3333328888889101917e-7},
		{-2, 7, 0.05524786266971493764, 0.88645194824687207368},
		{1, 1.001, 1.0004999166250041151, 8.3333326384703420837e-8},
		{-10, -9.999, -9.9994991667097500649, 8.3332913932154958359e-8},
		{-3, -2, -2.3158213267437818381, 0.061520779574489969895},
		{-6, -4.5, -4.7038974746746591142, 0.038204032374321738223},
		{0.2, 0.4, 0.29900139246464972385, 0.0033282933741777203547},
		{-1e-6, 2e-6, 4.9999999999962497737e-7, 7.4999999999977493212e-13},
		{-25, -24.99, -24.994791925587171652, 8.3073389464826242865e-6},
		{-0.3, 2.5, 0.59483156764635954406, 0.38749199694268288948},
		{1, 4, 1.5245960921622644572, 0.19767175721101245073},
		{0, pinf, 0.79788456080286535588, 0.36338022763241865692},
		{5, 5.5, 5.1521017769072688109, 0.015174083348812214028},
		{-1, pinf, 0.28759997093917836123, 0.62968628577660540086},
		{ninf, -8, -8.1213681122361126807, 0.014324883443340910176},
		{0.5, 0.6, 0.54954184251023175851, 0.00083292968206357640477},
		{-2.2, 0.1, -0.68731924524989317543, 0.30372098900877706359},
		{3, 3.2, 3.0897457917194267119, 0.0032660265778720085525},
		{ninf, pinf, 0.0, 1.0},
		{-0.01, 2.49, 0.76557378493431435798, 0.31595238921850074921},
	}
	for k, tc := range cases {
		r := rand.New(rand.NewPCG(uint64(k), 7))
		x := make([]float64, truncNormalDraws)
		var sum float64
		for i := range x {
			x[i] = truncNormal(r, tc.a, tc.b)
			require.True(t, tc.a <= x[i] && x[i] <= tc.b, "[%v, %v]: draw %v outside", tc.a, tc.b, x[i])
			sum += x[i]
		}
		n := float64(len(x))
		mean := sum / n
		var ss float64
		for _, xi := range x {
			ss += (xi - mean) * (xi - mean)
		}
		v := ss / (n - 1)
		seMean := math.Sqrt(tc.v / n)
		seVar := tc.v * math.Sqrt((truncKurtosisBound-1)/n)
		assert.InDelta(t, tc.mean, mean, truncMomentZ*seMean+1e-15*math.Abs(tc.mean), "mean on [%v, %v]", tc.a, tc.b)
		assert.InDelta(t, tc.v, v, truncMomentZ*seVar, "variance on [%v, %v]", tc.a, tc.b)

		// Shape: Kolmogorov–Smirnov distance to the exact distribution
		// function (Φ(x) − Φ(a))/(Φ(b) − Φ(a)), in logs to reach the tails.
		slices.Sort(x)
		logZ, _, _, _ := normInterval(tc.a, tc.b)
		var ks float64
		for i := 0; i < len(x); i += 97 {
			lz, _, _, _ := normInterval(tc.a, x[i])
			cdf := 0.0
			if x[i] > tc.a {
				cdf = math.Exp(lz - logZ)
			}
			ks = math.Max(ks, math.Max(math.Abs(cdf-float64(i)/n), math.Abs(cdf-float64(i+1)/n)))
		}
		assert.Less(t, ks*math.Sqrt(n), ksCritical, "KS on [%v, %v]", tc.a, tc.b)
	}
	assert.True(t, math.IsNaN(truncNormal(rand.New(rand.NewPCG(1, 1)), 1, 1)))
	assert.True(t, math.IsNaN(truncNormal(rand.New(rand.NewPCG(1, 1)), 2, 1)))
}

func BenchmarkTruncNormal(b *testing.B) {
	ninf, pinf := math.Inf(-1), math.Inf(1)
	for _, bc := range []struct {
		name string
		a, b float64
	}{
		{"centre", ninf, 0.3},
		{"tail8", 8, pinf},
		{"tail40", 40, pinf},
		{"draw", -0.2, 0.2},
		{"remote-draw", 6, 6.4},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			var s float64
			for b.Loop() {
				s += truncNormal(r, bc.a, bc.b)
			}
			_ = s
		})
	}
}
