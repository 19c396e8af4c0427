package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// UnaryFn is an elementwise float64 function F together with its derivative,
// itself a UnaryFn, so that derivative nodes can be differentiated in turn.
// Apply turns it into a gorgonia node, of float64 or float32 (F evaluated
// in float64 on the widened element and rounded; DoDiff, for the
// LispMachine, is float64-only).
//
// A UnaryFn must not be modified after its first Apply. Deriv may be nil:
// the function is then not differentiable, and gorgonia.Grad through it
// returns an error naming it.
type UnaryFn struct {
	Name  string                // op name shown by gorgonia, e.g. "lgamma"
	F     func(float64) float64 // the function, applied to each element
	Deriv *UnaryFn              // F′, or nil
}

// Apply returns the node F(x), elementwise. x must be a float64 or float32
// scalar or tensor node.
func (f *UnaryFn) Apply(x *G.Node) (*G.Node, error) {
	if f == nil || f.F == nil {
		return nil, fmt.Errorf("ops: UnaryFn without a function")
	}
	if err := checkFloat(f.Name, x); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(unaryOp{fn: f}, x)
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", f.Name, err)
	}
	return n, nil
}

// unaryOp is the gorgonia Op (with SDOp and ADOp) of a UnaryFn.
type unaryOp struct {
	PlainOp
	fn *UnaryFn
}

var (
	_ G.SDOp = unaryOp{}
	_ G.ADOp = unaryOp{}
)

func (op unaryOp) Arity() int { return 1 }

func (op unaryOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

func (op unaryOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%s takes 1 input, got %d", op.fn.Name, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%s: input shape is a %T", op.fn.Name, in[0])
	}
	return s.Clone(), nil
}

func (op unaryOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%s takes 1 input, got %d", op.fn.Name, len(in))
	}
	return mapValue(op.fn.F, in[0])
}

// mapValue returns f applied to every element of v, as a new value of v's
// kind, shape and dtype (float64, or float32 evaluated in float64 and
// rounded).
func mapValue(f func(float64) float64, v G.Value) (G.Value, error) {
	if v != nil && v.Dtype() == tensor.Float32 {
		return mapValue32(f, v)
	}
	xs, err := floats(v)
	if err != nil {
		return nil, err
	}
	out, dst := newLike(v)
	if dst == nil {
		setScalar(out, f(xs[0]))
		return out, nil
	}
	for i, x := range xs {
		dst[i] = f(x)
	}
	return out, nil
}

// mapValue32 is mapValue for a float32 v.
func mapValue32(f func(float64) float64, v G.Value) (G.Value, error) {
	xs, err := floatsOf[float32](v)
	if err != nil {
		return nil, err
	}
	if v.Shape().IsScalar() {
		return G.NewF32(float32(f(float64(xs[0])))), nil
	}
	out := tensor.New(tensor.WithShape(v.Shape().Clone()...), tensor.Of(tensor.Float32))
	dst := out.Float32s()
	for i, x := range xs {
		dst[i] = float32(f(float64(x)))
	}
	return out, nil
}

func (op unaryOp) String() string { return op.fn.Name }

func (op unaryOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.%s(%p)", op.fn.Name, op.fn) }

func (op unaryOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op unaryOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns grad ⊙ F′(x), with F′(x) a new UnaryFn node.
func (op unaryOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%s takes 1 input, got %d", op.fn.Name, len(inputs))
	}
	if op.fn.Deriv == nil {
		return nil, fmt.Errorf("ops: %s has no derivative", op.fn.Name)
	}
	d, err := op.fn.Deriv.Apply(inputs[0])
	if err != nil {
		return nil, err
	}
	dx, err := G.HadamardProd(grad, d)
	if err != nil {
		return nil, fmt.Errorf("ops: %s gradient: %w", op.fn.Name, err)
	}
	return G.Nodes{dx}, nil
}

// DoDiff adds output.Grad ⊙ F′(x) into x.Grad in place (LispMachine).
func (op unaryOp) DoDiff(_ G.ExecutionContext, inputs G.Nodes, output *G.Node) error {
	if len(inputs) != 1 {
		return fmt.Errorf("%s takes 1 input, got %d", op.fn.Name, len(inputs))
	}
	if op.fn.Deriv == nil {
		return fmt.Errorf("ops: %s has no derivative", op.fn.Name)
	}
	x := inputs[0]
	xs, err := floats(x.Value())
	if err != nil {
		return fmt.Errorf("ops: %s.DoDiff: %w", op.fn.Name, err)
	}
	og, err := output.Grad()
	if err != nil {
		return fmt.Errorf("ops: %s.DoDiff: %w", op.fn.Name, err)
	}
	gs, err := floats(og)
	if err != nil {
		return fmt.Errorf("ops: %s.DoDiff: %w", op.fn.Name, err)
	}
	if len(gs) != len(xs) {
		return fmt.Errorf("ops: %s.DoDiff: %d gradients for %d inputs", op.fn.Name, len(gs), len(xs))
	}
	d := make([]float64, len(xs))
	for i, v := range xs {
		d[i] = gs[i] * op.fn.Deriv.F(v)
	}
	xg, err := x.Grad()
	if err != nil {
		return fmt.Errorf("ops: %s.DoDiff: %w", op.fn.Name, err)
	}
	if err := addInto(xg, d); err != nil {
		return fmt.Errorf("ops: %s.DoDiff: %w", op.fn.Name, err)
	}
	return nil
}
