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

// StickBreaking maps each row x ∈ ℝ^{K−1} along the last axis of x to the
// open K-simplex by the stick-breaking construction of Stan and NumPyro:
//
//	x̃ₖ = xₖ − log(K−1−k),  zₖ = σ(x̃ₖ),  k = 0, …, K−2,
//	yₖ = zₖ ∏_{j<k} (1 − zⱼ),  y_{K−1} = ∏_{j<K−1} (1 − zⱼ).
//
// The offset makes x = 0 map to the uniform point (1/K, …, 1/K). A node of
// shape [..., K−1] becomes [..., K]; the last axis needs length ≥ 1. Its
// gradient is a hand-written vector-Jacobian product; that product is not
// differentiable again (a second Grad returns an error).
//
// x may be float64 or float32: a float32 x is widened, the transform, its
// log-determinant and their gradients computed in float64 and rounded
// once.
//
// References: Stan Reference Manual, "Unit simplex" transform; NumPyro
// StickBreakingTransform.
func StickBreaking(x *G.Node) (*G.Node, error) {
	if err := sbCheck("StickBreaking", x); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(sbOp{shape: x.Shape()}, x)
	if err != nil {
		return nil, fmt.Errorf("ops: StickBreaking: %w", err)
	}
	return n, nil
}

// StickBreakingLogDet returns log|det ∂y/∂x| of [StickBreaking] for each
// row, with y restricted to its first K−1 coordinates:
//
//	log|det J| = Σₖ [log σ(x̃ₖ) + (K−1−k) log σ(−x̃ₖ)].
//
// A node of shape [..., K−1] gives [...] (a scalar for a vector).
func StickBreakingLogDet(x *G.Node) (*G.Node, error) {
	if err := sbCheck("StickBreakingLogDet", x); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(sbLogDetOp{shape: x.Shape()}, x)
	if err != nil {
		return nil, fmt.Errorf("ops: StickBreakingLogDet: %w", err)
	}
	return n, nil
}

func sbCheck(name string, x *G.Node) error {
	if err := checkFloat(name, x); err != nil {
		return err
	}
	s := x.Shape()
	if s.Dims() == 0 || s[s.Dims()-1] < 1 {
		return fmt.Errorf("ops: %s: needs a last axis of length ≥ 1, got shape %v", name, s)
	}
	return nil
}

// sbRows splits a stick-breaking input value laid out as shape [..., K−1]
// (the node's shape, see alongOp) into rows.
//
// A float32 value is widened: the stick-breaking ops compute in float64
// and round their results (f32 reports it).
func sbRows(v G.Value, shape tensor.Shape) (xs []float64, rows, km1 int, f32 bool, err error) {
	if xs, f32, err = wideIn(v); err != nil {
		return nil, 0, 0, false, err
	}
	if len(xs) != shape.TotalSize() {
		return nil, 0, 0, false, fmt.Errorf("value has %d elements, node shape %v has %d", len(xs), shape, shape.TotalSize())
	}
	km1 = shape[shape.Dims()-1]
	return xs, len(xs) / km1, km1, f32, nil
}

// sbOut returns the shape [..., K] of the transform of shape [..., K−1].
func sbOut(shape tensor.Shape) tensor.Shape {
	out := shape.Clone()
	out[len(out)-1]++
	return out
}

// sbReduced returns shape without its last axis.
func sbReduced(shape tensor.Shape) tensor.Shape {
	return alongOp{axis: shape.Dims() - 1, dims: shape.Dims(), shape: shape}.reduced(shape)
}

// StickBreakingRow writes the transform of one row x (length K−1) into y
// (length K) on the host, as the StickBreaking op does: it multiplies out
// the remaining stick rather than exponentiating sums of logs (not 1 − Σ),
// which keeps relative accuracy for tiny components. y must have
// len(x) + 1 elements.
func StickBreakingRow(y, x []float64) {
	km1 := len(x)
	rem := 1.0
	for k, v := range x {
		t := v - math.Log(float64(km1-k))
		y[k] = special.Sigmoid(t) * rem
		rem *= special.Sigmoid(-t)
	}
	y[km1] = rem
}

// sbOp is the StickBreaking op: [..., K−1] → [..., K].
type sbOp struct {
	PlainOp
	shape tensor.Shape // of x, [..., K−1]
}

var _ G.SDOp = sbOp{}

func (op sbOp) Arity() int            { return 1 }
func (op sbOp) Type() hm.Type         { return hm.NewFnType(typ(op.shape.Dims()), typ(op.shape.Dims())) }
func (op sbOp) String() string        { return "StickBreaking" }
func (op sbOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.StickBreaking{%v}", op.shape) }
func (op sbOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op sbOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("StickBreaking takes 1 input, got %d", len(in))
	}
	if s, ok := in[0].(tensor.Shape); !ok || !s.Eq(op.shape) {
		return nil, fmt.Errorf("StickBreaking: input shape %v, op built for %v", in[0], op.shape)
	}
	return sbOut(op.shape), nil
}

func (op sbOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("StickBreaking takes 1 input, got %d", len(in))
	}
	xs, rows, km1, f32, err := sbRows(in[0], op.shape)
	if err != nil {
		return nil, fmt.Errorf("StickBreaking: %w", err)
	}
	ys := make([]float64, rows*(km1+1))
	for r := range rows {
		StickBreakingRow(ys[r*(km1+1):(r+1)*(km1+1)], xs[r*km1:(r+1)*km1])
	}
	return narrowed(sbOut(op.shape), ys, f32), nil
}

func (op sbOp) DiffWRT(int) []bool { return []bool{true} }

func (op sbOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("StickBreaking takes 1 input, got %d", len(inputs))
	}
	dx, err := G.ApplyOp(sbGradOp(op), inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: StickBreaking gradient: %w", err)
	}
	return G.Nodes{dx}, nil
}

// sbGradOp maps (x, g) to the vector-Jacobian product gᵀ∂y/∂x:
//
//	dxₖ = (1 − zₖ) yₖ gₖ − zₖ Σ_{m>k} gₘ yₘ.
type sbGradOp struct {
	PlainOp
	shape tensor.Shape // of x, [..., K−1]
}

var _ G.SDOp = sbGradOp{}

func (op sbGradOp) Arity() int { return 2 }
func (op sbGradOp) Type() hm.Type {
	d := op.shape.Dims()
	return hm.NewFnType(typ(d), typ(d), typ(d))
}
func (op sbGradOp) String() string        { return "StickBreakingVJP" }
func (op sbGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.StickBreakingVJP{%v}", op.shape) }
func (op sbGradOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op sbGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("StickBreakingVJP takes 2 inputs, got %d", len(in))
	}
	if s, ok := in[0].(tensor.Shape); !ok || !s.Eq(op.shape) {
		return nil, fmt.Errorf("StickBreakingVJP: input shape %v, op built for %v", in[0], op.shape)
	}
	return op.shape.Clone(), nil
}

func (op sbGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("StickBreakingVJP takes 2 inputs, got %d", len(in))
	}
	if err := sameDtype(in...); err != nil {
		return nil, fmt.Errorf("StickBreakingVJP: %w", err)
	}
	xs, rows, km1, f32, err := sbRows(in[0], op.shape)
	if err != nil {
		return nil, fmt.Errorf("StickBreakingVJP: %w", err)
	}
	gs, err := widened(in[1])
	if err != nil {
		return nil, fmt.Errorf("StickBreakingVJP: %w", err)
	}
	if len(gs) != rows*(km1+1) {
		return nil, fmt.Errorf("StickBreakingVJP: %d gradients for %d rows of %d", len(gs), rows, km1+1)
	}
	dx := make([]float64, rows*km1)
	y := make([]float64, km1+1)
	for r := range rows {
		x, g, d := xs[r*km1:(r+1)*km1], gs[r*(km1+1):(r+1)*(km1+1)], dx[r*km1:(r+1)*km1]
		StickBreakingRow(y, x)
		suffix := g[km1] * y[km1] // Σ_{m>k} gₘ yₘ
		for k := km1 - 1; k >= 0; k-- {
			t := x[k] - math.Log(float64(km1-k))
			d[k] = special.Sigmoid(-t)*y[k]*g[k] - special.Sigmoid(t)*suffix
			suffix += g[k] * y[k]
		}
	}
	return narrowed(op.shape, dx, f32), nil
}

func (op sbGradOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op sbGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("ops: the gradient of StickBreaking is not differentiable")
}

// sbLogDetOp is the StickBreakingLogDet op: [..., K−1] → [...].
type sbLogDetOp struct {
	PlainOp
	shape tensor.Shape // of x, [..., K−1]
}

var _ G.SDOp = sbLogDetOp{}

func (op sbLogDetOp) Arity() int { return 1 }
func (op sbLogDetOp) Type() hm.Type {
	return hm.NewFnType(typ(op.shape.Dims()), typ(op.shape.Dims()-1))
}
func (op sbLogDetOp) String() string { return "StickBreakingLogDet" }
func (op sbLogDetOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.StickBreakingLogDet{%v}", op.shape)
}
func (op sbLogDetOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op sbLogDetOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("StickBreakingLogDet takes 1 input, got %d", len(in))
	}
	if s, ok := in[0].(tensor.Shape); !ok || !s.Eq(op.shape) {
		return nil, fmt.Errorf("StickBreakingLogDet: input shape %v, op built for %v", in[0], op.shape)
	}
	return sbReduced(op.shape), nil
}

func (op sbLogDetOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("StickBreakingLogDet takes 1 input, got %d", len(in))
	}
	xs, rows, km1, f32, err := sbRows(in[0], op.shape)
	if err != nil {
		return nil, fmt.Errorf("StickBreakingLogDet: %w", err)
	}
	dst := make([]float64, rows)
	for r := range rows {
		var s float64
		for k, v := range xs[r*km1 : (r+1)*km1] {
			c := float64(km1 - k)
			t := v - math.Log(c)
			s += special.LogSigmoid(t) + c*special.LogSigmoid(-t)
		}
		dst[r] = s
	}
	return narrowed(sbReduced(op.shape), dst, f32), nil
}

func (op sbLogDetOp) DiffWRT(int) []bool { return []bool{true} }

func (op sbLogDetOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("StickBreakingLogDet takes 1 input, got %d", len(inputs))
	}
	dx, err := G.ApplyOp(sbLogDetGradOp(op), inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: StickBreakingLogDet gradient: %w", err)
	}
	return G.Nodes{dx}, nil
}

// sbLogDetGradOp maps (x, g) to gᵣ·(σ(−x̃ₖ) − (K−1−k) σ(x̃ₖ)) for row r.
type sbLogDetGradOp struct {
	PlainOp
	shape tensor.Shape // of x, [..., K−1]
}

var _ G.SDOp = sbLogDetGradOp{}

func (op sbLogDetGradOp) Arity() int { return 2 }
func (op sbLogDetGradOp) Type() hm.Type {
	d := op.shape.Dims()
	return hm.NewFnType(typ(d), typ(d-1), typ(d))
}
func (op sbLogDetGradOp) String() string { return "StickBreakingLogDetGrad" }
func (op sbLogDetGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.StickBreakingLogDetGrad{%v}", op.shape)
}
func (op sbLogDetGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op sbLogDetGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("StickBreakingLogDetGrad takes 2 inputs, got %d", len(in))
	}
	if s, ok := in[0].(tensor.Shape); !ok || !s.Eq(op.shape) {
		return nil, fmt.Errorf("StickBreakingLogDetGrad: input shape %v, op built for %v", in[0], op.shape)
	}
	return op.shape.Clone(), nil
}

func (op sbLogDetGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("StickBreakingLogDetGrad takes 2 inputs, got %d", len(in))
	}
	if err := sameDtype(in...); err != nil {
		return nil, fmt.Errorf("StickBreakingLogDetGrad: %w", err)
	}
	xs, rows, km1, f32, err := sbRows(in[0], op.shape)
	if err != nil {
		return nil, fmt.Errorf("StickBreakingLogDetGrad: %w", err)
	}
	gs, err := widened(in[1])
	if err != nil {
		return nil, fmt.Errorf("StickBreakingLogDetGrad: %w", err)
	}
	if len(gs) != rows {
		return nil, fmt.Errorf("StickBreakingLogDetGrad: %d gradients for %d rows", len(gs), rows)
	}
	dx := make([]float64, len(xs))
	for r := range rows {
		for k, v := range xs[r*km1 : (r+1)*km1] {
			c := float64(km1 - k)
			t := v - math.Log(c)
			dx[r*km1+k] = gs[r] * (special.Sigmoid(-t) - c*special.Sigmoid(t))
		}
	}
	return narrowed(op.shape, dx, f32), nil
}

func (op sbLogDetGradOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op sbLogDetGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("ops: the gradient of StickBreakingLogDet is not differentiable")
}
