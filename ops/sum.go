package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ReduceSum returns the sum of x along axis, which is removed from the
// shape (a vector gives a scalar). Negative axes count from the end.
//
// It replaces gorgonia.Sum for one axis: in v0.9.18 summing a [1, K] matrix
// along axis 1 yields a scalar value for a node typed as a vector of length
// 1, and the next elementwise op fails at run time ("Expected left value to
// be Tensor"). Here the value always has the node's shape. The gradient
// repeats the incoming gradient along the axis; it is differentiable again.
// x may be float64 or float32 (a float32 sum is accumulated in float64
// and rounded once).
func ReduceSum(x *G.Node, axis int) (*G.Node, error) {
	if err := checkFloat("ReduceSum", x); err != nil {
		return nil, err
	}
	d := x.Shape().Dims()
	if d == 0 {
		return nil, fmt.Errorf("ops: ReduceSum: needs a tensor, got a scalar")
	}
	a := axis
	if a < 0 {
		a += d
	}
	if a < 0 || a >= d {
		return nil, fmt.Errorf("ops: ReduceSum: axis %d out of range for shape %v", axis, x.Shape())
	}
	n, err := G.ApplyOp(sumOp{alongOp{axis: a, dims: d, shape: x.Shape()}}, x)
	if err != nil {
		return nil, fmt.Errorf("ops: ReduceSum: %w", err)
	}
	return n, nil
}

// sumOp sums along an axis.
type sumOp struct{ alongOp }

var _ G.SDOp = sumOp{}

func (op sumOp) Arity() int     { return 1 }
func (op sumOp) Type() hm.Type  { return hm.NewFnType(typ(op.dims), typ(op.dims-1)) }
func (op sumOp) String() string { return fmt.Sprintf("ReduceSum{axis=%d}", op.axis) }
func (op sumOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.ReduceSum{%d,%v}", op.axis, op.shape)
}
func (op sumOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op sumOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := op.shapes(in, 1)
	if err != nil {
		return nil, fmt.Errorf("ReduceSum: %w", err)
	}
	return op.reduced(s[0]), nil
}

func (op sumOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("ReduceSum takes 1 input, got %d", len(in))
	}
	xs, f32, err := wideIn(in[0])
	if err != nil {
		return nil, fmt.Errorf("ReduceSum: %w", err)
	}
	outer, n, inner, err := op.split(len(xs))
	if err != nil {
		return nil, fmt.Errorf("ReduceSum: %w", err)
	}
	dst := make([]float64, outer*inner)
	for o := range outer {
		for k := range n {
			for i := range inner {
				dst[o*inner+i] += xs[(o*n+k)*inner+i]
			}
		}
	}
	return narrowed(op.reduced(op.shape), dst, f32), nil
}

func (op sumOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff repeats the gradient along the axis.
func (op sumOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("ReduceSum takes 1 input, got %d", len(inputs))
	}
	dx, err := G.ApplyOp(repeatOp{op.alongOp}, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: ReduceSum gradient: %w", err)
	}
	return G.Nodes{dx}, nil
}

// repeatOp repeats a reduced tensor along the axis to the full shape; it is
// the adjoint of sumOp.
type repeatOp struct{ alongOp }

var _ G.SDOp = repeatOp{}

func (op repeatOp) Arity() int     { return 1 }
func (op repeatOp) Type() hm.Type  { return hm.NewFnType(typ(op.dims-1), typ(op.dims)) }
func (op repeatOp) String() string { return fmt.Sprintf("RepeatAlong{axis=%d, %v}", op.axis, op.shape) }
func (op repeatOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.RepeatAlong{%d,%v}", op.axis, op.shape)
}
func (op repeatOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op repeatOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("RepeatAlong takes 1 input, got %d", len(in))
	}
	return op.shape.Clone(), nil
}

func (op repeatOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("RepeatAlong takes 1 input, got %d", len(in))
	}
	gs, f32, err := wideIn(in[0])
	if err != nil {
		return nil, fmt.Errorf("RepeatAlong: %w", err)
	}
	outer, n, inner, err := op.split(op.shape.TotalSize())
	if err != nil {
		return nil, fmt.Errorf("RepeatAlong: %w", err)
	}
	if len(gs) != outer*inner {
		return nil, fmt.Errorf("RepeatAlong: %d values for shape %v along axis %d", len(gs), op.shape, op.axis)
	}
	dst := make([]float64, op.shape.TotalSize())
	for o := range outer {
		for k := range n {
			copy(dst[(o*n+k)*inner:(o*n+k+1)*inner], gs[o*inner:(o+1)*inner])
		}
	}
	return narrowed(op.shape, dst, f32), nil
}

func (op repeatOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff sums the gradient along the axis.
func (op repeatOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dg, err := G.ApplyOp(sumOp{op.alongOp}, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: RepeatAlong gradient: %w", err)
	}
	return G.Nodes{dg}, nil
}
