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

// The log-densities of fixed priors, summed over the elements of x, each
// as one operation with a one-operation gradient. The generic dist.Normal
// log-density costs nine operations forward and about fifteen backward
// per site and particle; a model whose priors have constant parameters
// (the BNN's weights, its noise precision) uses these instead.

// NormalPriorLogProb returns the scalar node
//
//	Σᵢ log N(xᵢ; 0, σ²) = −Σᵢ xᵢ²/(2σ²) − n (log σ + ½ log 2π)
//
// for a constant scale σ > 0; its gradient is −xᵢ/σ².
func NormalPriorLogProb(x *G.Node, scale float64) (*G.Node, error) {
	return applyPrior(priorOp{kind: "normal", a: scale}, x)
}

// GammaPriorLogProb returns the scalar node
//
//	Σᵢ log Gamma(xᵢ; a, b) = Σᵢ [a log b − log Γ(a) + (a − 1) log xᵢ − b xᵢ]
//
// for a constant shape a and rate b (x > 0); its gradient is
// (a − 1)/xᵢ − b.
func GammaPriorLogProb(x *G.Node, shape, rate float64) (*G.Node, error) {
	return applyPrior(priorOp{kind: "gamma", a: shape, b: rate}, x)
}

// applyPrior applies op to x, float64 or float32 (the sum is accumulated
// in float64 either way).
func applyPrior(op priorOp, x *G.Node) (*G.Node, error) {
	if err := checkFloat(op.String(), x); err != nil {
		return nil, err
	}
	op.dims = x.Shape().Dims()
	n, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("ops: %s prior: %w", op.kind, err)
	}
	return n, nil
}

// priorOp is the summed log-density of a normal (a = σ) or gamma (a, b)
// prior; with grad set it is instead the gradient g·∂/∂x, taking x and the
// incoming scalar gradient g.
type priorOp struct {
	PlainOp
	kind string
	a, b float64
	dims int
	grad bool
	buf  *OutBuf // the gradient's output, reused from run to run
}

var _ G.SDOp = priorOp{}

func (op priorOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op priorOp) Type() hm.Type {
	if op.grad {
		return hm.NewFnType(FloatType(op.dims), FloatType(0), FloatType(op.dims))
	}
	return hm.NewFnType(FloatType(op.dims), FloatType(0))
}
func (op priorOp) String() string {
	if op.grad {
		return op.kind + "PriorGrad"
	}
	return op.kind + "Prior"
}
func (op priorOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.prior{%s,%v,%v,%d,%v}", op.kind, op.a, op.b, op.dims, op.grad)
}
func (op priorOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op priorOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes(op.String(), in, op.Arity())
	if err != nil {
		return nil, err
	}
	if op.grad {
		return s[0].Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

func (op priorOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("ops: %s takes %d inputs, got %d", op, op.Arity(), len(in))
	}
	if isFloat32(in) {
		return priorDo[float32](op, in)
	}
	return priorDo[float64](op, in)
}

func priorDo[T Float](op priorOp, in []G.Value) (G.Value, error) {
	x, err := floatsOf[T](in[0])
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", op, err)
	}
	if !op.grad {
		return scalarValue[T](priorLogProb(op, x)), nil
	}
	g, err := Scalar(in[1])
	if err != nil {
		return nil, fmt.Errorf("ops: %s: incoming gradient: %w", op, err)
	}
	out, d := bufLike[T](op.buf, in[0].Shape())
	if d == nil { // a scalar: compute into a one-element slice
		d = make([]T, 1)
		defer func() { setScalarOf(out, float64(d[0])) }()
	}
	switch op.kind {
	case "normal":
		if d32, ok := any(d).([]float32); ok {
			vec.MulDiv32(d32, any(x).([]float32), -g, op.a*op.a)
			break
		}
		for i, v := range x {
			d[i] = T(-g * float64(v) / (op.a * op.a))
		}
	case "gamma":
		for i, v := range x {
			d[i] = T(g * ((op.a-1)/float64(v) - op.b))
		}
	}
	return out, nil
}

// priorLogProb returns the summed log-density of x, in float64.
func priorLogProb[T Float](op priorOp, x []T) float64 {
	var lp float64
	switch op.kind {
	case "normal":
		lp = -0.5*sumSq(x)/(op.a*op.a) - float64(len(x))*(math.Log(op.a)+special.LogSqrt2Pi)
	case "gamma": // elementwise: one value, or one per particle
		lg, _ := math.Lgamma(op.a)
		for _, v := range x {
			lp += op.a*math.Log(op.b) - lg + (op.a-1)*math.Log(float64(v)) - op.b*float64(v)
		}
	}
	return lp
}

// sumSq returns Σ xᵢ² in float64 (by internal/vec's kernels in float32).
func sumSq[T Float](x []T) float64 {
	if x32, ok := any(x).([]float32); ok {
		return vec.SumSq32(x32)
	}
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	return ss
}

func (op priorOp) DiffWRT(int) []bool { return []bool{!op.grad, false}[:op.Arity()] }

func (op priorOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("ops: %s has no second derivative", op)
	}
	gop := op
	gop.grad, gop.buf = true, new(OutBuf)
	n, err := G.ApplyOp(gop, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: %s gradient: %w", op, err)
	}
	return G.Nodes{n}, nil
}
