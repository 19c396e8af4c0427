package ops

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// OutBuf keeps a custom operation's output from one run of the graph to
// the next, so that a training step does not allocate (and the garbage
// collector does not sweep) every intermediate anew. Give each node its own
// buffer (create the op value holding it per node, new(OutBuf)); the op
// must overwrite the output completely on every run. Nothing reads an
// output after the next run has started, so the reuse is safe. A nil
// *OutBuf allocates every time. An OutBuf is not safe for concurrent use,
// nor is the machine that runs its op.
type OutBuf struct{ v G.Value }

// Get returns a float64 tensor of the given shape and its backing: the
// previous run's when the shape is the same, zeroed when zero is set (a
// new tensor is always zero).
func (b *OutBuf) Get(zero bool, shape ...int) (*tensor.Dense, []float64) {
	if b != nil {
		if t, ok := b.v.(*tensor.Dense); ok && t.Shape().Eq(tensor.Shape(shape)) {
			d := t.Float64s()
			if zero {
				clear(d)
			}
			return t, d
		}
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	if b != nil {
		b.v = t
	}
	return t, t.Float64s()
}

// Get32 is Get for a float32 tensor, for the custom ops written outside
// this package that support float32.
func (b *OutBuf) Get32(zero bool, shape ...int) (*tensor.Dense, []float32) {
	return bufGet[float32](b, zero, shape...)
}

// like returns a value shaped as s (a *G.F64 for a scalar shape, with a nil
// backing), reusing the previous run's when it has the same shape; its
// contents are stale, not zeroed.
func (b *OutBuf) like(s tensor.Shape) (G.Value, []float64) {
	if b.v != nil && b.v.Shape().Eq(s) {
		if s.IsScalar() {
			return b.v, nil
		}
		return b.v, b.v.Data().([]float64)
	}
	v, d := newShaped(s)
	b.v = v
	return v, d
}

// InputShapes checks that an op got arity inputs and converts the
// DimSizers gorgonia passes to InferShape into shapes, for custom ops.
func InputShapes(name string, in []G.DimSizer, arity int) ([]tensor.Shape, error) {
	if len(in) != arity {
		return nil, fmt.Errorf("ops: %s takes %d inputs, got %d", name, arity, len(in))
	}
	out := make([]tensor.Shape, arity)
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("ops: %s: input %d shape is a %T", name, i, d)
		}
		out[i] = s
	}
	return out, nil
}

// FloatInputs checks that an op got arity inputs and returns the float64
// elements of each (see Floats), for the Do methods of custom ops.
func FloatInputs(name string, in []G.Value, arity int) ([][]float64, error) {
	if len(in) != arity {
		return nil, fmt.Errorf("%s takes %d inputs, got %d", name, arity, len(in))
	}
	v := make([][]float64, arity)
	for i := range in {
		var err error
		if v[i], err = floats(in[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return v, nil
}

// FloatType returns the gorgonia type of a rank-d tensor of the type
// variable 'a' (the scalar type variable itself for d = 0), for the Type
// methods of custom ops.
func FloatType(d int) hm.Type {
	a := hm.TypeVariable('a')
	if d == 0 {
		return a
	}
	return G.TensorType{Dims: d, Of: a}
}

// HashOf returns the FNV-1a hash of what w writes (an op's WriteHash), for
// the Hashcode methods of custom ops.
func HashOf(w func(hash.Hash)) uint32 {
	h := fnv.New32a()
	w(h)
	return h.Sum32()
}

// CheckArity returns an error unless an op got arity inputs (n), for the
// SymDiff methods of custom ops; name prefixes it.
func CheckArity(name string, n, arity int) error {
	if n != arity {
		return fmt.Errorf("%s takes %d inputs, got %d", name, arity, n)
	}
	return nil
}

// GradNodes builds the gradient nodes of a custom op's SymDiff: for each
// input i with diff[i] set (pass the op's DiffWRT), the node of the op
// grad(i) applied to args, in the order of i; nil for the inputs that get
// no gradient. name prefixes its errors ("ops: Dense" gives "ops: Dense
// gradient: …").
func GradNodes(name string, diff []bool, grad func(wrt int) G.Op, args ...*G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(diff))
	for i, d := range diff {
		if !d {
			continue
		}
		n, err := G.ApplyOp(grad(i), args...)
		if err != nil {
			return nil, fmt.Errorf("%s gradient: %w", name, err)
		}
		out[i] = n
	}
	return out, nil
}

// PlainOp gives a custom gorgonia op the three answers every op of this
// project shares: it returns a fresh value (not a pointer into an input),
// calls no external library through cgo batching, and overwrites no input.
// Embed it in the op's struct.
type PlainOp struct{}

func (PlainOp) ReturnsPtr() bool     { return false }
func (PlainOp) CallsExtern() bool    { return false }
func (PlainOp) OverwritesInput() int { return -1 }
