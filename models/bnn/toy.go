package bnn

import (
	"math/rand/v2"
)

// Toy returns the one-dimensional regression problem of Hernández-Lobato &
// Adams (2015, Fig. 5) and Lakshminarayanan et al. (2017, Fig. 1): n inputs
// drawn uniformly from [−4, 4] and targets y = x³ + ε with ε ~ N(0, 3²),
// seeded by seed. Outside [−4, 4] a good posterior predictive widens.
func Toy(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 0x746f79))
	d := &Data{X: make([]float64, n), Y: make([]float64, n), N: n, D: 1}
	for i := range d.Y {
		x := -4 + 8*r.Float64()
		d.X[i] = x
		d.Y[i] = ToyTruth(x) + ToyNoise*r.NormFloat64()
	}
	return d
}

// ToyTruth is the toy problem's regression function x³.
func ToyTruth(x float64) float64 { return x * x * x }

// ToyNoise is the standard deviation of the toy problem's noise.
const ToyNoise = 3.0
