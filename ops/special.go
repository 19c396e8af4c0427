package ops

import "math"

// Host-side special functions behind the elementwise ops. Each is accurate
// to a few ulps over its domain unless its comment says otherwise; the tests
// in special_test.go state the tolerances.

const (
	logSqrt2Pi   = 0.91893853320467274178032973640561763986139747363778 // ½ log 2π
	invSqrt2Pi   = 0.39894228040143267793994605993438186847585863116493 // 1/√(2π)
	invSqrt2     = 0.70710678118654752440084436210484903928483593768847 // 1/√2, rounds to 0.7071067811865476
	invSqrt2Lo   = -4.8336466567264565186e-17                           // 1/√2 − float64(1/√2)
	twoInvSqrtPi = 1.12837916709551257389615890312154517168810125865800 // 2/√π
	ln2          = 0.69314718055994530941723212145817656807550013436026

	// asymptoticAt is where the polygamma functions switch from the
	// recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/xⁿ⁺¹ to their asymptotic
	// series (DLMF 5.11.2, 5.15.8). Truncated after the B₁₄ (ψ) and B₁₈
	// (ψ′, ψ″) terms, the first omitted term is below 1e-17 relative at
	// x = 10; at x = 6 it would be ~1e-14.
	asymptoticAt = 10

	// lnCDFAsymptoticBelow is where LogNormCDF switches from log(½ erfc)
	// to the asymptotic expansion of Mills' ratio (DLMF 7.12.1); there the
	// series converges to 1e-17 within about a dozen terms, while erfc
	// stays in the normal float64 range.
	lnCDFAsymptoticBelow = -20
)

// digamma returns ψ(x) = d/dx log Γ(x).
func digamma(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case math.IsInf(x, -1):
		return math.NaN()
	case x == 0:
		return math.Copysign(math.Inf(1), -x)
	case x < 0:
		if x == math.Floor(x) {
			return math.NaN()
		}
		// Reflection, DLMF 5.5.4: ψ(1−x) − ψ(x) = π cot(πx); cot has period 1.
		r := x - math.Floor(x)
		return digamma(1-x) - math.Pi*cosPi(r)/sinPi(r)
	}
	var acc float64
	for ; x < asymptoticAt; x++ {
		acc -= 1 / x // DLMF 5.5.2
	}
	// DLMF 5.11.2: ψ(x) ~ ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ).
	z := 1 / (x * x)
	s := z * (1.0/12 - z*(1.0/120-z*(1.0/252-z*(1.0/240-z*(1.0/132-z*(691.0/32760-z/12))))))
	return acc + math.Log(x) - 0.5/x - s
}

// trigamma returns ψ′(x) = d²/dx² log Γ(x).
func trigamma(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case math.IsInf(x, 1):
		return 0
	case math.IsInf(x, -1):
		return math.NaN()
	case x <= 0 && x == math.Floor(x):
		return math.Inf(1) // double pole at 0, −1, −2, …
	case x < 0:
		// Reflection: ψ′(x) + ψ′(1−x) = π²/sin²(πx).
		s := sinPi(x - math.Floor(x))
		return math.Pi*math.Pi/(s*s) - trigamma(1-x)
	}
	var acc float64
	for ; x < asymptoticAt; x++ {
		acc += 1 / (x * x)
	}
	// ψ′(x) ~ 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹.
	z := 1 / (x * x)
	s := z * (1.0/6 - z*(1.0/30-z*(1.0/42-z*(1.0/30-z*(5.0/66-z*(691.0/2730-z*(7.0/6-z*(3617.0/510-z*43867.0/798))))))))
	return acc + (1+s)/x + 0.5*z
}

// tetragamma returns ψ″(x).
func tetragamma(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case math.IsInf(x, 1):
		return 0
	case math.IsInf(x, -1), x <= 0 && x == math.Floor(x):
		return math.NaN() // odd pole: −∞ from the right, +∞ from the left
	case x < 0:
		// Differentiated reflection: ψ″(x) = ψ″(1−x) − 2π³ cos(πx)/sin³(πx).
		r := x - math.Floor(x)
		s := sinPi(r)
		return tetragamma(1-x) - 2*math.Pi*math.Pi*math.Pi*cosPi(r)/(s*s*s)
	}
	var acc float64
	for ; x < asymptoticAt; x++ {
		acc -= 2 / (x * x * x)
	}
	// ψ″(x) ~ −[1/x² + 1/x³ + Σ (2k+1) B₂ₖ/x²ᵏ⁺²].
	z := 1 / (x * x)
	s := z * (0.5 - z*(1.0/6-z*(1.0/6-z*(3.0/10-z*(5.0/6-z*(691.0/210-z*(35.0/2-z*(61489.0/510-z*833473.0/798))))))))
	return acc - z*(1+1/x+s)
}

// sinPi returns sin(πr) for r ∈ [0, 1), exact at the zeros (math.Sin(π·1)
// is 1.2e-16, not 0).
func sinPi(r float64) float64 {
	if r > 0.5 {
		r = 1 - r // exact (Sterbenz)
	}
	return math.Sin(math.Pi * r)
}

// cosPi returns cos(πr) = sin(π(½ − r)) for r ∈ [0, 1), exact at r = ½.
func cosPi(r float64) float64 { return math.Sin(math.Pi * (0.5 - r)) }

// lgamma returns log|Γ(x)|.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// sigmoid returns σ(x) = 1/(1 + e⁻ˣ) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// sigmoidDeriv returns σ′(x) = σ(x)σ(−x).
func sigmoidDeriv(x float64) float64 { return sigmoid(x) * sigmoid(-x) }

// sigmoidDeriv2 returns σ″(x) = σ(x)σ(−x)(σ(−x) − σ(x)).
func sigmoidDeriv2(x float64) float64 {
	p, q := sigmoid(x), sigmoid(-x)
	return p * q * (q - p)
}

// softplus returns log(1 + eˣ), exact to rounding for every x (gorgonia's
// Softplus returns x itself above 16).
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// logSigmoid returns log σ(x) = −softplus(−x).
func logSigmoid(x float64) float64 { return -softplus(-x) }

// log1mExp returns log(1 − eˣ) for x ≤ 0 (NaN for x > 0), choosing between
// log(−expm1(x)) and log1p(−eˣ) at −log 2 as in Mächler (2012),
// "Accurately computing log(1 − exp(−|a|))", CRAN Rmpfr vignette.
func log1mExp(x float64) float64 {
	switch {
	case x > 0 || math.IsNaN(x):
		return math.NaN()
	case x > -ln2:
		return math.Log(-math.Expm1(x))
	default:
		return math.Log1p(-math.Exp(x))
	}
}

// log1mExpDeriv returns d/dx log(1 − eˣ) = −1/(e⁻ˣ − 1).
func log1mExpDeriv(x float64) float64 {
	if x > 0 || math.IsNaN(x) {
		return math.NaN()
	}
	return -1 / math.Expm1(-x)
}

// log1mExpDeriv2 returns d²/dx² log(1 − eˣ) = −e⁻ˣ/(e⁻ˣ − 1)².
func log1mExpDeriv2(x float64) float64 {
	if x > 0 || math.IsNaN(x) {
		return math.NaN()
	}
	m := math.Expm1(-x)
	// e⁻ˣ/m² = (1 + 1/m)/m avoids overflow of e⁻ˣ for very negative x.
	return -(1 + 1/m) / m
}

// normPDF returns φ(x) = e^{−x²/2}/√(2π). x² is split into its rounded
// value and the rounding error (by FMA) so that φ keeps full relative
// accuracy in the tails, where exp magnifies the error of x² by x²/2.
func normPDF(x float64) float64 {
	hi := x * x
	lo := math.FMA(x, x, -hi)
	return invSqrt2Pi * math.Exp(-0.5*hi) * (1 - 0.5*lo)
}

// normPDFDeriv returns φ′(x) = −xφ(x).
func normPDFDeriv(x float64) float64 { return -x * normPDF(x) }

// lowerTail returns Φ(x) = ½ erfc(−x/√2) for x ≤ 0. The rounding error δ of
// z = −x/√2 is recovered (by FMA and the low part of 1/√2) and corrected to
// first order, erfc(z + δ) ≈ erfc(z) − δ·2e^{−z²}/√π: without it the
// relative error grows like 2z²·1e-16 (3e-14 at x = −30).
func lowerTail(x float64) float64 {
	z := -x * invSqrt2
	d := math.FMA(-x, invSqrt2, -z) - x*invSqrt2Lo
	return 0.5 * (math.Erfc(z) - d*twoInvSqrtPi*math.Exp(-z*z))
}

// normCDF returns Φ(x).
func normCDF(x float64) float64 {
	if x > 0 {
		return 1 - lowerTail(-x)
	}
	return lowerTail(x)
}

// millsSeries returns T(x) = S(x) − 1, where
// S(x) = Σₖ (−1)ᵏ (2k−1)!!/x²ᵏ is the asymptotic series of
// Φ(x)·(−x)/φ(x) for x → −∞ (DLMF 7.12.1). Use it for x ≤ −20 only.
func millsSeries(x float64) float64 {
	z := 1 / (x * x)
	var t float64
	term := 1.0
	for k := 1; k < 60; k++ {
		term *= -float64(2*k-1) * z
		t += term
		if math.Abs(term) < 1e-18 {
			break
		}
	}
	return t
}

// logNormCDF returns log Φ(x), accurate from −∞ to +∞.
func logNormCDF(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 0:
		return math.Log1p(-lowerTail(-x))
	case x >= lnCDFAsymptoticBelow:
		return math.Log(lowerTail(x))
	case math.IsInf(x, -1):
		return x
	default:
		// Φ(x) = φ(x)/(−x) · S(x)
		return -0.5*x*x - math.Log(-x) - logSqrt2Pi + math.Log1p(millsSeries(x))
	}
}

// invMills returns r(x) = φ(x)/Φ(x) = d/dx log Φ(x).
func invMills(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 0:
		return normPDF(x) / (1 - lowerTail(-x))
	case x >= lnCDFAsymptoticBelow:
		return normPDF(x) / lowerTail(x)
	case math.IsInf(x, -1):
		return math.Inf(1)
	default:
		return -x / (1 + millsSeries(x))
	}
}

// invMillsDeriv returns r′(x) = −r(x)(x + r(x)).
func invMillsDeriv(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x >= lnCDFAsymptoticBelow:
		r := invMills(x)
		return -r * (x + r)
	case math.IsInf(x, -1):
		return -1
	default:
		// x + r = x(S − 1)/S, computed without cancellation.
		t := millsSeries(x)
		r := -x / (1 + t)
		return -r * x * t / (1 + t)
	}
}

// erfDeriv returns erf′(x) = 2e^{−x²}/√π.
func erfDeriv(x float64) float64 { return twoInvSqrtPi * math.Exp(-x*x) }

// erfDeriv2 returns erf″(x) = −2x erf′(x).
func erfDeriv2(x float64) float64 { return -2 * x * erfDeriv(x) }

// lgammaHalfAsymptoticAt is where lgammaHalfDiff switches to its series.
const lgammaHalfAsymptoticAt = 20

// lgammaHalfDiff returns log Γ(x + ½) − log Γ(x) for x > 0. Above 20 it
// sums the asymptotic series ½ log x + Σ cₙ x⁻ⁿ obtained from the Stirling
// series with Bernoulli polynomials, cₙ = (−1)ⁿ⁺¹(2⁻ⁿ − 2)Bₙ₊₁/(n(n+1))
// (DLMF 5.11.8 and 24.4.27), instead of subtracting two large log-gammas
// (which loses ~1e-8 at x = 5e7).
func lgammaHalfDiff(x float64) float64 {
	if !(x >= lgammaHalfAsymptoticAt) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return x
		}
		return lgamma(x+0.5) - lgamma(x)
	}
	z := 1 / (x * x)
	s := (-1.0/8 + z*(1.0/192+z*(-1.0/640+z*(17.0/14336+z*(-31.0/18432+z*691.0/180224))))) / x
	return 0.5*math.Log(x) + s
}

// digammaHalfDiff returns ψ(x + ½) − ψ(x), the derivative of lgammaHalfDiff.
func digammaHalfDiff(x float64) float64 {
	if !(x >= lgammaHalfAsymptoticAt) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return 0
		}
		return digamma(x+0.5) - digamma(x)
	}
	z := 1 / (x * x)
	s := z * (1.0/8 - z*(3.0/192-z*(5.0/640-z*(7*17.0/14336-z*(9*31.0/18432-z*11*691.0/180224)))))
	return 0.5/x + s
}
