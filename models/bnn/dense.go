package bnn

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/ops"
)

// Dense returns the node act(x·w + b) of a fully connected layer (x is
// [B, in], w is [in, out], b is [out], the result is [B, out]) as one fused
// operation with fused gradients: ops.Dense, with errors prefixed "bnn:".
// The input gets no gradient when it is data (a node without an op).
func Dense(x, w, b *G.Node, act Activation) (*G.Node, error) {
	n, err := ops.Dense(x, w, b, act)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	return n, nil
}
