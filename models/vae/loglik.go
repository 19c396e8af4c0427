package vae

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// BernoulliLogLik returns the scalar Σᵢ xᵢlᵢ − log(1 + e^{lᵢ}), the
// log-likelihood of pixels x ∈ {0, 1} under logits l of the same shape, as
// one fused operation. Its gradient with respect to l is g·(x − σ(l)); x
// gets none (it is data). It replaces the five operations of
// dist.Bernoulli's LogProb and the sum, and their gradients, which
// dominated the decoder's share of a step.
func BernoulliLogLik(logits, x *G.Node) (*G.Node, error) {
	if logits == nil || x == nil {
		return nil, fmt.Errorf("vae: BernoulliLogLik: nil input")
	}
	if logits.Dtype() != tensor.Float64 || x.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("vae: BernoulliLogLik: float64 only")
	}
	n, err := G.ApplyOp(bernOp{dims: logits.Shape().Dims()}, logits, x)
	if err != nil {
		return nil, fmt.Errorf("vae: BernoulliLogLik: %w", err)
	}
	return n, nil
}

// bernOp is BernoulliLogLik; with grad set it is its gradient with respect
// to the logits, taking (l, x, g) with g the incoming scalar gradient.
type bernOp struct {
	dims int
	grad bool
}

var _ G.SDOp = bernOp{}

func tensorType(d int) hm.Type {
	a := hm.TypeVariable('a')
	if d == 0 {
		return a
	}
	return G.TensorType{Dims: d, Of: a}
}

func (o bernOp) Arity() int {
	if o.grad {
		return 3
	}
	return 2
}

func (o bernOp) Type() hm.Type {
	if o.grad {
		return hm.NewFnType(tensorType(o.dims), tensorType(o.dims), tensorType(0), tensorType(o.dims))
	}
	return hm.NewFnType(tensorType(o.dims), tensorType(o.dims), tensorType(0))
}
func (o bernOp) ReturnsPtr() bool     { return false }
func (o bernOp) CallsExtern() bool    { return false }
func (o bernOp) OverwritesInput() int { return -1 }
func (o bernOp) String() string {
	if o.grad {
		return "BernoulliLogLikGrad"
	}
	return "BernoulliLogLik"
}
func (o bernOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/vae.%s{%d}", o, o.dims) }
func (o bernOp) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o bernOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != o.Arity() {
		return nil, fmt.Errorf("vae: %s takes %d inputs, got %d", o, o.Arity(), len(in))
	}
	l, ok1 := in[0].(tensor.Shape)
	x, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || !l.Eq(x) {
		return nil, fmt.Errorf("vae: %s: logits %v and data %v differ in shape", o, in[0], in[1])
	}
	if o.grad {
		return l.Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

// floatsOf returns the float64 elements of v (see ops.Floats).
func floatsOf(v G.Value) ([]float64, error) { return ops.Floats(v) }

func (o bernOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != o.Arity() {
		return nil, fmt.Errorf("vae: %s takes %d inputs, got %d", o, o.Arity(), len(in))
	}
	l, err := floatsOf(in[0])
	if err != nil {
		return nil, fmt.Errorf("vae: %s: %w", o, err)
	}
	x, err := floatsOf(in[1])
	if err != nil || len(x) != len(l) {
		return nil, fmt.Errorf("vae: %s: data of %d values for %d logits (%v)", o, len(x), len(l), err)
	}
	if !o.grad {
		s := 0.0
		for i, li := range l {
			s += x[i]*li - special.Softplus(li)
		}
		return G.NewF64(s), nil
	}
	gs, err := floatsOf(in[2])
	if err != nil || len(gs) != 1 {
		return nil, fmt.Errorf("vae: %s: incoming gradient is not a scalar (%v)", o, err)
	}
	g := gs[0]
	t := tensor.New(tensor.WithShape(in[0].Shape().Clone()...), tensor.Of(tensor.Float64))
	d := t.Float64s()
	for i, li := range l {
		d[i] = g * (x[i] - special.Sigmoid(li))
	}
	return t, nil
}

func (o bernOp) DiffWRT(int) []bool { return []bool{true, false} }

func (o bernOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if o.grad || len(inputs) != 2 {
		return nil, fmt.Errorf("vae: %s: no second derivative", o)
	}
	n, err := G.ApplyOp(bernOp{dims: o.dims, grad: true}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("vae: BernoulliLogLik gradient: %w", err)
	}
	return G.Nodes{n, nil}, nil
}
