package ops

import (
	"math"

	"github.com/govi/govi/internal/special"
)

// Elementwise functions for the float32 paths: computed in float64 to a
// relative error below 1e-9 (far inside float32's 6e-8) without math.Exp
// and math.Log1p, whose full float64 accuracy costs several times more.
// The float64 paths keep the exact functions of internal/special.

// expNonPos returns eˣ for x ≤ 0 (0 below −700, far under float32's
// range): x = k ln 2 + r with |r| ≤ ½ ln 2, e^r by its Taylor polynomial
// of degree 8 (error r⁹/9! ≤ 2e-10 relative), scaled by 2ᵏ through the
// exponent bits.
func expNonPos(x float64) float64 {
	if x < -700 {
		return 0
	}
	const ln2hi, ln2lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	k := math.Floor(x*math.Log2E + 0.5)
	r := x - k*ln2hi - k*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+r/362880))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}

// softplusFast returns log(1 + eˣ) = max(x, 0) + log1p(e^−|x|) for every x.
func softplusFast(x float64) float64 {
	return max(x, 0) + log1pSeries(expNonPos(-math.Abs(x)))
}

// sigmoidFast returns 1/(1 + e^−x) for every x.
func sigmoidFast(x float64) float64 {
	t := expNonPos(-math.Abs(x))
	if x >= 0 {
		return 1 / (1 + t)
	}
	return t / (1 + t)
}

// softplusOf and sigmoidOf pick the float32 path's fast function or the
// exact one by the element type.
func softplusOf[T Float]() func(float64) float64 {
	if is32[T]() {
		return softplusFast
	}
	return special.Softplus
}

func sigmoidOf[T Float]() func(float64) float64 {
	if is32[T]() {
		return sigmoidFast
	}
	return special.Sigmoid
}

func is32[T Float]() bool {
	var z T
	_, ok := any(z).(float32)
	return ok
}
