package trueskill

import (
	"math"

	"gonum.org/v1/gonum/integrate/quad"

	"github.com/govi/govi/internal/special"
)

// An interval probability is the chance that a standardized noise variable X
// falls in [a, b] after the interval is shifted by t:
//
//	Z(t) = F(b − t) − F(a − t)
//
// with F the standard normal or standard logistic distribution function.
// Every outcome probability of the model is of this form with t = d/scale.
// G = ∂ log Z/∂t and H = ∂² log Z/∂t² at t = 0 give the likelihood's
// derivatives, and for normal noise the moments of the truncated normal
// X ~ N(0, 1) restricted to [a, b]: E[X] = G and Var[X] = V = 1 + H.
//
// a may be −∞ and b may be +∞; a ≥ b gives log Z = −∞ and NaN moments.

// narrowInterval is the bound on w(|c| + w/4), with w the width and c the
// centre of [a, b], below which normInterval integrates by Gauss–Legendre
// quadrature: there the closed form loses the variance to cancellation
// (V ≈ w²/12 ≪ 1 = −H), while the integrand e^(−cy − y²/2) varies by at most
// a factor e over the interval, so 24 nodes are exact to rounding.
const narrowInterval = 1

// glX and glW are the 24-point Gauss–Legendre nodes and weights on [−1, 1].
var glX, glW = func() ([]float64, []float64) {
	x, w := make([]float64, 24), make([]float64, 24)
	quad.Legendre{}.FixedLocations(x, w, -1, 1)
	return x, w
}()

// normInterval returns log Z, the mean G and the variance V of the standard
// normal truncated to [a, b], and H = V − 1, each computed so that it keeps
// its relative precision (H for a likely interval is tiny, V for a narrow or
// remote one is).
func normInterval(a, b float64) (logZ, g, v, h float64) {
	switch {
	case !(a < b):
		return math.Inf(-1), math.NaN(), math.NaN(), math.NaN()
	case math.IsInf(a, -1) && math.IsInf(b, 1):
		return 0, 0, 1, 0
	case math.IsInf(a, -1):
		// Z = Φ(b); G = −λ(b); H = −λ(b)(b + λ(b)).
		l, bl := special.InvMillsSum(b)
		return special.LogNormCDF(b), -l, 1 - l*bl, -l * bl
	case math.IsInf(b, 1):
		// Reflect x → −x: Z = Φ(−a); G = λ(−a); H = −λ(−a)(−a + λ(−a)).
		l, al := special.InvMillsSum(-a)
		return special.LogNormCDF(-a), l, 1 - l*al, -l * al
	}
	if a+b > 0 {
		// Reflect so that the interval lies mostly below 0, where Φ keeps
		// its relative precision; the mean changes sign.
		logZ, g, v, h = normInterval(-b, -a)
		return logZ, -g, v, h
	}
	w, c := b-a, 0.5*(a+b)
	if w*(math.Abs(c)+w/4) <= narrowInterval {
		// X = c + y, y ∈ [−w/2, w/2], density ∝ φ(c)·e^(−cy − y²/2).
		hw := 0.5 * w
		var i0, i1, i2 float64
		for k, xk := range glX {
			y := hw * xk
			f := glW[k] * math.Exp(-c*y-0.5*y*y)
			i0 += f
			i1 += f * y
			i2 += f * y * y
		}
		m := i1 / i0
		v = i2/i0 - m*m
		return special.NormLogPDF(c) + math.Log(hw*i0), c + m, v, v - 1
	}
	// Z = Φ(b)(1 − r) with r = Φ(a)/Φ(b) < 1. Writing the densities through
	// the inverse Mills ratios, φ(b)/Z = λ(b)/(1 − r) and φ(a)/Z = λ(a)r/(1 − r),
	// avoids exponentials of large logs, and b + λ(b) comes without
	// cancellation from invMills, which keeps V accurate in the far tail.
	la, lb := special.LogNormCDF(a), special.LogNormCDF(b)
	r := math.Exp(la - lb)
	oneMinusR := -math.Expm1(la - lb)
	logZ = lb + math.Log(oneMinusR)
	lamA, _ := special.InvMillsSum(a)
	lamB, bLamB := special.InvMillsSum(b)
	eb := lamB / oneMinusR
	ea := lamA * r / oneMinusR
	g = ea - eb
	// H = aφ(a)/Z − bφ(b)/Z − G², with −b·eb − eb² = −eb(b + eb).
	h = a*ea - ea*ea + 2*ea*eb - eb*(bLamB+lamB*r/oneMinusR)
	return logZ, g, 1 + h, h
}

// logisticInterval returns log Z, G and H for standard logistic noise.
func logisticInterval(a, b float64) (logZ, g, h float64) {
	switch {
	case !(a < b):
		return math.Inf(-1), math.NaN(), math.NaN()
	case math.IsInf(a, -1) && math.IsInf(b, 1):
		return 0, 0, 0
	case math.IsInf(a, -1):
		// Z = σ(b).
		return special.LogSigmoid(b), -special.Sigmoid(-b), -special.Sigmoid(b) * special.Sigmoid(-b)
	case math.IsInf(b, 1):
		// Z = 1 − σ(a) = σ(−a).
		return special.LogSigmoid(-a), special.Sigmoid(a), -special.Sigmoid(a) * special.Sigmoid(-a)
	}
	// σ(b) − σ(a) = (eᵇ − eᵃ)/((1 + eᵃ)(1 + eᵇ)).
	logZ = b + special.Log1mExp(a-b) - special.Softplus(a) - special.Softplus(b)
	g = special.Sigmoid(a) - special.Sigmoid(-b)
	h = -special.Sigmoid(a)*special.Sigmoid(-a) - special.Sigmoid(b)*special.Sigmoid(-b)
	return logZ, g, h
}
