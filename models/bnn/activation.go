package bnn

import (
	"fmt"
	"math"
)

// Activation is the elementwise nonlinearity of the hidden layers.
type Activation int

const (
	// ReLU is max(0, x). It is the zero value and the default.
	ReLU Activation = iota
	// Tanh is the hyperbolic tangent.
	Tanh
	// Identity is x; the output layer always uses it.
	Identity
)

var activationNames = []string{"relu", "tanh", "identity"}

func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation named s: relu, tanh or identity.
func ParseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("bnn: unknown activation %q (want relu or tanh)", s)
}

func (a Activation) valid() bool { return a >= 0 && int(a) < len(activationNames) }

// apply overwrites z with a(z).
func (a Activation) apply(z []float64) {
	switch a {
	case ReLU:
		for i, v := range z {
			z[i] = math.Float64frombits(math.Float64bits(v) & positiveMask(v))
		}
	case Tanh:
		for i, v := range z {
			z[i] = math.Tanh(v)
		}
	}
}

// backward writes dz = g ⊙ a′(z) into dz, with a′ computed from the
// output y = a(z): 1[y > 0] for ReLU, 1 − y² for tanh, 1 for the identity.
func (a Activation) backward(dz, g, y []float64) {
	switch a {
	case ReLU:
		// Branch-free: the signs of the pre-activations are random, and a
		// branch per element mispredicts half the time.
		for i, v := range y {
			dz[i] = math.Float64frombits(math.Float64bits(g[i]) & positiveMask(v))
		}
	case Tanh:
		for i, v := range y {
			dz[i] = g[i] * (1 - v*v)
		}
	default:
		copy(dz, g)
	}
}

// positiveMask returns all ones when v > 0 and zero otherwise (the compiler
// turns the branch into a conditional move).
func positiveMask(v float64) uint64 {
	var m uint64
	if v > 0 {
		m = ^uint64(0)
	}
	return m
}

// colSumBackward adds Σ_rows g ⊙ a′ (rows × cols, row-major) into db,
// without materializing g ⊙ a′.
func (a Activation) colSumBackward(db, g, y []float64, cols int) {
	for r := 0; r*cols < len(g); r++ {
		gr, yr := g[r*cols:(r+1)*cols], y[r*cols:(r+1)*cols]
		switch a {
		case ReLU:
			for j, v := range yr {
				db[j] += math.Float64frombits(math.Float64bits(gr[j]) & positiveMask(v))
			}
		case Tanh:
			for j, v := range yr {
				db[j] += gr[j] * (1 - v*v)
			}
		default:
			for j, v := range gr {
				db[j] += v
			}
		}
	}
}
