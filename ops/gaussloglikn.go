package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
)

// GaussianLogLikN is GaussianLogLik for S particles at once
// (svi.Config.Vectorize): f is [S, B] or [S, B, 1], y is [B] and τ is [S];
// it returns Σ_s Σᵢ log N(yᵢ; f_si, 1/τ_s) as a scalar, with gradients
// τ_s(yᵢ − f_si) for f and Σᵢ [1/(2τ_s) − ½(yᵢ − f_si)²] for τ. The inputs
// are float64 or float32 (the sums accumulated in float64, the result
// rounded once).
func GaussianLogLikN(f, y, tau *G.Node) (*G.Node, error) {
	if err := checkFloat("GaussianLogLikN", f, y, tau); err != nil {
		return nil, err
	}
	if err := gaussNShapes(f.Shape(), y.Shape(), tau.Shape()); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(gaussNOp{df: f.Shape().Dims()}, f, y, tau)
	if err != nil {
		return nil, fmt.Errorf("ops: GaussianLogLikN: %w", err)
	}
	return n, nil
}

func gaussNShapes(f, y, tau tensor.Shape) error {
	ok := y.Dims() == 1 && tau.Dims() == 1 && f.Dims() >= 2 && f.Dims() <= 3 && f[0] == tau[0] && f[1] == y[0]
	if ok && f.Dims() == 3 {
		ok = f[2] == 1
	}
	if !ok {
		return fmt.Errorf("ops: GaussianLogLikN: shapes f %v, y %v, τ %v do not fit ([S, B] or [S, B, 1], [B], [S])", f, y, tau)
	}
	return nil
}

type gaussNOp struct {
	PlainOp
	df int
}

func (op gaussNOp) Arity() int { return 3 }
func (op gaussNOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.df), FloatType(1), FloatType(1), FloatType(0))
}
func (op gaussNOp) String() string { return "GaussianLogLikN" }
func (op gaussNOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.GaussianLogLikN{%d}", op.df)
}
func (op gaussNOp) Hashcode() uint32 { return HashOf(op.WriteHash) }
func (op gaussNOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("GaussianLogLikN", in, 3)
	if err != nil {
		return nil, err
	}
	if err := gaussNShapes(s[0], s[1], s[2]); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

func (op gaussNOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return gaussNDo[float32](in)
	}
	return gaussNDo[float64](in)
}

func gaussNDo[T Float](in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: GaussianLogLikN", in, 3)
	if err != nil {
		return nil, err
	}
	f, y, tau := v[0], v[1], v[2]
	B := len(y)
	var l float64
	for s, t := range tau {
		l += float64(B)*(0.5*math.Log(float64(t))-special.LogSqrt2Pi) - 0.5*float64(t)*sumSquares(f[s*B:(s+1)*B], y)
	}
	return scalarValue[T](l), nil
}

func (op gaussNOp) DiffWRT(int) []bool { return []bool{true, false, true} }

func (op gaussNOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: GaussianLogLikN", len(inputs), 3); err != nil {
		return nil, err
	}
	return GradNodes("ops: GaussianLogLikN", op.DiffWRT(3), func(i int) G.Op {
		return gaussNGradOp{df: op.df, wrt: i, buf: new(OutBuf)}
	}, inputs[0], inputs[1], inputs[2], grad)
}

// gaussNGradOp is the gradient of GaussianLogLikN with respect to f (wrt 0)
// or τ (wrt 2), from f, y, τ and the incoming scalar gradient.
type gaussNGradOp struct {
	PlainOp
	df, wrt int
	buf     *OutBuf
}

func (op gaussNGradOp) Arity() int { return 4 }
func (op gaussNGradOp) Type() hm.Type {
	r := op.df
	if op.wrt == 2 {
		r = 1
	}
	return hm.NewFnType(FloatType(op.df), FloatType(1), FloatType(1), FloatType(0), FloatType(r))
}
func (op gaussNGradOp) String() string { return fmt.Sprintf("GaussianLogLikNGrad{%d}", op.wrt) }
func (op gaussNGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.GaussianLogLikNGrad{%d,%d}", op.df, op.wrt)
}
func (op gaussNGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }
func (op gaussNGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("GaussianLogLikNGrad", in, 4)
	if err != nil {
		return nil, err
	}
	if op.wrt == 2 {
		return s[2].Clone(), nil
	}
	return s[0].Clone(), nil
}

func (op gaussNGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return gaussNGradDo[float32](op, in)
	}
	return gaussNGradDo[float64](op, in)
}

func gaussNGradDo[T Float](op gaussNGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: GaussianLogLikNGrad", in, 4)
	if err != nil {
		return nil, err
	}
	f, y, tau, g := v[0], v[1], v[2], v[3][0]
	B := len(y)
	shape := in[0].Shape()
	if op.wrt == 2 {
		shape = in[2].Shape()
	}
	res, d := bufGet[T](op.buf, false, shape...)
	for s, t := range tau {
		fs := f[s*B : (s+1)*B]
		if op.wrt == 0 {
			for i, fi := range fs {
				d[s*B+i] = g * t * (y[i] - fi)
			}
			continue
		}
		d[s] = g * T(float64(B)/(2*float64(t))-0.5*sumSquares(fs, y))
	}
	return res, nil
}
