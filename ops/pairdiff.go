package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PairDiff returns the vector d with d_g = s[a_g] − s[b_g], for a vector s
// of n elements and index pairs (a_g, b_g), the skill differences of a
// paired-comparison model (Bradley–Terry, Thurstone, TrueSkill), in one
// pass over the pairs. Its gradient is the adjoint scatter-add
// [PairScatter], whose own gradient is PairDiff again, so both are
// differentiable to any order. It costs O(len(a)) forward and backward and
// forms no pairs × n matrix; unlike gorgonia.ByIndices on a vector (v0.9.18),
// its gradient is right with repeated indices.
//
// a and b must have the same length and hold indices in [0, n); they are
// not copied and must not be modified afterwards. Two calls with the same
// slices build the same operation. s may be float64 or float32.
func PairDiff(s *G.Node, a, b []int) (*G.Node, error) {
	if err := checkFloat("PairDiff", s); err != nil {
		return nil, err
	}
	if s.Shape().Dims() != 1 {
		return nil, fmt.Errorf("ops: PairDiff: s has shape %v, want a vector", s.Shape())
	}
	p, err := newPairIndex(a, b, s.Shape()[0])
	if err != nil {
		return nil, fmt.Errorf("ops: PairDiff: %w", err)
	}
	n, err := G.ApplyOp(pairDiffOp{pairIndex: p}, s)
	if err != nil {
		return nil, fmt.Errorf("ops: PairDiff: %w", err)
	}
	return n, nil
}

// PairScatter returns the adjoint of PairDiff: the vector x of n elements
// with x = Σ_g v_g (e_{a_g} − e_{b_g}) for a vector v of len(a) elements.
// The conditions on a and b are PairDiff's.
func PairScatter(v *G.Node, a, b []int, n int) (*G.Node, error) {
	if err := checkFloat("PairScatter", v); err != nil {
		return nil, err
	}
	p, err := newPairIndex(a, b, n)
	if err != nil {
		return nil, fmt.Errorf("ops: PairScatter: %w", err)
	}
	x, err := G.ApplyOp(pairScatterOp{pairIndex: p}, v)
	if err != nil {
		return nil, fmt.Errorf("ops: PairScatter: %w", err)
	}
	return x, nil
}

// pairIndex is a list of index pairs (a_g, b_g) into a vector of n
// elements. Ops identify it by the addresses of a and b, which callers do
// not modify.
type pairIndex struct {
	a, b []int
	n    int
}

func newPairIndex(a, b []int, n int) (pairIndex, error) {
	if len(a) != len(b) {
		return pairIndex{}, fmt.Errorf("%d first and %d second indices", len(a), len(b))
	}
	for g := range a {
		if a[g] < 0 || a[g] >= n || b[g] < 0 || b[g] >= n {
			return pairIndex{}, fmt.Errorf("pair %d = (%d, %d) is outside [0, %d)", g, a[g], b[g], n)
		}
	}
	return pairIndex{a: a, b: b, n: n}, nil
}

func (p pairIndex) writeHash(h hash.Hash, name string) {
	fmt.Fprintf(h, "govi/ops.%s(%p,%p,%d,%d)", name, p.a, p.b, p.n, len(p.a))
}

// pairDiffOp maps s ∈ ℝⁿ to d ∈ ℝᴳ, d_g = s[a_g] − s[b_g].
type pairDiffOp struct {
	PlainOp
	pairIndex
}

// pairScatterOp is the adjoint of pairDiffOp: it maps v ∈ ℝᴳ to x ∈ ℝⁿ,
// x = Σ_g v_g (e_{a_g} − e_{b_g}).
type pairScatterOp struct {
	PlainOp
	pairIndex
}

var (
	_ G.SDOp = pairDiffOp{}
	_ G.SDOp = pairScatterOp{}
)

func (op pairDiffOp) Arity() int            { return 1 }
func (op pairDiffOp) Type() hm.Type         { return hm.NewFnType(FloatType(1), FloatType(1)) }
func (op pairDiffOp) String() string        { return fmt.Sprintf("PairDiff{%d→%d}", op.n, len(op.a)) }
func (op pairDiffOp) WriteHash(h hash.Hash) { op.writeHash(h, "PairDiff") }
func (op pairDiffOp) Hashcode() uint32      { return HashOf(op.WriteHash) }
func (op pairDiffOp) DiffWRT(int) []bool    { return []bool{true} }

func (op pairDiffOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if err := vectorInput("PairDiff", in, op.n); err != nil {
		return nil, err
	}
	return tensor.Shape{len(op.a)}, nil
}

func (op pairDiffOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return pairDiffDo[float32](op.pairIndex, in)
	}
	return pairDiffDo[float64](op.pairIndex, in)
}

func pairDiffDo[T Float](op pairIndex, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: PairDiff", in, 1)
	if err != nil {
		return nil, err
	}
	s := v[0]
	if len(s) != op.n {
		return nil, fmt.Errorf("ops: PairDiff: input has %d elements, want %d", len(s), op.n)
	}
	out, d := bufGet[T](nil, true, len(op.a))
	for g, a := range op.a {
		d[g] = s[a] - s[op.b[g]]
	}
	return out, nil
}

// SymDiff returns the scatter-add of the output gradient.
func (op pairDiffOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(pairScatterOp(op), grad)
	if err != nil {
		return nil, fmt.Errorf("ops: PairDiff gradient: %w", err)
	}
	return G.Nodes{dx}, nil
}

func (op pairScatterOp) Arity() int            { return 1 }
func (op pairScatterOp) Type() hm.Type         { return hm.NewFnType(FloatType(1), FloatType(1)) }
func (op pairScatterOp) String() string        { return fmt.Sprintf("PairScatter{%d→%d}", len(op.a), op.n) }
func (op pairScatterOp) WriteHash(h hash.Hash) { op.writeHash(h, "PairScatter") }
func (op pairScatterOp) Hashcode() uint32      { return HashOf(op.WriteHash) }
func (op pairScatterOp) DiffWRT(int) []bool    { return []bool{true} }

func (op pairScatterOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if err := vectorInput("PairScatter", in, len(op.a)); err != nil {
		return nil, err
	}
	return tensor.Shape{op.n}, nil
}

func (op pairScatterOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return pairScatterDo[float32](op.pairIndex, in)
	}
	return pairScatterDo[float64](op.pairIndex, in)
}

func pairScatterDo[T Float](op pairIndex, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: PairScatter", in, 1)
	if err != nil {
		return nil, err
	}
	g := v[0]
	if len(g) != len(op.a) {
		return nil, fmt.Errorf("ops: PairScatter: input has %d elements, want %d", len(g), len(op.a))
	}
	out, x := bufGet[T](nil, true, op.n)
	for k, a := range op.a {
		x[a] += g[k]
		x[op.b[k]] -= g[k]
	}
	return out, nil
}

// SymDiff returns the gather of the output gradient: the adjoint of a
// scatter-add is the gather.
func (op pairScatterOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dg, err := G.ApplyOp(pairDiffOp(op), grad)
	if err != nil {
		return nil, fmt.Errorf("ops: PairScatter gradient: %w", err)
	}
	return G.Nodes{dg}, nil
}

// vectorInput checks that an op's single input is a vector of n elements.
func vectorInput(name string, in []G.DimSizer, n int) error {
	s, err := InputShapes(name, in, 1)
	if err != nil {
		return err
	}
	if s[0].Dims() != 1 || s[0].TotalSize() != n {
		return fmt.Errorf("ops: %s: input has shape %v, want (%d)", name, s[0], n)
	}
	return nil
}
