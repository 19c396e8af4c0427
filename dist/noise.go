package dist

import "math/rand/v2"

// FillStdNormal fills dst with independent N(0, 1) draws from r: the noise
// of Normal, LogNormal and HalfNormal.
func FillStdNormal(dst []float64, r *rand.Rand) {
	for i := range dst {
		dst[i] = r.NormFloat64()
	}
}

// FillStdExponential fills dst with independent Exp(1) draws from r: the
// noise of Exponential.
func FillStdExponential(dst []float64, r *rand.Rand) {
	for i := range dst {
		dst[i] = r.ExpFloat64()
	}
}

// FillCenteredUniform fills dst with independent draws from the uniform
// distribution on (−½, ½) from r: the noise of Laplace. The endpoint −½,
// which would map to −∞, is never returned.
func FillCenteredUniform(dst []float64, r *rand.Rand) {
	for i := range dst {
		dst[i] = openUniform(r) - 0.5
	}
}

// openUniform returns a draw from the uniform distribution on (0, 1) from
// r, redrawing the 0 that r.Float64 returns with probability 2⁻⁵³.
func openUniform(r *rand.Rand) float64 {
	u := r.Float64() // [0, 1) in steps of 2⁻⁵³
	for u == 0 {
		u = r.Float64()
	}
	return u
}
