package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// LogSumExp returns log Σₖ exp(xₖ) along axis, computed as
// m + log Σₖ exp(xₖ − m) with m the maximum along the axis, so it neither
// overflows nor underflows. The axis is removed from the result: a vector
// gives a scalar, an [m, n] matrix gives an [n] vector along axis 0 and an
// [m] vector along axis 1. Negative axes count from the end. A slice that is
// all −Inf gives −Inf; one holding +Inf gives +Inf.
//
// The gradient is softmax(x) along the axis times the incoming gradient. It
// replaces gorgonia.LogSumExp, whose v0.9.18 value is wrong.
//
// x may be float64 or float32: a float32 x is widened, the max, the sum
// of exponentials and the log are computed in float64 and the result
// rounded once (so are the softmax and the scaling of its gradient);
// DoDiff, for the LispMachine, is float64-only.
func LogSumExp(x *G.Node, axis int) (*G.Node, error) {
	if err := checkFloat("LogSumExp", x); err != nil {
		return nil, err
	}
	d := x.Shape().Dims()
	if d == 0 {
		return nil, fmt.Errorf("ops: LogSumExp: needs a tensor, got a scalar")
	}
	a := axis
	if a < 0 {
		a += d
	}
	if a < 0 || a >= d {
		return nil, fmt.Errorf("ops: LogSumExp: axis %d out of range for shape %v", axis, x.Shape())
	}
	n, err := G.ApplyOp(lseOp{alongOp{axis: a, dims: d, shape: x.Shape()}}, x)
	if err != nil {
		return nil, fmt.Errorf("ops: LogSumExp: %w", err)
	}
	return n, nil
}

// LogMeanExp returns log((1/n) Σₖ exp(xₖ)) = LogSumExp(x, axis) − log n along
// axis, with n the length of that axis; see [LogSumExp] for shapes. It is the
// log of the average of importance weights held in log space.
func LogMeanExp(x *G.Node, axis int) (*G.Node, error) {
	lse, err := LogSumExp(x, axis)
	if err != nil {
		return nil, fmt.Errorf("ops: LogMeanExp: %w", err)
	}
	a := axis
	if a < 0 {
		a += x.Shape().Dims()
	}
	n := x.Shape()[a]
	out, err := G.Sub(lse, graph.Scalar(x.Graph(), math.Log(float64(n))))
	if err != nil {
		return nil, fmt.Errorf("ops: LogMeanExp: %w", err)
	}
	return out, nil
}

// alongOp holds what the ops along one axis share. shape is the full
// (unreduced) shape of the node the op was built for: values are laid out
// by it rather than by their own shape, because gorgonia v0.9.18 sometimes
// hands over a value whose shape differs from its node's (a [1, K] node
// holding a (K) vector or a scalar) with the same elements.
type alongOp struct {
	PlainOp
	axis, dims int
	shape      tensor.Shape
}

// typ returns the type of a rank-d float tensor (a scalar for d = 0).
func typ(d int) hm.Type {
	a := hm.TypeVariable('a')
	if d == 0 {
		return a
	}
	return G.TensorType{Dims: d, Of: a}
}

// reduced returns s without the axis (a scalar shape if nothing is left).
func (op alongOp) reduced(s tensor.Shape) tensor.Shape {
	out := make(tensor.Shape, 0, len(s))
	out = append(out, s[:op.axis]...)
	out = append(out, s[op.axis+1:]...)
	if len(out) == 0 {
		return tensor.ScalarShape()
	}
	return out
}

// split returns the sizes of the axes of op.shape before, at and after
// op.axis, after checking that a value of size elements fits it; element
// (o, k, i) lives at (o·n + k)·inner + i and reduces to o·inner + i.
func (op alongOp) split(size int) (outer, n, inner int, err error) {
	if size != op.shape.TotalSize() {
		return 0, 0, 0, fmt.Errorf("value has %d elements, node shape %v has %d", size, op.shape, op.shape.TotalSize())
	}
	outer, inner = 1, 1
	for _, v := range op.shape[:op.axis] {
		outer *= v
	}
	for _, v := range op.shape[op.axis+1:] {
		inner *= v
	}
	return outer, op.shape[op.axis], inner, nil
}

func (op alongOp) shapes(in []G.DimSizer, arity int) ([]tensor.Shape, error) {
	if len(in) != arity {
		return nil, fmt.Errorf("want %d inputs, got %d", arity, len(in))
	}
	out := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("input %d shape is a %T", i, d)
		}
		out[i] = s
	}
	if !out[0].Eq(op.shape) || op.axis >= op.dims {
		return nil, fmt.Errorf("op built for shape %v along axis %d applied to shape %v", op.shape, op.axis, out[0])
	}
	return out, nil
}

// lseOp computes log-sum-exp along an axis.
type lseOp struct{ alongOp }

var (
	_ G.SDOp = lseOp{}
	_ G.ADOp = lseOp{}
)

func (op lseOp) Arity() int     { return 1 }
func (op lseOp) Type() hm.Type  { return hm.NewFnType(typ(op.dims), typ(op.dims-1)) }
func (op lseOp) String() string { return fmt.Sprintf("LogSumExp{axis=%d}", op.axis) }
func (op lseOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.LogSumExp{%d,%v}", op.axis, op.shape)
}
func (op lseOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op lseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := op.shapes(in, 1)
	if err != nil {
		return nil, fmt.Errorf("LogSumExp: %w", err)
	}
	return op.reduced(s[0]), nil
}

func (op lseOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("LogSumExp takes 1 input, got %d", len(in))
	}
	xs, f32, err := wideIn(in[0])
	if err != nil {
		return nil, fmt.Errorf("LogSumExp: %w", err)
	}
	outer, n, inner, err := op.split(len(xs))
	if err != nil {
		return nil, fmt.Errorf("LogSumExp: %w", err)
	}
	dst := make([]float64, outer*inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			dst[o*inner+i] = lseStrided(xs[o*n*inner+i:], n, inner)
		}
	}
	return narrowed(op.reduced(op.shape), dst, f32), nil
}

// lseStrided returns log Σₖ exp(xs[k·stride]) over k < n, max-shifted: the
// max itself when it is ±Inf or NaN.
func lseStrided(xs []float64, n, stride int) float64 {
	m := math.Inf(-1)
	for k := 0; k < n; k++ {
		if v := xs[k*stride]; v > m || math.IsNaN(v) {
			m = v
			if math.IsNaN(v) {
				break
			}
		}
	}
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	var s float64
	for k := 0; k < n; k++ {
		s += math.Exp(xs[k*stride] - m)
	}
	return m + math.Log(s)
}

func (op lseOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns scaleAlong(softmax(x), grad) = softmax(x)⊙grad.
func (op lseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("LogSumExp takes 1 input, got %d", len(inputs))
	}
	w, err := G.ApplyOp(softmaxOp(op.alongOp), inputs[0])
	if err != nil {
		return nil, fmt.Errorf("ops: LogSumExp gradient: %w", err)
	}
	dx, err := G.ApplyOp(scaleAlongOp(op.alongOp), w, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: LogSumExp gradient: %w", err)
	}
	return G.Nodes{dx}, nil
}

// DoDiff adds softmax(x)⊙grad into x.Grad in place (LispMachine).
func (op lseOp) DoDiff(_ G.ExecutionContext, inputs G.Nodes, output *G.Node) error {
	if len(inputs) != 1 {
		return fmt.Errorf("LogSumExp takes 1 input, got %d", len(inputs))
	}
	og, err := output.Grad()
	if err != nil {
		return fmt.Errorf("ops: LogSumExp.DoDiff: %w", err)
	}
	w, err := softmaxOp(op.alongOp).Do(inputs[0].Value())
	if err != nil {
		return fmt.Errorf("ops: LogSumExp.DoDiff: %w", err)
	}
	d, err := scaleAlongOp(op.alongOp).Do(w, og)
	if err != nil {
		return fmt.Errorf("ops: LogSumExp.DoDiff: %w", err)
	}
	ds, err := floats(d)
	if err != nil {
		return fmt.Errorf("ops: LogSumExp.DoDiff: %w", err)
	}
	xg, err := inputs[0].Grad()
	if err != nil {
		return fmt.Errorf("ops: LogSumExp.DoDiff: %w", err)
	}
	if err := addInto(xg, ds); err != nil {
		return fmt.Errorf("ops: LogSumExp.DoDiff: %w", err)
	}
	return nil
}

// softmaxOp maps x to softmax(x) = exp(x − LogSumExp(x)) along the axis,
// with its own max shift. Entries equal to −Inf get weight 0, and so does
// every entry of an all −Inf slice.
//
// It recomputes the log-sum-exp rather than taking the LogSumExp node as an
// input: gorgonia's Backpropagate stops at nodes that already carry a
// derivative from an earlier Grad call, so a gradient graph that read the
// forward output would lose that path when differentiated again.
type softmaxOp alongOp

var _ G.SDOp = softmaxOp{}

func (op softmaxOp) Arity() int     { return 1 }
func (op softmaxOp) Type() hm.Type  { return hm.NewFnType(typ(op.dims), typ(op.dims)) }
func (op softmaxOp) String() string { return fmt.Sprintf("Softmax{axis=%d}", op.axis) }
func (op softmaxOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.Softmax{%d,%d}", op.axis, op.dims)
}
func (op softmaxOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op softmaxOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := alongOp(op).shapes(in, 1)
	if err != nil {
		return nil, fmt.Errorf("Softmax: %w", err)
	}
	return s[0].Clone(), nil
}

func (op softmaxOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("Softmax takes 1 input, got %d", len(in))
	}
	xs, f32, err := wideIn(in[0])
	if err != nil {
		return nil, fmt.Errorf("Softmax: %w", err)
	}
	outer, n, inner, err := alongOp(op).split(len(xs))
	if err != nil {
		return nil, fmt.Errorf("Softmax: %w", err)
	}
	dst := make([]float64, len(xs))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			m := lseStrided(xs[base:], n, inner)
			for k := 0; k < n; k++ {
				if x := xs[base+k*inner]; !math.IsInf(x, -1) {
					dst[base+k*inner] = math.Exp(x - m)
				}
			}
		}
	}
	return narrowed(op.shape, dst, f32), nil
}

func (op softmaxOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff: ∂/∂x = p⊙u − p⊙Σ_axis(p⊙u), for p the output and u the
// incoming gradient.
func (op softmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	pu, err := G.HadamardProd(grad, output)
	if err != nil {
		return nil, fmt.Errorf("ops: Softmax gradient: %w", err)
	}
	s, err := G.Sum(pu, op.axis)
	if err != nil {
		return nil, fmt.Errorf("ops: Softmax gradient: %w", err)
	}
	ps, err := G.ApplyOp(scaleAlongOp(op), output, s)
	if err != nil {
		return nil, fmt.Errorf("ops: Softmax gradient: %w", err)
	}
	dx, err := G.Sub(pu, ps)
	if err != nil {
		return nil, fmt.Errorf("ops: Softmax gradient: %w", err)
	}
	return G.Nodes{dx}, nil
}

// scaleAlongOp maps (w, g) to w⊙g with g broadcast along the axis.
type scaleAlongOp alongOp

var _ G.SDOp = scaleAlongOp{}

func (op scaleAlongOp) Arity() int { return 2 }
func (op scaleAlongOp) Type() hm.Type {
	return hm.NewFnType(typ(op.dims), typ(op.dims-1), typ(op.dims))
}
func (op scaleAlongOp) String() string { return fmt.Sprintf("ScaleAlong{axis=%d}", op.axis) }
func (op scaleAlongOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.ScaleAlong{%d,%v}", op.axis, op.shape)
}
func (op scaleAlongOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op scaleAlongOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := alongOp(op).shapes(in, 2)
	if err != nil {
		return nil, fmt.Errorf("ScaleAlong: %w", err)
	}
	return s[0].Clone(), nil
}

func (op scaleAlongOp) Do(in ...G.Value) (G.Value, error) {
	return broadcastAlong(alongOp(op), "ScaleAlong", in, func(w, g float64) float64 { return w * g })
}

func (op scaleAlongOp) DiffWRT(int) []bool { return []bool{true, true} }

// SymDiff: ∂/∂w = scaleAlong(u, g), ∂/∂g = Σ_axis u⊙w.
func (op scaleAlongOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("ScaleAlong takes 2 inputs, got %d", len(inputs))
	}
	dw, err := G.ApplyOp(op, grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("ops: ScaleAlong gradient: %w", err)
	}
	uw, err := G.HadamardProd(grad, inputs[0])
	if err != nil {
		return nil, fmt.Errorf("ops: ScaleAlong gradient: %w", err)
	}
	dg, err := G.Sum(uw, op.axis)
	if err != nil {
		return nil, fmt.Errorf("ops: ScaleAlong gradient: %w", err)
	}
	return G.Nodes{dw, dg}, nil
}

// broadcastAlong returns f(a, b) for a of the full shape and b of the
// reduced shape, broadcast along the axis.
func broadcastAlong(op alongOp, name string, in []G.Value, f func(a, b float64) float64) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%s takes 2 inputs, got %d", name, len(in))
	}
	if err := sameDtype(in...); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	as, f32, err := wideIn(in[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	bs, _, err := wideIn(in[1])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	outer, n, inner, err := op.split(len(as))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(bs) != outer*inner {
		return nil, fmt.Errorf("%s: %d reduced values for shape %v along axis %d", name, len(bs), op.shape, op.axis)
	}
	dst := make([]float64, len(as))
	for o := 0; o < outer; o++ {
		for k := 0; k < n; k++ {
			for i := 0; i < inner; i++ {
				j := (o*n+k)*inner + i
				dst[j] = f(as[j], bs[o*inner+i])
			}
		}
	}
	return narrowed(op.shape, dst, f32), nil
}
