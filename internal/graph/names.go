package graph

import (
	"strconv"
	"sync/atomic"

	G "gorgonia.org/gorgonia"
)

var counter atomic.Uint64

// Name returns prefix followed by a process-wide unique suffix. Gorgonia
// merges input and constant nodes that share a name and shape, so every node
// govi creates is named through Name.
func Name(prefix string) string {
	return prefix + "#" + strconv.FormatUint(counter.Add(1), 10)
}

// Scalar returns a float64 scalar constant in g with a unique name.
func Scalar(g *G.ExprGraph, v float64) *G.Node {
	return G.NewConstant(v, G.In(g), G.WithName(Name("c")))
}
