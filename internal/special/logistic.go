package special

import "math"

// Sigmoid returns σ(x) = 1/(1 + e⁻ˣ) without overflow.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// SigmoidDeriv returns σ′(x) = σ(x)σ(−x).
func SigmoidDeriv(x float64) float64 { return Sigmoid(x) * Sigmoid(-x) }

// SigmoidDeriv2 returns σ″(x) = σ(x)σ(−x)(σ(−x) − σ(x)).
func SigmoidDeriv2(x float64) float64 {
	p, q := Sigmoid(x), Sigmoid(-x)
	return p * q * (q - p)
}

// Softplus returns log(1 + eˣ), exact to rounding for every x (gorgonia's
// Softplus returns x itself above 16).
func Softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// InverseSoftplus returns ρ with Softplus(ρ) = s for s > 0, as
// s + log(1 − e⁻ˢ), which neither overflows for large s nor cancels for
// small s. It is NaN for s < 0 and −Inf at 0.
func InverseSoftplus(s float64) float64 { return s + math.Log(-math.Expm1(-s)) }

// LogSigmoid returns log σ(x) = −Softplus(−x).
func LogSigmoid(x float64) float64 { return -Softplus(-x) }

// SoftplusGorgonia is gorgonia v0.9.18's float64 softplus: log(1 + eˣ),
// but 0 below −708 and x itself above 16 (1e-7 off there). It is kept to
// the bit so that ops.SoftplusReparam agrees with a scale built by
// gorgonia.Softplus; use Softplus everywhere else.
func SoftplusGorgonia(x float64) float64 {
	switch {
	case x < -708:
		return 0
	case x > 16:
		return x
	}
	return math.Log1p(math.Exp(x))
}

// Logit returns log(p/(1 − p)), the inverse of Sigmoid, for p in [0, 1].
func Logit(p float64) float64 { return math.Log(p) - math.Log1p(-p) }
