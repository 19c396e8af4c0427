package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TileRows returns r copies of x stacked along its first axis: for x of
// shape [n, …] the result has shape [r·n, …] with rows k·n … k·n+n−1 a
// copy of x. Its gradient sums the r blocks of the incoming gradient
// ([SumTiles]), and SumTiles's gradient is TileRows again. Both take
// float64 or float32 (SumTiles adds in float64 and rounds once).
func TileRows(x *G.Node, r int) (*G.Node, error) {
	if err := checkFloat("TileRows", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() == 0 || r < 1 {
		return nil, fmt.Errorf("ops: TileRows: needs a tensor and r ≥ 1, got shape %v and r = %d", s, r)
	}
	return applyTile(tileOp{r: r, in: s.Clone()}, x, "TileRows")
}

// SumTiles sums the r blocks of rows of x, of shape [r·n, …], into one of
// shape [n, …]: the adjoint of [TileRows].
func SumTiles(x *G.Node, r int) (*G.Node, error) {
	if err := checkFloat("SumTiles", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() == 0 || r < 1 || s[0]%r != 0 {
		return nil, fmt.Errorf("ops: SumTiles: the first axis of shape %v is not a multiple of r = %d", s, r)
	}
	in := s.Clone()
	in[0] /= r
	return applyTile(tileOp{r: r, in: in, sum: true}, x, "SumTiles")
}

func applyTile(op tileOp, x *G.Node, name string) (*G.Node, error) {
	n, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("ops: %s: %w", name, err)
	}
	return n, nil
}

// tileOp tiles the [n, …] shape in r times along axis 0, or (sum) sums
// the r blocks of the tiled shape back into it.
type tileOp struct {
	PlainOp
	r   int
	in  tensor.Shape // the untiled shape
	sum bool
}

var _ G.SDOp = tileOp{}

func (op tileOp) tiled() tensor.Shape {
	s := op.in.Clone()
	s[0] *= op.r
	return s
}

func (op tileOp) Arity() int { return 1 }
func (op tileOp) Type() hm.Type {
	return hm.NewFnType(typ(op.in.Dims()), typ(op.in.Dims()))
}
func (op tileOp) String() string {
	if op.sum {
		return fmt.Sprintf("SumTiles{%d}", op.r)
	}
	return fmt.Sprintf("TileRows{%d}", op.r)
}
func (op tileOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.Tile{%d,%v,%v}", op.r, op.in, op.sum)
}
func (op tileOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op tileOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes(op.String(), in, 1)
	if err != nil {
		return nil, err
	}
	want, out := op.in, op.tiled()
	if op.sum {
		want, out = out, op.in
	}
	if !s[0].Eq(want) {
		return nil, fmt.Errorf("%s: input shape %v, want %v", op, s[0], want)
	}
	return out.Clone(), nil
}

func (op tileOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%s takes 1 input, got %d", op, len(in))
	}
	xs, f32, err := wideIn(in[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	m := op.in.TotalSize()
	if op.sum {
		dst := make([]float64, m)
		for k := range op.r {
			for i, v := range xs[k*m : (k+1)*m] {
				dst[i] += v
			}
		}
		return narrowed(op.in, dst, f32), nil
	}
	dst := make([]float64, m*op.r)
	for k := range op.r {
		copy(dst[k*m:(k+1)*m], xs)
	}
	return narrowed(op.tiled(), dst, f32), nil
}

func (op tileOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff applies the adjoint: SumTiles to a tiling's gradient, TileRows
// to a sum's.
func (op tileOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	adj := op
	adj.sum = !op.sum
	d, err := G.ApplyOp(adj, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: %s gradient: %w", op, err)
	}
	return G.Nodes{d}, nil
}
