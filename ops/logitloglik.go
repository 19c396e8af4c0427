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

// LogitLogLik returns the scalar node Σᵢ log p(yᵢ | logitsᵢ) as one fused
// operation. With logits of shape [B, K], K ≥ 2, the likelihood is
// categorical, p(y = k) = softmax(logits)ₖ, and y holds class indices
// 0…K−1; with [B, 1] it is Bernoulli, p(y = 1) = σ(logit), and y holds 0 or
// 1. Its gradient with respect to the logits is onehot(y) − softmax(logits)
// (y − σ(logit) for Bernoulli); y gets none. A label outside its range makes
// the graph run fail. Logits and labels are both float64 or both float32;
// on float32 each row's log-sum-exp and the total are computed in float64
// and the gradient rounded to float32.
func LogitLogLik(logits, y *G.Node) (*G.Node, error) {
	if err := checkFloat("LogitLogLik", logits, y); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(logitOp{}, logits, y)
	if err != nil {
		return nil, fmt.Errorf("ops: LogitLogLik: %w", err)
	}
	return n, nil
}

type logitOp struct{ PlainOp }

var _ G.SDOp = logitOp{}

func (op logitOp) Arity() int { return 2 }
func (op logitOp) Type() hm.Type {
	return hm.NewFnType(FloatType(2), FloatType(1), FloatType(0))
}
func (op logitOp) String() string        { return "LogitLogLik" }
func (op logitOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/ops.LogitLogLik") }
func (op logitOp) Hashcode() uint32      { return HashOf(op.WriteHash) }
func (op logitOp) DiffWRT(int) []bool    { return []bool{true, false} }
func (op logitOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("LogitLogLik", in, 2)
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
		return fmt.Errorf("ops: LogitLogLik: shapes logits %v, y %v do not fit ([B, K], [B])", l, y)
	}
	return nil
}

// logitTerms computes the log-likelihood and, when d is not nil, writes its
// gradient with respect to the logits into d.
func logitTerms[T Float](l, y []T, rows, k int, d []T) (float64, error) {
	var ll float64
	for r := 0; r < rows; r++ {
		lab := float64(y[r])
		row := l[r*k : (r+1)*k]
		if k == 1 {
			if lab != 0 && lab != 1 {
				return 0, fmt.Errorf("ops: LogitLogLik: label %v of row %d is not 0 or 1", lab, r)
			}
			f := float64(row[0])
			ll += lab*f - special.Softplus(f)
			if d != nil {
				d[r] = T(lab - special.Sigmoid(f))
			}
			continue
		}
		c := int(lab)
		if float64(c) != lab || c < 0 || c >= k {
			return 0, fmt.Errorf("ops: LogitLogLik: label %v of row %d is not a class in 0…%d", lab, r, k-1)
		}
		lse := logSumExpOf(row)
		ll += float64(row[c]) - lse
		if d != nil {
			for j, v := range row {
				d[r*k+j] = T(-math.Exp(float64(v) - lse))
			}
			d[r*k+c]++
		}
	}
	return ll, nil
}

// logSumExpOf is special.LogSumExp of a row of either float type, in
// float64.
func logSumExpOf[T Float](row []T) float64 {
	if r, ok := any(row).([]float64); ok {
		return special.LogSumExp(r)
	}
	m := math.Inf(-1)
	for _, v := range row {
		m = max(m, float64(v))
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func (op logitOp) Do(in ...G.Value) (G.Value, error) {
	if err := CheckArity("ops: LogitLogLik", len(in), 2); err != nil {
		return nil, err
	}
	if err := logitShapes(in[0].Shape(), in[1].Shape()); err != nil {
		return nil, err
	}
	if isFloat32(in) {
		return logitDo[float32](in)
	}
	return logitDo[float64](in)
}

func logitDo[T Float](in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: LogitLogLik", in, 2)
	if err != nil {
		return nil, err
	}
	ll, err := logitTerms(v[0], v[1], in[0].Shape()[0], in[0].Shape()[1], nil)
	if err != nil {
		return nil, err
	}
	return scalarValue[T](ll), nil
}

func (op logitOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("ops: LogitLogLik takes 2 inputs, got %d", len(inputs))
	}
	n, err := G.ApplyOp(logitGradOp{}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: LogitLogLik gradient: %w", err)
	}
	return G.Nodes{n, nil}, nil
}

// logitGradOp is the gradient of LogitLogLik with respect to the logits.
type logitGradOp struct{ PlainOp }

func (op logitGradOp) Arity() int { return 3 }
func (op logitGradOp) Type() hm.Type {
	return hm.NewFnType(FloatType(2), FloatType(1), FloatType(0), FloatType(2))
}
func (op logitGradOp) String() string        { return "LogitLogLikGrad" }
func (op logitGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/ops.LogitLogLikGrad") }
func (op logitGradOp) Hashcode() uint32      { return HashOf(op.WriteHash) }
func (op logitGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("LogitLogLikGrad", in, 3)
	if err != nil {
		return nil, err
	}
	if err := logitShapes(s[0], s[1]); err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op logitGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return logitGradDo[float32](in)
	}
	return logitGradDo[float64](in)
}

func logitGradDo[T Float](in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: LogitLogLikGrad", in, 3)
	if err != nil {
		return nil, err
	}
	if err := logitShapes(in[0].Shape(), in[1].Shape()); err != nil {
		return nil, err
	}
	if len(v[2]) != 1 {
		return nil, fmt.Errorf("ops: LogitLogLikGrad: the incoming gradient has %d values, want 1", len(v[2]))
	}
	l, y, g := v[0], v[1], v[2][0]
	out, d := bufGet[T](nil, false, in[0].Shape()...)
	if _, err := logitTerms(l, y, in[0].Shape()[0], in[0].Shape()[1], d); err != nil {
		return nil, err
	}
	for i := range d {
		d[i] *= g
	}
	return out, nil
}
