package fhmm

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/ops"
)

// elboNode returns the scalar node of the closed-form ELBO (logitELBO) of
// the logits a, a [T, M·L] node, for the model md and whitened data z, as
// one custom operation. Its gradient with respect to a is one custom
// operation (logitGrad, scaled by the incoming gradient), written by hand
// and checked against central differences in netop_test.go; it is not
// differentiable again. The logits may be float64 or float32: a float32
// node is widened, the ELBO (a sum over the T steps) and its gradient are
// computed in float64 and rounded once.
func elboNode(md *model, z [][]float64, a *G.Node) (*G.Node, error) {
	n, err := G.ApplyOp(elboOp{md: md, z: z}, a)
	if err != nil {
		return nil, fmt.Errorf("fhmm: ELBO node: %w", err)
	}
	return n, nil
}

// elboOp is the forward operation of elboNode.
type elboOp struct {
	ops.PlainOp
	md *model
	z  [][]float64
}

var _ G.SDOp = elboOp{}

func (op elboOp) Arity() int            { return 1 }
func (op elboOp) Type() hm.Type         { return hm.NewFnType(ops.FloatType(2), ops.FloatType(0)) }
func (op elboOp) String() string        { return "FactorizedELBO" }
func (op elboOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/fhmm.FactorizedELBO{%p}", op.md) }
func (op elboOp) Hashcode() uint32      { return ops.HashOf(op.WriteHash) }
func (op elboOp) DiffWRT(int) []bool    { return []bool{true} }
func (op elboOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := ops.InputShapes("FactorizedELBO", in, 1)
	if err != nil {
		return nil, err
	}
	if err := op.check(s[0]); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

func (op elboOp) check(s tensor.Shape) error {
	if s.Dims() != 2 || s[0] != len(op.z) || s[1] != op.md.m*op.md.l {
		return fmt.Errorf("fhmm: FactorizedELBO: logits of shape %v, want [T, M·L] = [%d, %d]", s, len(op.z), op.md.m*op.md.l)
	}
	return nil
}

func (op elboOp) Do(in ...G.Value) (G.Value, error) {
	v, f32, err := wideInputs("fhmm: FactorizedELBO", in, 1)
	if err != nil {
		return nil, err
	}
	if err := op.check(in[0].Shape()); err != nil {
		return nil, err
	}
	e := op.md.logitELBO(op.z, v[0], nil)
	if f32 {
		return G.NewF32(float32(e)), nil
	}
	return G.NewF64(e), nil
}

// wideInputs returns the elements of the arity inputs widened to float64
// (ops.Widen), and whether they are float32; the inputs must share one
// dtype.
func wideInputs(name string, in []G.Value, arity int) ([][]float64, bool, error) {
	if err := ops.CheckArity(name, len(in), arity); err != nil {
		return nil, false, err
	}
	v := make([][]float64, arity)
	for i := range in {
		if in[i] == nil || in[i].Dtype() != in[0].Dtype() {
			return nil, false, fmt.Errorf("%s: input %d is nil or of another dtype than input 0", name, i)
		}
		var err error
		if v[i], err = ops.Widen(in[i], new([]float64)); err != nil {
			return nil, false, fmt.Errorf("%s: %w", name, err)
		}
	}
	return v, in[0].Dtype() == tensor.Float32, nil
}

func (op elboOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := ops.CheckArity("fhmm: FactorizedELBO", len(inputs), 1); err != nil {
		return nil, err
	}
	return ops.GradNodes("fhmm: FactorizedELBO", op.DiffWRT(1), func(int) G.Op { return elboGradOp{op} }, inputs[0], grad)
}

// elboGradOp is the gradient of elboOp with respect to the logits.
type elboGradOp struct{ f elboOp }

func (op elboGradOp) Arity() int { return 2 }
func (op elboGradOp) Type() hm.Type {
	return hm.NewFnType(ops.FloatType(2), ops.FloatType(0), ops.FloatType(2))
}
func (op elboGradOp) String() string { return "FactorizedELBOGrad" }
func (op elboGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/fhmm.FactorizedELBOGrad{%p}", op.f.md)
}
func (op elboGradOp) Hashcode() uint32     { return ops.HashOf(op.WriteHash) }
func (op elboGradOp) ReturnsPtr() bool     { return false }
func (op elboGradOp) CallsExtern() bool    { return false }
func (op elboGradOp) OverwritesInput() int { return -1 }
func (op elboGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := ops.InputShapes("FactorizedELBOGrad", in, 2)
	if err != nil {
		return nil, err
	}
	if err := op.f.check(s[0]); err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op elboGradOp) Do(in ...G.Value) (G.Value, error) {
	v, f32, err := wideInputs("fhmm: FactorizedELBOGrad", in, 2)
	if err != nil {
		return nil, err
	}
	if err := op.f.check(in[0].Shape()); err != nil {
		return nil, err
	}
	if len(v[1]) != 1 {
		return nil, fmt.Errorf("fhmm: FactorizedELBOGrad: the incoming gradient has %d values, want 1", len(v[1]))
	}
	d := make([]float64, len(v[0]))
	op.f.md.logitELBO(op.f.z, v[0], d)
	for i := range d {
		d[i] *= v[1][0]
	}
	if f32 {
		d32 := make([]float32, len(d))
		for i, x := range d {
			d32[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(d32)), nil
	}
	return tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.WithBacking(d)), nil
}
