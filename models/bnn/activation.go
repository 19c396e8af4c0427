package bnn

import "github.com/govi/govi/ops"

// Activation is the elementwise nonlinearity of the hidden layers: the
// fused dense layer's (ops.Activation); read one from a name with
// ops.ParseActivation. Config.Validate accepts ReLU and Tanh.
type Activation = ops.Activation

const (
	// ReLU is max(0, x). It is the zero value and the default.
	ReLU = ops.ReLU
	// Tanh is the hyperbolic tangent.
	Tanh = ops.Tanh
	// Identity is x; the output layer always uses it.
	Identity = ops.Identity
)
