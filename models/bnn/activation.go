package bnn

import (
	"fmt"

	"github.com/govi/govi/ops"
)

// Activation is the elementwise nonlinearity of the hidden layers: the
// fused dense layer's (ops.Activation).
type Activation = ops.Activation

const (
	// ReLU is max(0, x). It is the zero value and the default.
	ReLU = ops.ReLU
	// Tanh is the hyperbolic tangent.
	Tanh = ops.Tanh
	// Identity is x; the output layer always uses it.
	Identity = ops.Identity
)

// ParseActivation returns the hidden activation named s: relu or tanh.
func ParseActivation(s string) (Activation, error) {
	a, err := ops.ParseActivation(s)
	if err != nil || a == Identity {
		return 0, fmt.Errorf("bnn: unknown activation %q (want relu or tanh)", s)
	}
	return a, nil
}
