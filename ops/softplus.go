package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/internal/vec"
)

// The mean-field guide's scale σ = softplus(ρ) and its entropy's Σ log σ,
// each as one operation with a one-operation gradient, in both dtypes.
// Through gorgonia's generic graph the same costs Softplus, Log and Sum
// forward and five operations backward (the Sum's gradient repeats a
// scalar over every element), each cloning a tensor as large as the
// network's weights: on a 784-400-400-10 network they were 40 % of a step.

// SoftplusScale returns softplus(x) = log(1 + eˣ) elementwise, the scale of
// a Gaussian guide from its unconstrained ρ, as one operation whose
// gradient, g ⊙ σ(x) with σ the logistic function, is one more; unlike
// [Softplus] it has both dtypes and no second derivative. In
// float64 it equals gorgonia.Softplus bit for bit (x itself above 16, 0
// below −708). In float32 it is max(x, 0) + log1p(e^−|x|) by
// internal/vec's AVX2 kernels (float32 polynomials, within 2 ulps of the
// exact value; the gradient within 3), or computed in float64 and rounded
// once where there are none.
func SoftplusScale(x *G.Node) (*G.Node, error) {
	return applyElem(elemOp{kind: kindSoftplus}, x)
}

// SumLog returns the scalar Σᵢ log xᵢ for x > 0 (accumulated in float64 in
// either dtype) as one operation; its gradient g/xᵢ is one more. A
// non-positive element gives −Inf or NaN, as log does.
func SumLog(x *G.Node) (*G.Node, error) {
	return applyElem(elemOp{kind: kindSumLog}, x)
}

type elemKind uint8

const (
	kindSoftplus     elemKind = iota // softplus(x)
	kindSoftplusGrad                 // g ⊙ σ(x), from x and g
	kindSumLog                       // Σ log x
	kindSumLogGrad                   // g / x, from x and the scalar g
)

var elemNames = [...]string{"SoftplusScale", "SoftplusScaleGrad", "SumLog", "SumLogGrad"}

func applyElem(op elemOp, x *G.Node) (*G.Node, error) {
	name := elemNames[op.kind]
	if err := checkFloat(name, x); err != nil {
		return nil, err
	}
	op.dims = x.Shape().Dims()
	op.buf = new(OutBuf)
	n, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", name, err)
	}
	return n, nil
}

// elemOp is one of the elementwise operations above; the gradient kinds
// take x and the incoming gradient.
type elemOp struct {
	PlainOp
	kind elemKind
	dims int
	buf  *OutBuf
}

var _ G.SDOp = elemOp{}

func (op elemOp) grad() bool { return op.kind == kindSoftplusGrad || op.kind == kindSumLogGrad }

func (op elemOp) Arity() int {
	if op.grad() {
		return 2
	}
	return 1
}

func (op elemOp) Type() hm.Type {
	x := FloatType(op.dims)
	switch op.kind {
	case kindSoftplusGrad:
		return hm.NewFnType(x, x, x)
	case kindSumLog:
		return hm.NewFnType(x, FloatType(0))
	case kindSumLogGrad:
		return hm.NewFnType(x, FloatType(0), x)
	}
	return hm.NewFnType(x, x)
}

func (op elemOp) String() string { return elemNames[op.kind] }
func (op elemOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.%s{%d}", op, op.dims)
}
func (op elemOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op elemOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes(op.String(), in, op.Arity())
	if err != nil {
		return nil, err
	}
	if op.kind == kindSumLog {
		return tensor.ScalarShape(), nil
	}
	return s[0].Clone(), nil
}

func (op elemOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("ops: %s takes %d inputs, got %d", op, op.Arity(), len(in))
	}
	if isFloat32(in) {
		return elemDo[float32](op, in)
	}
	return elemDo[float64](op, in)
}

func elemDo[T Float](op elemOp, in []G.Value) (G.Value, error) {
	x, err := floatsOf[T](in[0])
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", op, err)
	}
	if op.kind == kindSumLog {
		if x32, ok := any(x).([]float32); ok {
			return scalarValue[T](vec.SumLog32(x32)), nil
		}
		var s float64
		for _, v := range x {
			s += math.Log(float64(v))
		}
		return scalarValue[T](s), nil
	}
	out, d := bufLike[T](op.buf, in[0].Shape())
	if d == nil { // a scalar: compute into a one-element slice
		d = make([]T, 1)
		defer func() { setScalarOf(out, float64(d[0])) }()
	}
	switch op.kind {
	case kindSoftplus:
		softplusInto(d, x)
	case kindSoftplusGrad:
		g, err := floatsOf[T](in[1])
		if err != nil {
			return nil, fmt.Errorf("ops: %s: incoming gradient: %w", op, err)
		}
		if len(g) != len(x) {
			return nil, fmt.Errorf("ops: %s: %d values and %d gradients", op, len(x), len(g))
		}
		if d32, ok := any(d).([]float32); ok {
			vec.SigmoidMul32(d32, any(g).([]float32), any(x).([]float32))
			break
		}
		for i, v := range x {
			d[i] = g[i] * T(special.Sigmoid(float64(v)))
		}
	case kindSumLogGrad:
		g, err := Scalar(in[1])
		if err != nil {
			return nil, fmt.Errorf("ops: %s: incoming gradient: %w", op, err)
		}
		for i, v := range x {
			d[i] = T(g / float64(v))
		}
	}
	return out, nil
}

// softplusInto writes softplus(x) into d: gorgonia's formula in float64;
// in float32 internal/vec's (within 2 ulps of the exact value).
func softplusInto[T Float](d, x []T) {
	if d32, ok := any(d).([]float32); ok {
		vec.Softplus32(d32, any(x).([]float32))
		return
	}
	for i, v := range x {
		d[i] = T(special.SoftplusGorgonia(float64(v)))
	}
}

func (op elemOp) DiffWRT(int) []bool {
	if op.grad() {
		return []bool{false, false}
	}
	return []bool{true}
}

// SymDiff gives the one-operation gradient of SoftplusScale or SumLog.
func (op elemOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.grad() {
		return nil, fmt.Errorf("ops: %s is not differentiable again", op)
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("ops: %s takes 1 input, got %d", op, len(inputs))
	}
	g := elemOp{kind: kindSoftplusGrad, dims: op.dims, buf: new(OutBuf)}
	if op.kind == kindSumLog {
		g.kind = kindSumLogGrad
	}
	n, err := G.ApplyOp(g, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: %s gradient: %w", op, err)
	}
	return G.Nodes{n}, nil
}
