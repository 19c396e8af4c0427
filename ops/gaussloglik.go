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

// GaussianLogLik returns the scalar node
//
//	Σᵢ log N(yᵢ; fᵢ, 1/τ) = Σᵢ [½ log τ − ½ log 2π − ½ τ (yᵢ − fᵢ)²]
//
// as one fused operation, for a network output f ([B] or [B, 1]), targets y
// with as many elements, and a scalar precision τ > 0. Its gradient with
// respect to f is τ(y − f) and with respect to τ is Σᵢ [1/(2τ) − ½(yᵢ − fᵢ)²];
// y gets none (it is data). The inputs are all float64 or all float32; the
// sum is accumulated in float64 either way and rounded once.
func GaussianLogLik(f, y, tau *G.Node) (*G.Node, error) {
	if err := checkFloat("GaussianLogLik", f, y, tau); err != nil {
		return nil, err
	}
	op := gaussOp{df: f.Shape().Dims(), dy: y.Shape().Dims(), dt: tau.Shape().Dims()}
	n, err := G.ApplyOp(op, f, y, tau)
	if err != nil {
		return nil, fmt.Errorf("ops: GaussianLogLik: %w", err)
	}
	return n, nil
}

// gaussOp is the forward op of GaussianLogLik; df, dy and dt are the ranks
// of f, y and τ.
type gaussOp struct {
	PlainOp
	df, dy, dt int
}

var _ G.SDOp = gaussOp{}

func (op gaussOp) Arity() int { return 3 }
func (op gaussOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.df), FloatType(op.dy), FloatType(op.dt), FloatType(0))
}
func (op gaussOp) String() string { return "GaussianLogLik" }
func (op gaussOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.GaussianLogLik{%d,%d,%d}", op.df, op.dy, op.dt)
}
func (op gaussOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func gaussShapes(f, y, tau tensor.Shape) error {
	if f.TotalSize() != y.TotalSize() || tau.TotalSize() != 1 || (f.Dims() == 2 && f[1] != 1) || f.Dims() > 2 {
		return fmt.Errorf("ops: GaussianLogLik: shapes f %v, y %v, τ %v do not fit ([B] or [B, 1], [B], scalar)", f, y, tau)
	}
	return nil
}

func (op gaussOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("GaussianLogLik", in, 3)
	if err != nil {
		return nil, err
	}
	if err := gaussShapes(s[0], s[1], s[2]); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

// gaussInputs checks the shapes of f, y and τ and returns their elements.
func gaussInputs[T Float](in []G.Value) (f, y []T, tau float64, err error) {
	if err = gaussShapes(in[0].Shape(), in[1].Shape(), in[2].Shape()); err != nil {
		return
	}
	if f, err = floatsOf[T](in[0]); err != nil {
		return
	}
	if y, err = floatsOf[T](in[1]); err != nil {
		return
	}
	tau, err = Scalar(in[2])
	return
}

// sumSquares returns Σᵢ (yᵢ − fᵢ)², the differences in T and their squares
// summed in float64.
func sumSquares[T Float](f, y []T) float64 {
	var ss float64
	for i, fi := range f {
		d := float64(y[i] - fi)
		ss += d * d
	}
	return ss
}

func (op gaussOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("ops: GaussianLogLik takes 3 inputs, got %d", len(in))
	}
	if isFloat32(in) {
		return gaussDo[float32](in)
	}
	return gaussDo[float64](in)
}

func gaussDo[T Float](in []G.Value) (G.Value, error) {
	f, y, tau, err := gaussInputs[T](in)
	if err != nil {
		return nil, err
	}
	n := float64(len(f))
	return scalarValue[T](n*(0.5*math.Log(tau)-special.LogSqrt2Pi) - 0.5*tau*sumSquares(f, y)), nil
}

func (op gaussOp) DiffWRT(int) []bool { return []bool{true, false, true} }

func (op gaussOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: GaussianLogLik", len(inputs), 3); err != nil {
		return nil, err
	}
	return GradNodes("ops: GaussianLogLik", op.DiffWRT(3), func(i int) G.Op {
		return gaussGradOp{gaussOp: op, wrt: i}
	}, inputs[0], inputs[1], inputs[2], grad)
}

// gaussGradOp is the gradient of GaussianLogLik with respect to f (wrt 0)
// or τ (wrt 2), from f, y, τ and the incoming scalar gradient.
type gaussGradOp struct {
	gaussOp
	wrt int
}

func (op gaussGradOp) Arity() int { return 4 }
func (op gaussGradOp) Type() hm.Type {
	r := op.df
	if op.wrt == 2 {
		r = op.dt
	}
	return hm.NewFnType(FloatType(op.df), FloatType(op.dy), FloatType(op.dt), FloatType(0), FloatType(r))
}
func (op gaussGradOp) String() string { return fmt.Sprintf("GaussianLogLikGrad{%d}", op.wrt) }
func (op gaussGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.GaussianLogLikGrad{%d,%d,%d,%d}", op.df, op.dy, op.dt, op.wrt)
}
func (op gaussGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op gaussGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("GaussianLogLikGrad", in, 4)
	if err != nil {
		return nil, err
	}
	if err := gaussShapes(s[0], s[1], s[2]); err != nil {
		return nil, err
	}
	if op.wrt == 2 {
		return s[2].Clone(), nil
	}
	return s[0].Clone(), nil
}

func (op gaussGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("ops: GaussianLogLikGrad takes 4 inputs, got %d", len(in))
	}
	if isFloat32(in) {
		return gaussGradDo[float32](op, in)
	}
	return gaussGradDo[float64](op, in)
}

func gaussGradDo[T Float](op gaussGradOp, in []G.Value) (G.Value, error) {
	f, y, tau, err := gaussInputs[T](in)
	if err != nil {
		return nil, err
	}
	g, err := Scalar(in[3])
	if err != nil {
		return nil, fmt.Errorf("ops: GaussianLogLikGrad: %w", err)
	}
	if op.wrt == 2 {
		return shapedOf(in[2].Shape(), []T{T(g * (0.5*float64(len(f))/tau - 0.5*sumSquares(f, y)))}), nil
	}
	d := make([]T, len(f))
	gt, tt := T(g), T(tau)
	for i, fi := range f {
		d[i] = gt * tt * (y[i] - fi)
	}
	return shapedOf(in[0].Shape(), d), nil
}
