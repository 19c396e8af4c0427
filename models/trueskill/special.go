package trueskill

import "math"

var inf = math.Inf(1)

const (
	// logSqrt2Pi is log √(2π).
	logSqrt2Pi = 0.91893853320467274178032973640561763986139747363778
	// tailSwitch is the argument below which log Φ uses the continued
	// fraction of the Mills ratio instead of math.Erfc (above −tailSwitch,
	// log Φ(x) = log1p(−Φ(−x)) uses it too). At 5 the fraction converges in
	// under 30 terms and Erfc has lost nothing, so both sides are accurate.
	tailSwitch = -5
	// millsSwitch is the argument below which λ(z) = φ(z)/Φ(z) and z + λ(z)
	// come from the continued fraction (under 80 terms at 2.5). Above it,
	// z + λ(z) loses at most one digit to cancellation (z + λ ≥ 0.32).
	millsSwitch = -2.5
	// cfTol is the relative convergence tolerance of the continued fraction.
	cfTol = 1e-16
	// cfMaxTerms bounds the continued fraction; at u ≥ 2.5 it needs fewer than 80.
	cfMaxTerms = 500
)

// millsTail returns G(u) = 1/(u + 2/(u + 3/(u + …))) for u ≥ −millsSwitch,
// by the modified Lentz method. With R(u) = (1 − Φ(u))/φ(u) the Mills ratio,
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

// LogNormCDF returns log Φ(x), the log of the standard normal distribution
// function, accurate to a few ulps for every x (Φ(x) underflows near
// x = −38.5; log Φ(x) does not).
func LogNormCDF(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x < tailSwitch:
		if math.IsInf(x, -1) {
			return x
		}
		u := -x
		return -0.5*u*u - logSqrt2Pi - math.Log(u+millsTail(u))
	case x > -tailSwitch:
		return math.Log1p(-math.Exp(LogNormCDF(-x)))
	case x > 0:
		return math.Log1p(-0.5 * math.Erfc(x/math.Sqrt2))
	default:
		return math.Log(0.5 * math.Erfc(-x/math.Sqrt2))
	}
}

// normLogPDF returns log φ(x).
func normLogPDF(x float64) float64 { return -0.5*x*x - logSqrt2Pi }

// invMills returns λ(z) = φ(z)/Φ(z) and z + λ(z), both without cancellation.
func invMills(z float64) (lambda, zPlusLambda float64) {
	if z < millsSwitch {
		u := -z
		g := millsTail(u)
		return u + g, g
	}
	lambda = math.Exp(normLogPDF(z) - LogNormCDF(z))
	return lambda, z + lambda
}

// LogSigmoid returns log σ(x) = −log(1 + e^(−x)) without overflow.
func LogSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}

// sigmoid returns σ(x) = 1/(1 + e^(−x)).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus returns log(1 + eˣ).
func softplus(x float64) float64 { return -LogSigmoid(-x) }

// log1mexp returns log(1 − eˣ) for x ≤ 0 (Mächler 2012).
func log1mexp(x float64) float64 {
	if x > -math.Ln2 {
		return math.Log(-math.Expm1(x))
	}
	return math.Log1p(-math.Exp(x))
}

// log1pUnit returns log(1 + e) for e in [0, 1], within about an ulp of
// math.Log1p, for the logistic likelihood kernel, where math.Log1p's range
// branches cost more than the rest of a game's arithmetic (its arguments
// e^(−|x|) fall on both sides of its branch points at random). It is the
// fdlibm logarithm kernel on f ∈ [√2/2 − 1, √2 − 1] with the range
// reduction done by one comparison: for e ≤ √2 − 1, log1p(e) is the kernel
// at f = e; above, 1 + e ∈ (√2, 2], so log(1 + e) = ln 2 + log1p(f) with
// f = (1 + e)/2 − 1 = (e − 1)/2 (computed exactly for e ≥ 1/2, within half
// an ulp of 1/2 below). The kernel: with s = f/(2 + f),
// log1p(f) = f − (f²/2 − s·(f²/2 + R(s²))), R the fdlibm polynomial
// (|error| < 2⁻⁵⁸·log1p(f)).
func log1pUnit(e float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01 // ln 2, high part (exact in 32 bits)
		ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
		l1    = 6.666666666666735130e-01
		l2    = 3.999999999940941908e-01
		l3    = 2.857142874366239149e-01
		l4    = 2.222219843214978396e-01
		l5    = 1.818357216161805012e-01
		l6    = 1.531383769920937332e-01
		l7    = 1.479819860511658591e-01
	)
	f, k := e, 0.0
	if e > math.Sqrt2-1 {
		f, k = (e-1)*0.5, 1
	}
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	t1 := s2 * (l1 + s4*(l3+s4*(l5+s4*l7)))
	t2 := s4 * (l2 + s4*(l4+s4*l6))
	hfsq := 0.5 * f * f
	return k*ln2Hi - ((hfsq - (s*(hfsq+t1+t2) + k*ln2Lo)) - f)
}
