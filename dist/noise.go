package dist

import "math/rand/v2"

// FillStdNormal fills dst with independent N(0, 1) draws from r.
func FillStdNormal(dst []float64, r *rand.Rand) {
	for i := range dst {
		dst[i] = r.NormFloat64()
	}
}
