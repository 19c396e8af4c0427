package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// InvSPD returns the inverse of a symmetric positive-definite [n, n] matrix,
// computed by Cholesky factorization (in float64 for a float32 matrix too,
// the result rounded to float32). Its gradient is −C⁻¹ Ḡ C⁻¹ for the
// incoming gradient Ḡ. A matrix that is not positive definite gives a
// matrix of NaN (so the svi package reports a non-finite loss) rather than a
// panic.
func InvSPD(c *G.Node) (*G.Node, error) {
	n, err := squareSize("InvSPD", c)
	if err != nil {
		return nil, err
	}
	out, err := G.ApplyOp(invSPDOp{spdBase{n: n}}, c)
	if err != nil {
		return nil, fmt.Errorf("ops: InvSPD: %w", err)
	}
	return out, nil
}

// LogDetSPD returns log det C of a symmetric positive-definite [n, n]
// matrix, by Cholesky factorization (in float64 for a float32 matrix too,
// the result rounded to float32). Its gradient is ḡ·C⁻¹. A matrix that is
// not positive definite gives NaN.
func LogDetSPD(c *G.Node) (*G.Node, error) {
	n, err := squareSize("LogDetSPD", c)
	if err != nil {
		return nil, err
	}
	out, err := G.ApplyOp(logDetSPDOp{spdBase{n: n}}, c)
	if err != nil {
		return nil, fmt.Errorf("ops: LogDetSPD: %w", err)
	}
	return out, nil
}

func squareSize(name string, c *G.Node) (int, error) {
	if err := checkFloat(name, c); err != nil {
		return 0, err
	}
	s := c.Shape()
	if s.Dims() != 2 || s[0] != s[1] {
		return 0, fmt.Errorf("ops: %s: needs a square matrix, got shape %v", name, s)
	}
	return s[0], nil
}

// cholesky factorizes the [n, n] value v, float64 or float32 (widened
// exactly), or reports false.
func cholesky(v G.Value, n int) (*mat.Cholesky, bool, error) {
	xs, err := widened(v)
	if err != nil {
		return nil, false, err
	}
	if len(xs) != n*n {
		return nil, false, fmt.Errorf("value has %d elements, want %d", len(xs), n*n)
	}
	sym := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			sym.SetSym(i, j, 0.5*(xs[i*n+j]+xs[j*n+i]))
		}
	}
	var ch mat.Cholesky
	ok := ch.Factorize(sym)
	return &ch, ok, nil
}

var nan = math.NaN()

// widened returns the elements of v, a float64 or float32 value, as
// float64s (aliasing a float64 v's storage).
func widened(v G.Value) ([]float64, error) {
	if v == nil || v.Dtype() != tensor.Float32 {
		return floats(v)
	}
	xs, err := floatsOf[float32](v)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out, nil
}

// spdOut returns a fresh value of shape s and of v's dtype, and a float64
// slice to write it through: its backing for float64, else a buffer that
// narrow then rounds into it.
func spdOut(v G.Value, s tensor.Shape) (G.Value, []float64) {
	f32 := v.Dtype() == tensor.Float32
	switch {
	case s.IsScalar() && f32:
		return G.NewF32(0), make([]float64, 1)
	case s.IsScalar():
		return G.NewF64(0), make([]float64, 1)
	case !f32:
		return newShaped(s)
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.Of(tensor.Float32)), make([]float64, s.TotalSize())
}

// valueAs returns v of shape s as a value of like's dtype: valueShaped for
// float64, v rounded to float32 otherwise.
func valueAs(like G.Value, s tensor.Shape, v []float64) G.Value {
	if like.Dtype() != tensor.Float32 {
		return valueShaped(s, v)
	}
	out, _ := spdOut(like, s)
	narrow(out, v)
	return out
}

// narrow stores src, written for a value made by spdOut, into it.
func narrow(out G.Value, src []float64) {
	switch o := out.(type) {
	case *G.F32:
		*o = G.F32(float32(src[0]))
	case *G.F64:
		*o = G.F64(src[0])
	case *tensor.Dense:
		if o.Dtype() == tensor.Float32 {
			for i, x := range src {
				o.Float32s()[i] = float32(x)
			}
		}
	}
}

type spdBase struct {
	PlainOp
	n int
}

func (op spdBase) DiffWRT(int) []bool { return []bool{true} }

func (op spdBase) check(in []G.DimSizer) error {
	if len(in) != 1 {
		return fmt.Errorf("want 1 input, got %d", len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 2 || s[0] != op.n || s[1] != op.n {
		return fmt.Errorf("op built for [%d, %d], applied to %v", op.n, op.n, in[0])
	}
	return nil
}

// invSPDOp computes C⁻¹.
type invSPDOp struct{ spdBase }

func (op invSPDOp) Arity() int { return 1 }
func (op invSPDOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 2, Of: a})
}
func (op invSPDOp) String() string        { return fmt.Sprintf("InvSPD{%d}", op.n) }
func (op invSPDOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.InvSPD{%d}", op.n) }
func (op invSPDOp) Hashcode() uint32      { return HashOf(op.WriteHash) }
func (op invSPDOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if err := op.check(in); err != nil {
		return nil, fmt.Errorf("InvSPD: %w", err)
	}
	return tensor.Shape{op.n, op.n}, nil
}

func (op invSPDOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("InvSPD takes 1 input, got %d", len(in))
	}
	ch, ok, err := cholesky(in[0], op.n)
	if err != nil {
		return nil, fmt.Errorf("InvSPD: %w", err)
	}
	out, dst := spdOut(in[0], tensor.Shape{op.n, op.n})
	var inv mat.SymDense
	if ok && ch.InverseTo(&inv) == nil {
		for i := 0; i < op.n; i++ {
			for j := 0; j < op.n; j++ {
				dst[i*op.n+j] = inv.At(i, j)
			}
		}
	} else {
		for i := range dst {
			dst[i] = nan
		}
	}
	narrow(out, dst)
	return out, nil
}

// SymDiff returns −C⁻¹ Ḡ C⁻¹, with C⁻¹ the op's output (symmetric).
func (op invSPDOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	a, err := G.Mul(output, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: InvSPD gradient: %w", err)
	}
	b, err := G.Mul(a, output)
	if err != nil {
		return nil, fmt.Errorf("ops: InvSPD gradient: %w", err)
	}
	d, err := G.Neg(b)
	if err != nil {
		return nil, fmt.Errorf("ops: InvSPD gradient: %w", err)
	}
	return G.Nodes{d}, nil
}

// logDetSPDOp computes log det C.
type logDetSPDOp struct{ spdBase }

func (op logDetSPDOp) Arity() int { return 1 }
func (op logDetSPDOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, a)
}
func (op logDetSPDOp) String() string        { return fmt.Sprintf("LogDetSPD{%d}", op.n) }
func (op logDetSPDOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.LogDetSPD{%d}", op.n) }
func (op logDetSPDOp) Hashcode() uint32      { return HashOf(op.WriteHash) }
func (op logDetSPDOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if err := op.check(in); err != nil {
		return nil, fmt.Errorf("LogDetSPD: %w", err)
	}
	return tensor.ScalarShape(), nil
}

func (op logDetSPDOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("LogDetSPD takes 1 input, got %d", len(in))
	}
	ch, ok, err := cholesky(in[0], op.n)
	if err != nil {
		return nil, fmt.Errorf("LogDetSPD: %w", err)
	}
	out, dst := spdOut(in[0], tensor.ScalarShape())
	dst[0] = nan
	if ok {
		dst[0] = ch.LogDet()
	}
	narrow(out, dst)
	return out, nil
}

// SymDiff returns ḡ·C⁻¹.
func (op logDetSPDOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	inv, err := InvSPD(inputs[0])
	if err != nil {
		return nil, fmt.Errorf("ops: LogDetSPD gradient: %w", err)
	}
	d, err := G.HadamardProd(inv, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: LogDetSPD gradient: %w", err)
	}
	return G.Nodes{d}, nil
}
