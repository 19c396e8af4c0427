package graph

import (
	"runtime"
	"strconv"
	"sync"
	"weak"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// counters holds each live graph's name counter and dtype, keyed weakly so
// that a graph's entry goes when the graph does.
var (
	countersMu sync.Mutex
	counters   = map[weak.Pointer[G.ExprGraph]]graphInfo{}
)

// graphInfo is what govi records about a graph: the names taken and the
// dtype of its floating-point values (the zero value means float64).
type graphInfo struct {
	names   uint64
	float32 bool
}

// info returns g's entry, registering its cleanup on first use; the
// caller holds countersMu.
func info(g *G.ExprGraph) (weak.Pointer[G.ExprGraph], graphInfo) {
	w := weak.Make(g)
	c, ok := counters[w]
	if !ok {
		runtime.AddCleanup(g, forget, w)
	}
	return w, c
}

// SetDtype records the dtype of g's floating-point values, tensor.Float64
// (the default) or tensor.Float32: the constants Scalar creates in g take
// it, so that they combine with g's inputs. Set it before building.
func SetDtype(g *G.ExprGraph, dt tensor.Dtype) {
	countersMu.Lock()
	w, c := info(g)
	c.float32 = dt == tensor.Float32
	counters[w] = c
	countersMu.Unlock()
}

// Dtype returns the dtype recorded by SetDtype for g, tensor.Float64 if
// none was.
func Dtype(g *G.ExprGraph) tensor.Dtype {
	if g == nil {
		return tensor.Float64
	}
	countersMu.Lock()
	c, ok := counters[weak.Make(g)]
	countersMu.Unlock()
	if ok && c.float32 {
		return tensor.Float32
	}
	return tensor.Float64
}

// Name returns prefix followed by a suffix unique within g. Gorgonia merges
// input and constant nodes that share a name and shape, so every node govi
// creates is named through Name. The suffix counts the names taken in g, so
// building the same graph twice gives the same names, and with them the same
// node hashes (gorgonia identifies inputs by the hash of their name), however
// many other graphs are built meanwhile on other goroutines.
func Name(g *G.ExprGraph, prefix string) string {
	countersMu.Lock()
	w, c := info(g)
	c.names++
	counters[w] = c
	countersMu.Unlock()
	return prefix + "#" + strconv.FormatUint(c.names, 10)
}

func forget(w weak.Pointer[G.ExprGraph]) {
	countersMu.Lock()
	delete(counters, w)
	countersMu.Unlock()
}

// Scalar returns a scalar constant in g with a unique name, of g's dtype
// (see SetDtype): float64, or v rounded to float32.
func Scalar(g *G.ExprGraph, v float64) *G.Node {
	if Dtype(g) == tensor.Float32 {
		return G.NewConstant(float32(v), G.In(g), G.WithName(Name(g, "c")))
	}
	return G.NewConstant(v, G.In(g), G.WithName(Name(g, "c")))
}

// Tensor returns a constant tensor of the given shape in g with a unique
// name, of g's dtype (see SetDtype): v itself for float64, v rounded to a
// new float32 slice for float32.
func Tensor(g *G.ExprGraph, prefix string, v []float64, shape ...int) *G.Node {
	var backing any = v
	if Dtype(g) == tensor.Float32 {
		v32 := make([]float32, len(v))
		for i, x := range v {
			v32[i] = float32(x)
		}
		backing = v32
	}
	return G.NewConstant(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing)), G.In(g), G.WithName(Name(g, prefix)))
}
