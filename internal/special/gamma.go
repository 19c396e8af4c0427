package special

import "math"

const (
	// asymptoticAt is where the polygamma functions switch from the
	// recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/xⁿ⁺¹ to their asymptotic
	// series (DLMF 5.11.2, 5.15.8). Truncated after the B₁₄ (ψ) and B₁₈
	// (ψ′, ψ″) terms, the first omitted term is below 1e-17 relative at
	// x = 10; at x = 6 it would be ~1e-14.
	asymptoticAt = 10

	// lgammaHalfAsymptoticAt is where LgammaHalfDiff switches to its series.
	lgammaHalfAsymptoticAt = 20
)

// Digamma returns ψ(x) = d/dx log Γ(x).
func Digamma(x float64) float64 {
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
		return Digamma(1-x) - math.Pi*cosPi(r)/sinPi(r)
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

// Trigamma returns ψ′(x) = d²/dx² log Γ(x).
func Trigamma(x float64) float64 {
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
		return math.Pi*math.Pi/(s*s) - Trigamma(1-x)
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

// Tetragamma returns ψ″(x).
func Tetragamma(x float64) float64 {
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
		return Tetragamma(1-x) - 2*math.Pi*math.Pi*math.Pi*cosPi(r)/(s*s*s)
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

// Lgamma returns log|Γ(x)|.
func Lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// LgammaHalfDiff returns log Γ(x + ½) − log Γ(x) for x > 0. Above 20 it
// sums the asymptotic series ½ log x + Σ cₙ x⁻ⁿ obtained from the Stirling
// series with Bernoulli polynomials, cₙ = (−1)ⁿ⁺¹(2⁻ⁿ − 2)Bₙ₊₁/(n(n+1))
// (DLMF 5.11.8 and 24.4.27), instead of subtracting two large log-gammas
// (which loses ~1e-8 at x = 5e7).
func LgammaHalfDiff(x float64) float64 {
	if !(x >= lgammaHalfAsymptoticAt) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return x
		}
		return Lgamma(x+0.5) - Lgamma(x)
	}
	z := 1 / (x * x)
	s := (-1.0/8 + z*(1.0/192+z*(-1.0/640+z*(17.0/14336+z*(-31.0/18432+z*691.0/180224))))) / x
	return 0.5*math.Log(x) + s
}

// DigammaHalfDiff returns ψ(x + ½) − ψ(x), the derivative of LgammaHalfDiff.
func DigammaHalfDiff(x float64) float64 {
	if !(x >= lgammaHalfAsymptoticAt) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return 0
		}
		return Digamma(x+0.5) - Digamma(x)
	}
	z := 1 / (x * x)
	s := z * (1.0/8 - z*(3.0/192-z*(5.0/640-z*(7*17.0/14336-z*(9*31.0/18432-z*11*691.0/180224)))))
	return 0.5/x + s
}
