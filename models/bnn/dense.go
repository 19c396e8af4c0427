package bnn

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/ops"
)

// Dense returns the node act(x·w + b) of a fully connected layer as one
// fused operation: x is [B, in], w is [in, out], b is [out] and the result
// is [B, out]. Its gradient is three fused operations (with respect to w,
// b and, when x is computed rather than fed, x), each a single BLAS call
// plus an elementwise pass:
//
//	∂/∂w = xᵀ(g ⊙ a′),  ∂/∂b = Σ_rows g ⊙ a′,  ∂/∂x = (g ⊙ a′) wᵀ
//
// where g is the incoming gradient and a′ is the activation's derivative,
// computed from the layer's output (1[y > 0] for ReLU, 1 − y² for tanh).
// It replaces the five to seven generic gorgonia operations of the same
// layer (Mul, Reshape, BroadcastAdd with its materialized repeat,
// Rectify/Tanh) and their gradients. Float64 only.
func Dense(x, w, b *G.Node, act Activation) (*G.Node, error) {
	n, err := ops.Dense(x, w, b, act)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	return n, nil
}

// denseForward writes act(x·w + b) into z ([rows, nout]).
func denseForward(z, x, w, b []float64, rows, nin, nout int, act Activation) {
	ops.DenseForward(z, x, w, b, rows, nin, nout, act)
}
