package special

import "math"

const (
	// lnCDFAsymptoticBelow is where LogNormCDF switches from log(½ erfc)
	// to the asymptotic expansion of Mills' ratio (DLMF 7.12.1); there the
	// series converges to 1e-17 within about a dozen terms, while erfc
	// stays in the normal float64 range.
	lnCDFAsymptoticBelow = -20

	// MillsFractionBelow is the argument below which InvMillsSum takes
	// λ(z) = φ(z)/Φ(z) and z + λ(z) from the continued fraction (under 80
	// terms at 2.5). Above it, z + λ(z) loses at most one digit to
	// cancellation (z + λ ≥ 0.32).
	MillsFractionBelow = -2.5

	// cfTol is the relative convergence tolerance of the continued fraction.
	cfTol = 1e-16
	// cfMaxTerms bounds the continued fraction; at u ≥ 2.5 it needs fewer than 80.
	cfMaxTerms = 500
)

// NormPDF returns φ(x) = e^{−x²/2}/√(2π). x² is split into its rounded
// value and the rounding error (by FMA) so that φ keeps full relative
// accuracy in the tails, where exp magnifies the error of x² by x²/2.
func NormPDF(x float64) float64 {
	if math.IsInf(x, 0) {
		return 0
	}
	hi := x * x
	lo := math.FMA(x, x, -hi)
	return invSqrt2Pi * math.Exp(-0.5*hi) * (1 - 0.5*lo)
}

// NormPDFDeriv returns φ′(x) = −xφ(x).
func NormPDFDeriv(x float64) float64 { return -x * NormPDF(x) }

// NormLogPDF returns log φ(x) = −x²/2 − log √(2π).
func NormLogPDF(x float64) float64 { return -0.5*x*x - LogSqrt2Pi }

// lowerTail returns Φ(x) = ½ erfc(−x/√2) for x ≤ 0. The rounding error δ of
// z = −x/√2 is recovered (by FMA and the low part of 1/√2) and corrected to
// first order, erfc(z + δ) ≈ erfc(z) − δ·2e^{−z²}/√π: without it the
// relative error grows like 2z²·1e-16 (3e-14 at x = −30).
func lowerTail(x float64) float64 {
	if math.IsInf(x, -1) {
		return 0
	}
	z := -x * invSqrt2
	d := math.FMA(-x, invSqrt2, -z) - x*invSqrt2Lo
	return 0.5 * (math.Erfc(z) - d*twoInvSqrtPi*math.Exp(-z*z))
}

// NormCDF returns Φ(x), the standard normal distribution function.
func NormCDF(x float64) float64 {
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

// LogNormCDF returns log Φ(x), accurate from −∞ to +∞: log1p of the upper
// tail for x > 0, log(½ erfc(−x/√2)) down to x = −20, and the asymptotic
// expansion of Mills' ratio below (finite down to x ≈ −1.9e154, where
// −x²/2 overflows).
func LogNormCDF(x float64) float64 {
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
		return -0.5*x*x - math.Log(-x) - LogSqrt2Pi + math.Log1p(millsSeries(x))
	}
}

// InvMills returns the inverse Mills ratio r(x) = φ(x)/Φ(x) = d/dx log Φ(x).
func InvMills(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 0:
		return NormPDF(x) / (1 - lowerTail(-x))
	case x >= lnCDFAsymptoticBelow:
		return NormPDF(x) / lowerTail(x)
	case math.IsInf(x, -1):
		return math.Inf(1)
	default:
		return -x / (1 + millsSeries(x))
	}
}

// InvMillsDeriv returns r′(x) = −r(x)(x + r(x)), the derivative of InvMills.
func InvMillsDeriv(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x >= lnCDFAsymptoticBelow:
		r := InvMills(x)
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

// InvMillsSum returns λ(z) = φ(z)/Φ(z) and z + λ(z), both without
// cancellation: below MillsFractionBelow from the continued fraction of
// Mills' ratio, λ = u + G(u) and z + λ = G(u) with u = −z (see millsTail);
// above it λ = InvMills(z). The moments of a truncated normal need z + λ,
// which z + InvMills(z) would lose to cancellation in the lower tail.
func InvMillsSum(z float64) (lambda, zPlusLambda float64) {
	if z < MillsFractionBelow {
		u := -z
		g := millsTail(u)
		return u + g, g
	}
	lambda = InvMills(z)
	return lambda, z + lambda
}

// millsTail returns G(u) = 1/(u + 2/(u + 3/(u + …))) for u ≥ 2.5, by the
// modified Lentz method. With R(u) = (1 − Φ(u))/φ(u) the Mills ratio,
// R(u) = 1/(u + G(u)); so for z = −u the inverse Mills ratio is
// λ(z) = φ(z)/Φ(z) = u + G(u), and z + λ(z) = G(u) without cancellation.
// (Abramowitz & Stegun 26.2.14.)
func millsTail(u float64) float64 {
	const tiny = 1e-300
	f := tiny
	c, d := f, 0.0
	for k := 1; k <= cfMaxTerms; k++ {
		a := float64(k)
		d = u + a*d
		if d == 0 {
			d = tiny
		}
		c = u + a/c
		if c == 0 {
			c = tiny
		}
		d = 1 / d
		delta := c * d
		f *= delta
		if math.Abs(delta-1) < cfTol {
			break
		}
	}
	// Lentz evaluates b₀ + a₁/(b₁ + a₂/(b₂ + …)) with b₀ = 0 (held as tiny),
	// aₖ = k and bₖ = u: that is G(u).
	return f
}

// ErfDeriv returns erf′(x) = 2e^{−x²}/√π.
func ErfDeriv(x float64) float64 { return twoInvSqrtPi * math.Exp(-x*x) }

// ErfDeriv2 returns erf″(x) = −2x erf′(x).
func ErfDeriv2(x float64) float64 { return -2 * x * ErfDeriv(x) }
