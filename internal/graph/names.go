package graph

import (
	"runtime"
	"strconv"
	"sync"
	"weak"

	G "gorgonia.org/gorgonia"
)

// counters holds each live graph's name counter, keyed weakly so that a
// graph's entry goes when the graph does.
var (
	countersMu sync.Mutex
	counters   = map[weak.Pointer[G.ExprGraph]]uint64{}
)

// Name returns prefix followed by a suffix unique within g. Gorgonia merges
// input and constant nodes that share a name and shape, so every node govi
// creates is named through Name. The suffix counts the names taken in g, so
// building the same graph twice gives the same names, and with them the same
// node hashes (gorgonia identifies inputs by the hash of their name), however
// many other graphs are built meanwhile on other goroutines.
func Name(g *G.ExprGraph, prefix string) string {
	w := weak.Make(g)
	countersMu.Lock()
	c, ok := counters[w]
	if !ok {
		runtime.AddCleanup(g, forget, w)
	}
	c++
	counters[w] = c
	countersMu.Unlock()
	return prefix + "#" + strconv.FormatUint(c, 10)
}

func forget(w weak.Pointer[G.ExprGraph]) {
	countersMu.Lock()
	delete(counters, w)
	countersMu.Unlock()
}

// Scalar returns a float64 scalar constant in g with a unique name.
func Scalar(g *G.ExprGraph, v float64) *G.Node {
	return G.NewConstant(v, G.In(g), G.WithName(Name(g, "c")))
}
