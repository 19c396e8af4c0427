package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/internal/vec"
)

// BernoulliLogLik returns the scalar Σᵢ xᵢlᵢ − log(1 + e^{lᵢ}), the
// log-likelihood of outcomes x ∈ {0, 1} (e.g. binary pixels) under logits l
// of the same shape, as one fused operation. Its gradient with respect to
// l is g·(x − σ(l)); x gets none (it is data). x is not checked: values in
// [0, 1] give the continuous extension. It replaces the five operations of
// dist.Bernoulli's LogProb and the sum, and their gradients. For logits
// [B, K] and class labels, see LogitLogLik. Logits and data are both
// float64 or both float32. In float64 the softplus and sigmoid are
// computed in float64; in float32 by internal/vec's kernels in float32, as
// l·(x − [l > 0]) − log1p(e^−|l|) and (x − [l > 0]) ± σ(−|l|), which do
// not cancel for binary x (within 2 and 4 ulps). The sum is accumulated in
// float64 either way.
func BernoulliLogLik(logits, x *G.Node) (*G.Node, error) {
	if err := checkFloat("BernoulliLogLik", logits, x); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(bernOp{dims: logits.Shape().Dims()}, logits, x)
	if err != nil {
		return nil, fmt.Errorf("ops: BernoulliLogLik: %w", err)
	}
	return n, nil
}

// bernOp is BernoulliLogLik; with grad set it is its gradient with respect
// to the logits, taking (l, x, g) with g the incoming scalar gradient.
type bernOp struct {
	PlainOp
	dims int
	grad bool
	buf  *OutBuf // the gradient's output, reused from run to run
}

var _ G.SDOp = bernOp{}

func (o bernOp) Arity() int {
	if o.grad {
		return 3
	}
	return 2
}

func (o bernOp) Type() hm.Type {
	if o.grad {
		return hm.NewFnType(FloatType(o.dims), FloatType(o.dims), FloatType(0), FloatType(o.dims))
	}
	return hm.NewFnType(FloatType(o.dims), FloatType(o.dims), FloatType(0))
}
func (o bernOp) String() string {
	if o.grad {
		return "BernoulliLogLikGrad"
	}
	return "BernoulliLogLik"
}
func (o bernOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.%s{%d}", o, o.dims) }
func (o bernOp) Hashcode() uint32      { return HashOf(o.WriteHash) }

func (o bernOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes(o.String(), in, o.Arity())
	if err != nil {
		return nil, err
	}
	if !s[0].Eq(s[1]) {
		return nil, fmt.Errorf("ops: %s: logits %v and data %v differ in shape", o, s[0], s[1])
	}
	if o.grad {
		return s[0].Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

func (o bernOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != o.Arity() {
		return nil, fmt.Errorf("ops: %s takes %d inputs, got %d", o, o.Arity(), len(in))
	}
	if isFloat32(in) {
		return bernDo[float32](o, in)
	}
	return bernDo[float64](o, in)
}

func bernDo[T Float](o bernOp, in []G.Value) (G.Value, error) {
	l, err := floatsOf[T](in[0])
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", o, err)
	}
	x, err := floatsOf[T](in[1])
	if err != nil || len(x) != len(l) {
		return nil, fmt.Errorf("ops: %s: data of %d values for %d logits (%v)", o, len(x), len(l), err)
	}
	l32, is32 := any(l).([]float32)
	if !o.grad {
		if is32 {
			return scalarValue[T](vec.BernoulliLogLik32(l32, any(x).([]float32))), nil
		}
		s := 0.0
		for i, li := range l {
			s += float64(x[i])*float64(li) - special.Softplus(float64(li))
		}
		return scalarValue[T](s), nil
	}
	g, err := Scalar(in[2])
	if err != nil {
		return nil, fmt.Errorf("ops: %s: incoming gradient: %w", o, err)
	}
	out, d := bufGet[T](o.buf, false, in[0].Shape()...)
	if is32 {
		vec.BernoulliGrad32(any(d).([]float32), any(x).([]float32), l32, g)
		return out, nil
	}
	for i, li := range l {
		d[i] = T(g * (float64(x[i]) - special.Sigmoid(float64(li))))
	}
	return out, nil
}

func (o bernOp) DiffWRT(int) []bool { return []bool{true, false} }

func (o bernOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if o.grad || len(inputs) != 2 {
		return nil, fmt.Errorf("ops: %s: no second derivative", o)
	}
	n, err := G.ApplyOp(bernOp{dims: o.dims, grad: true, buf: new(OutBuf)}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: BernoulliLogLik gradient: %w", err)
	}
	return G.Nodes{n, nil}, nil
}
