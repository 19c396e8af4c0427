package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
)

// GaussianExpectedLogLik returns the scalar node
//
//	Σᵢ E[log N(yᵢ; fᵢ, 1/τ)] = Σᵢ [½ E[log τ] − ½ log 2π − ½ E[τ]((yᵢ − E fᵢ)² + Var fᵢ)]
//
// as one fused operation: the expected Gaussian log-likelihood of targets
// y ([B]) under network outputs f whose means and variances are given
// ([2, B] or [2, B, 1], means then variances, as [MomentDense] returns
// them for one output unit) and a noise precision τ independent of f, of
// which logTau gives E[log τ] and tau E[τ] (scalars; for a fixed τ, log τ
// and τ). It is exact for any distribution of f with those moments: the
// log-density is quadratic in f. Its gradient with respect to the means is
// E[τ](yᵢ − E fᵢ), with respect to the variances −E[τ]/2, with respect to
// logTau B/2 and with respect to tau −½ Σᵢ ((yᵢ − E fᵢ)² + Var fᵢ); y gets
// none (it is data). The gradient ops are not differentiable again. The
// inputs are float64 or float32 (computed in float64, the results rounded).
func GaussianExpectedLogLik(f, y, logTau, tau *G.Node) (*G.Node, error) {
	if err := checkFloat("GaussianExpectedLogLik", f, y, logTau, tau); err != nil {
		return nil, err
	}
	op := gaussExpOp{df: f.Shape().Dims(), dy: y.Shape().Dims(), dl: logTau.Shape().Dims(), dt: tau.Shape().Dims()}
	n, err := G.ApplyOp(op, f, y, logTau, tau)
	if err != nil {
		return nil, fmt.Errorf("ops: GaussianExpectedLogLik: %w", err)
	}
	return n, nil
}

// gaussExpOp is the forward op of GaussianExpectedLogLik; df, dy, dl and
// dt are the ranks of its inputs.
type gaussExpOp struct {
	PlainOp
	df, dy, dl, dt int
}

var _ G.SDOp = gaussExpOp{}

func (op gaussExpOp) Arity() int { return 4 }
func (op gaussExpOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.df), FloatType(op.dy), FloatType(op.dl), FloatType(op.dt), FloatType(0))
}
func (op gaussExpOp) String() string { return "GaussianExpectedLogLik" }
func (op gaussExpOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.GaussianExpectedLogLik{%d,%d,%d,%d}", op.df, op.dy, op.dl, op.dt)
}
func (op gaussExpOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func gaussExpShapes(f, y, logTau, tau tensor.Shape) error {
	ok := f.Dims() >= 2 && f.Dims() <= 3 && f[0] == 2 && f.TotalSize() == 2*y.TotalSize() && (f.Dims() == 2 || f[2] == 1)
	if !ok || y.Dims() > 1 || logTau.TotalSize() != 1 || tau.TotalSize() != 1 {
		return fmt.Errorf("ops: GaussianExpectedLogLik: shapes f %v, y %v, E log τ %v, E τ %v do not fit ([2, B] or [2, B, 1], [B], scalar, scalar)", f, y, logTau, tau)
	}
	return nil
}

func (op gaussExpOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("GaussianExpectedLogLik", in, 4)
	if err != nil {
		return nil, err
	}
	if err := gaussExpShapes(s[0], s[1], s[2], s[3]); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

// gaussExpInputs checks the inputs' shapes and returns the means, the
// variances, the targets, E log τ and E τ.
func gaussExpInputs(in []G.Value) (mean, vr, y []float64, logTau, tau float64, err error) {
	if err = gaussExpShapes(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape()); err != nil {
		return
	}
	var f []float64
	if f, err = widened(in[0]); err != nil {
		return
	}
	if y, err = widened(in[1]); err != nil {
		return
	}
	if logTau, err = Scalar(in[2]); err != nil {
		return
	}
	tau, err = Scalar(in[3])
	return f[:len(y)], f[len(y):], y, logTau, tau, err
}

// expectedSquares returns Σᵢ ((yᵢ − mᵢ)² + vᵢ).
func expectedSquares(mean, vr, y []float64) float64 {
	var s float64
	for i, m := range mean {
		d := y[i] - m
		s += d*d + vr[i]
	}
	return s
}

func (op gaussExpOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("ops: GaussianExpectedLogLik takes 4 inputs, got %d", len(in))
	}
	mean, vr, y, logTau, tau, err := gaussExpInputs(in)
	if err != nil {
		return nil, err
	}
	n := float64(len(y))
	return valueAs(in[0], tensor.ScalarShape(), []float64{n*(0.5*logTau-special.LogSqrt2Pi) - 0.5*tau*expectedSquares(mean, vr, y)}), nil
}

func (op gaussExpOp) DiffWRT(int) []bool { return []bool{true, false, true, true} }

func (op gaussExpOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: GaussianExpectedLogLik", len(inputs), 4); err != nil {
		return nil, err
	}
	return GradNodes("ops: GaussianExpectedLogLik", op.DiffWRT(4), func(i int) G.Op {
		return gaussExpGradOp{gaussExpOp: op, wrt: i}
	}, inputs[0], inputs[1], inputs[2], inputs[3], grad)
}

// gaussExpGradOp is the gradient of GaussianExpectedLogLik with respect to
// f's moments (wrt 0), E log τ (wrt 2) or E τ (wrt 3), from the four
// inputs and the incoming scalar gradient.
type gaussExpGradOp struct {
	gaussExpOp
	wrt int
}

func (op gaussExpGradOp) Arity() int { return 5 }
func (op gaussExpGradOp) Type() hm.Type {
	r := []int{op.df, op.dy, op.dl, op.dt}[op.wrt]
	return hm.NewFnType(FloatType(op.df), FloatType(op.dy), FloatType(op.dl), FloatType(op.dt), FloatType(0), FloatType(r))
}
func (op gaussExpGradOp) String() string {
	return fmt.Sprintf("GaussianExpectedLogLikGrad{%d}", op.wrt)
}
func (op gaussExpGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.GaussianExpectedLogLikGrad{%d,%d,%d,%d,%d}", op.df, op.dy, op.dl, op.dt, op.wrt)
}
func (op gaussExpGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op gaussExpGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("GaussianExpectedLogLikGrad", in, 5)
	if err != nil {
		return nil, err
	}
	if err := gaussExpShapes(s[0], s[1], s[2], s[3]); err != nil {
		return nil, err
	}
	return s[op.wrt].Clone(), nil
}

func (op gaussExpGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 5 {
		return nil, fmt.Errorf("ops: GaussianExpectedLogLikGrad takes 5 inputs, got %d", len(in))
	}
	mean, vr, y, _, tau, err := gaussExpInputs(in)
	if err != nil {
		return nil, err
	}
	g, err := Scalar(in[4])
	if err != nil {
		return nil, fmt.Errorf("ops: GaussianExpectedLogLikGrad: %w", err)
	}
	switch op.wrt {
	case 2:
		return valueAs(in[0], in[2].Shape(), []float64{g * 0.5 * float64(len(y))}), nil
	case 3:
		return valueAs(in[0], in[3].Shape(), []float64{-g * 0.5 * expectedSquares(mean, vr, y)}), nil
	}
	d := make([]float64, 2*len(y))
	for i, m := range mean {
		d[i] = g * tau * (y[i] - m)
		d[len(y)+i] = -0.5 * g * tau
	}
	return valueAs(in[0], in[0].Shape(), d), nil
}
