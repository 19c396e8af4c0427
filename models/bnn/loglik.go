package bnn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// GaussianLogLik returns the scalar node
//
//	Σᵢ log N(yᵢ; fᵢ, 1/τ) = Σᵢ [½ log τ − ½ log 2π − ½ τ (yᵢ − fᵢ)²]
//
// as one fused operation, for a network output f ([B] or [B, 1]), targets y
// with as many elements, and a scalar precision τ > 0. Its gradient with
// respect to f is τ(y − f) and with respect to τ is Σᵢ [1/(2τ) − ½(yᵢ − fᵢ)²];
// y gets none (it is data).
func GaussianLogLik(f, y, tau *G.Node) (*G.Node, error) {
	if err := checkF64("GaussianLogLik", f, y, tau); err != nil {
		return nil, err
	}
	op := gaussOp{df: f.Shape().Dims(), dy: y.Shape().Dims(), dt: tau.Shape().Dims()}
	n, err := G.ApplyOp(op, f, y, tau)
	if err != nil {
		return nil, fmt.Errorf("bnn: GaussianLogLik: %w", err)
	}
	return n, nil
}

// gaussOp is the forward op of GaussianLogLik; df, dy and dt are the ranks
// of f, y and τ.
type gaussOp struct {
	ops.PlainOp
	df, dy, dt int
}

var _ G.SDOp = gaussOp{}

func (op gaussOp) Arity() int { return 3 }
func (op gaussOp) Type() hm.Type {
	return hm.NewFnType(ops.FloatType(op.df), ops.FloatType(op.dy), ops.FloatType(op.dt), ops.FloatType(0))
}
func (op gaussOp) String() string { return "GaussianLogLik" }
func (op gaussOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/bnn.GaussianLogLik{%d,%d,%d}", op.df, op.dy, op.dt)
}
func (op gaussOp) Hashcode() uint32 { return ops.HashOf(op.WriteHash) }

func gaussShapes(f, y, tau tensor.Shape) error {
	if f.TotalSize() != y.TotalSize() || tau.TotalSize() != 1 || (f.Dims() == 2 && f[1] != 1) || f.Dims() > 2 {
		return fmt.Errorf("bnn: GaussianLogLik: shapes f %v, y %v, τ %v do not fit ([B] or [B, 1], [B], scalar)", f, y, tau)
	}
	return nil
}

func (op gaussOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf("GaussianLogLik", in, 3)
	if err != nil {
		return nil, err
	}
	if err := gaussShapes(s[0], s[1], s[2]); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

func gaussInputs(in []G.Value) (f, y []float64, tau float64, err error) {
	if err = gaussShapes(in[0].Shape(), in[1].Shape(), in[2].Shape()); err != nil {
		return
	}
	if f, err = floatsOf(in[0]); err != nil {
		return
	}
	if y, err = floatsOf(in[1]); err != nil {
		return
	}
	tau, err = scalarOf(in[2])
	return
}

func (op gaussOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("bnn: GaussianLogLik takes 3 inputs, got %d", len(in))
	}
	f, y, tau, err := gaussInputs(in)
	if err != nil {
		return nil, err
	}
	var ss float64
	for i, fi := range f {
		d := y[i] - fi
		ss += d * d
	}
	n := float64(len(f))
	return G.NewF64(n*(0.5*math.Log(tau)-special.LogSqrt2Pi) - 0.5*tau*ss), nil
}

func (op gaussOp) DiffWRT(int) []bool { return []bool{true, false, true} }

func (op gaussOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("bnn: GaussianLogLik takes 3 inputs, got %d", len(inputs))
	}
	out := make(G.Nodes, 3)
	for _, i := range []int{0, 2} {
		n, err := G.ApplyOp(gaussGradOp{gaussOp: op, wrt: i}, inputs[0], inputs[1], inputs[2], grad)
		if err != nil {
			return nil, fmt.Errorf("bnn: GaussianLogLik gradient: %w", err)
		}
		out[i] = n
	}
	return out, nil
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
	return hm.NewFnType(ops.FloatType(op.df), ops.FloatType(op.dy), ops.FloatType(op.dt), ops.FloatType(0), ops.FloatType(r))
}
func (op gaussGradOp) String() string { return fmt.Sprintf("GaussianLogLikGrad{%d}", op.wrt) }
func (op gaussGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/bnn.GaussianLogLikGrad{%d,%d,%d,%d}", op.df, op.dy, op.dt, op.wrt)
}
func (op gaussGradOp) Hashcode() uint32 { return ops.HashOf(op.WriteHash) }

func (op gaussGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf("GaussianLogLikGrad", in, 4)
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
		return nil, fmt.Errorf("bnn: GaussianLogLikGrad takes 4 inputs, got %d", len(in))
	}
	f, y, tau, err := gaussInputs(in)
	if err != nil {
		return nil, err
	}
	g, err := scalarOf(in[3])
	if err != nil {
		return nil, fmt.Errorf("bnn: GaussianLogLikGrad: %w", err)
	}
	if op.wrt == 2 {
		var ss float64
		for i, fi := range f {
			d := y[i] - fi
			ss += d * d
		}
		return valueShaped(in[2].Shape(), []float64{g * (0.5*float64(len(f))/tau - 0.5*ss)}), nil
	}
	d := make([]float64, len(f))
	for i, fi := range f {
		d[i] = g * tau * (y[i] - fi)
	}
	return valueShaped(in[0].Shape(), d), nil
}

// valueShaped returns v as a value of shape s: a *G.F64 for a scalar shape.
func valueShaped(s tensor.Shape, v []float64) G.Value {
	if s.IsScalar() {
		return G.NewF64(v[0])
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(v))
}

// LogitLogLik returns the scalar node Σᵢ log p(yᵢ | logitsᵢ) as one fused
// operation. With logits of shape [B, K], K ≥ 2, the likelihood is
// categorical, p(y = k) = softmax(logits)ₖ, and y holds class indices
// 0…K−1; with [B, 1] it is Bernoulli, p(y = 1) = σ(logit), and y holds 0 or
// 1. Its gradient with respect to the logits is onehot(y) − softmax(logits)
// (y − σ(logit) for Bernoulli); y gets none. A label outside its range makes
// the graph run fail.
func LogitLogLik(logits, y *G.Node) (*G.Node, error) {
	if err := checkF64("LogitLogLik", logits, y); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(logitOp{}, logits, y)
	if err != nil {
		return nil, fmt.Errorf("bnn: LogitLogLik: %w", err)
	}
	return n, nil
}

type logitOp struct{ ops.PlainOp }

var _ G.SDOp = logitOp{}

func (op logitOp) Arity() int { return 2 }
func (op logitOp) Type() hm.Type {
	return hm.NewFnType(ops.FloatType(2), ops.FloatType(1), ops.FloatType(0))
}
func (op logitOp) String() string        { return "LogitLogLik" }
func (op logitOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/bnn.LogitLogLik") }
func (op logitOp) Hashcode() uint32      { return ops.HashOf(op.WriteHash) }
func (op logitOp) DiffWRT(int) []bool    { return []bool{true, false} }
func (op logitOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf("LogitLogLik", in, 2)
	if err != nil {
		return nil, err
	}
	if err := logitShapes(s[0], s[1]); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

func logitShapes(l, y tensor.Shape) error {
	if l.Dims() != 2 || y.Dims() != 1 || l[0] != y[0] {
		return fmt.Errorf("bnn: LogitLogLik: shapes logits %v, y %v do not fit ([B, K], [B])", l, y)
	}
	return nil
}

// logitTerms computes the log-likelihood and, when d is not nil, writes its
// gradient with respect to the logits into d.
func logitTerms(l, y []float64, rows, k int, d []float64) (float64, error) {
	var ll float64
	for r := 0; r < rows; r++ {
		lab := y[r]
		row := l[r*k : (r+1)*k]
		if k == 1 {
			if lab != 0 && lab != 1 {
				return 0, fmt.Errorf("bnn: LogitLogLik: label %v of row %d is not 0 or 1", lab, r)
			}
			f := row[0]
			ll += lab*f - special.Softplus(f)
			if d != nil {
				d[r] = lab - special.Sigmoid(f)
			}
			continue
		}
		c := int(lab)
		if float64(c) != lab || c < 0 || c >= k {
			return 0, fmt.Errorf("bnn: LogitLogLik: label %v of row %d is not a class in 0…%d", lab, r, k-1)
		}
		lse := special.LogSumExp(row)
		ll += row[c] - lse
		if d != nil {
			for j, v := range row {
				d[r*k+j] = -math.Exp(v - lse)
			}
			d[r*k+c]++
		}
	}
	return ll, nil
}

func (op logitOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("bnn: LogitLogLik takes 2 inputs, got %d", len(in))
	}
	if err := logitShapes(in[0].Shape(), in[1].Shape()); err != nil {
		return nil, err
	}
	l, err := floatsOf(in[0])
	if err != nil {
		return nil, fmt.Errorf("bnn: LogitLogLik: %w", err)
	}
	y, err := floatsOf(in[1])
	if err != nil {
		return nil, fmt.Errorf("bnn: LogitLogLik: %w", err)
	}
	ll, err := logitTerms(l, y, in[0].Shape()[0], in[0].Shape()[1], nil)
	if err != nil {
		return nil, err
	}
	return G.NewF64(ll), nil
}

func (op logitOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("bnn: LogitLogLik takes 2 inputs, got %d", len(inputs))
	}
	n, err := G.ApplyOp(logitGradOp{}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("bnn: LogitLogLik gradient: %w", err)
	}
	return G.Nodes{n, nil}, nil
}

// logitGradOp is the gradient of LogitLogLik with respect to the logits.
type logitGradOp struct{ ops.PlainOp }

func (op logitGradOp) Arity() int { return 3 }
func (op logitGradOp) Type() hm.Type {
	return hm.NewFnType(ops.FloatType(2), ops.FloatType(1), ops.FloatType(0), ops.FloatType(2))
}
func (op logitGradOp) String() string        { return "LogitLogLikGrad" }
func (op logitGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/bnn.LogitLogLikGrad") }
func (op logitGradOp) Hashcode() uint32      { return ops.HashOf(op.WriteHash) }
func (op logitGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf("LogitLogLikGrad", in, 3)
	if err != nil {
		return nil, err
	}
	if err := logitShapes(s[0], s[1]); err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op logitGradOp) Do(in ...G.Value) (G.Value, error) {
	v, err := valuesOf("LogitLogLikGrad", in, 3)
	if err != nil {
		return nil, err
	}
	if err := logitShapes(in[0].Shape(), in[1].Shape()); err != nil {
		return nil, err
	}
	if len(v[2]) != 1 {
		return nil, fmt.Errorf("bnn: LogitLogLikGrad: the incoming gradient has %d values, want 1", len(v[2]))
	}
	l, y, g := v[0], v[1], v[2][0]
	out, d := newDense(in[0].Shape()...)
	if _, err := logitTerms(l, y, in[0].Shape()[0], in[0].Shape()[1], d); err != nil {
		return nil, err
	}
	for i := range d {
		d[i] *= g
	}
	return out, nil
}
