package trueskill

import (
	"math"
	"math/rand/v2"
)

// uniformWidth is the widest interval containing 0 that truncNormal samples
// by uniform rejection (acceptance: the mean of e^(−z²/2) over the interval,
// at least √(2π)(Φ(w) − ½)/w ≈ 0.49 at this width w); wider intervals use
// plain normal rejection, whose acceptance Φ(b) − Φ(a) is then at least
// Φ(√(2π)) − ½ ≈ 0.49. Robert (1995), §2.2.
const uniformWidth = 2.5066282746310002 // √(2π)

// truncNormal returns a draw from the standard normal restricted to [a, b]
// (a may be −∞, b may be +∞); it returns NaN unless a < b.
//
// It follows Robert (1995): exponential rejection with the optimal rate for
// an interval in a tail, uniform rejection for a narrow one and normal
// rejection for a wide one around 0. Every branch accepts with probability
// bounded away from 0 (above about 0.25) whatever a and b are, so far tails
// cost no more than the centre.
func truncNormal(r *rand.Rand, a, b float64) float64 {
	switch {
	case !(a < b):
		return math.NaN()
	case b <= 0:
		// The interval lies below 0: reflect it into the upper half.
		return -truncNormal(r, -b, -a)
	case a < 0:
		// a < 0 < b.
		if b-a > uniformWidth {
			for {
				z := r.NormFloat64()
				if a <= z && z <= b {
					return z
				}
			}
		}
		for {
			z := a + (b-a)*r.Float64()
			if r.ExpFloat64() > 0.5*z*z {
				return z
			}
		}
	}
	// 0 ≤ a < b ≤ ∞. Uniform rejection when the interval is narrow against
	// the tail's decay (Robert's bound), exponential rejection otherwise.
	s := math.Sqrt(a*a + 4)
	if b-a <= 2*math.Sqrt(math.E)/(a+s)*math.Exp((a*a-a*s)/4) {
		for {
			z := a + (b-a)*r.Float64()
			if r.ExpFloat64() > 0.5*(z*z-a*a) {
				return z
			}
		}
	}
	lambda := 0.5 * (a + s)
	for {
		z := a + r.ExpFloat64()/lambda
		if z <= b && r.ExpFloat64() > 0.5*(z-lambda)*(z-lambda) {
			return z
		}
	}
}
