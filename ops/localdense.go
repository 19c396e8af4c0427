package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LocalDense returns the node act(z) of a fully connected layer whose
// weights and biases are independent Gaussians, W ~ N(wLoc, wVar) and
// b ~ N(bLoc, bVar) elementwise, with the pre-activations drawn from their
// exact distribution given the input (the local reparameterization trick of
// Kingma, Salimans & Welling 2015):
//
//	z = x·wLoc + bLoc + √(x²·wVar + bVar) ⊙ ε,   ε ~ N(0, 1), [B, out]
//
// x is [B, in], wLoc and wVar are [in, out], bLoc and bVar are [out] and
// eps is [B, out]. Each row then sees its own weight draw, which removes the
// covariance between rows' gradients that one shared draw per minibatch
// causes. The gradient is fused as well: one operation forms
// g_μ = g ⊙ a′ and g_v = g_μ ⊙ ε / (2√v), and one BLAS call per input
// turns them into
//
//	∂/∂wLoc = xᵀg_μ,  ∂/∂wVar = (x²)ᵀg_v,  ∂/∂bLoc = Σ_rows g_μ,  ∂/∂bVar = Σ_rows g_v,
//	∂/∂x = g_μ wLocᵀ + 2x ⊙ (g_v wVarᵀ).
//
// eps is noise and gets no gradient. The inputs are float64 or float32
// (one generic kernel; the float32 products run MatMul32).
func LocalDense(x, wLoc, wVar, bLoc, bVar, eps *G.Node, act Activation) (*G.Node, error) {
	if err := checkFloat("LocalDense", x, wLoc, wVar, bLoc, bVar, eps); err != nil {
		return nil, err
	}
	if !act.Valid() {
		return nil, fmt.Errorf("ops: LocalDense: unknown activation %v", act)
	}
	op := localDenseOp{act: act, diffX: x.Op() != nil, buf: new(OutBuf), x2: new(OutBuf), sd: new(OutBuf)}
	n, err := G.ApplyOp(op, x, wLoc, wVar, bLoc, bVar, eps)
	if err != nil {
		return nil, fmt.Errorf("ops: LocalDense %v·%v+%v: %w", x.Shape(), wLoc.Shape(), bLoc.Shape(), err)
	}
	return n, nil
}

func localShapes(x, wLoc, wVar, bLoc, bVar, eps tensor.Shape) error {
	if x.Dims() != 2 || wLoc.Dims() != 2 || bLoc.Dims() != 1 || x[1] != wLoc[0] || wLoc[1] != bLoc[0] {
		return fmt.Errorf("ops: LocalDense: shapes x %v, w %v, b %v do not fit ([B, in], [in, out], [out])", x, wLoc, bLoc)
	}
	if !wVar.Eq(wLoc) || !bVar.Eq(bLoc) || !eps.Eq(tensor.Shape{x[0], wLoc[1]}) {
		return fmt.Errorf("ops: LocalDense: variances %v, %v and noise %v do not fit means %v, %v and %d rows", wVar, bVar, eps, wLoc, bLoc, x[0])
	}
	return nil
}

// localDenseOp is the forward op of LocalDense.
type localDenseOp struct {
	PlainOp
	act    Activation
	diffX  bool
	buf    *OutBuf
	x2, sd *OutBuf // scratch: x² and the pre-activations' sd
}

var _ G.SDOp = localDenseOp{}

func (op localDenseOp) Arity() int { return 6 }
func (op localDenseOp) Type() hm.Type {
	return hm.NewFnType(FloatType(2), FloatType(2), FloatType(2), FloatType(1), FloatType(1), FloatType(2), FloatType(2))
}
func (op localDenseOp) String() string { return fmt.Sprintf("LocalDense{%v}", op.act) }
func (op localDenseOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.LocalDense{%v,%v}", op.act, op.diffX)
}
func (op localDenseOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op localDenseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("LocalDense", in, 6)
	if err != nil {
		return nil, err
	}
	if err := localShapes(s[0], s[1], s[2], s[3], s[4], s[5]); err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][0], s[1][1]}, nil
}

func (op localDenseOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return localDenseDo[float32](op, in)
	}
	return localDenseDo[float64](op, in)
}

func localDenseDo[T Float](op localDenseOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: LocalDense", in, 6)
	if err != nil {
		return nil, err
	}
	if err := localShapes(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape(), in[4].Shape(), in[5].Shape()); err != nil {
		return nil, err
	}
	x, wLoc, wVar, bLoc, bVar, eps := v[0], v[1], v[2], v[3], v[4], v[5]
	rows, nin, nout := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[1]
	out, z := bufGet[T](op.buf, false, rows, nout) // denseForward overwrites z
	denseForward(z, x, wLoc, bLoc, rows, nin, nout, Identity)
	sd := localStd(op.x2, op.sd, x, wVar, bVar, rows, nin, nout)
	for i := range z {
		z[i] += sd[i] * eps[i]
	}
	applyAct(op.act, z)
	return out, nil
}

// localStd returns √(x²·wVar + bVar), [rows, nout], in scratch kept by
// buf (x²) and sd between runs.
func localStd[T Float](buf, sdBuf *OutBuf, x, wVar, bVar []T, rows, nin, nout int) []T {
	x2 := squares(buf, x)
	_, sd := bufGet[T](sdBuf, false, rows, nout) // denseForward overwrites it
	denseForward(sd, x2, wVar, bVar, rows, nin, nout, Identity)
	for i, v := range sd {
		sd[i] = T(math.Sqrt(float64(v)))
	}
	return sd
}

// squares returns x² elementwise in scratch kept by buf.
// addColSums adds the column sums of the [rows, n] matrix g into d (a
// bias's gradient).
func addColSums[T Float](d, g []T, rows, n int) {
	for r := 0; r < rows; r++ {
		for j, gv := range g[r*n : (r+1)*n] {
			d[j] += gv
		}
	}
}

func squares[T Float](buf *OutBuf, x []T) []T {
	_, x2 := bufGet[T](buf, false, len(x))
	for i, v := range x {
		x2[i] = v * v
	}
	return x2
}

func (op localDenseOp) DiffWRT(int) []bool { return []bool{op.diffX, true, true, true, true, false} }

// SymDiff returns the gradient nodes of x (when needed), wLoc, wVar, bLoc
// and bVar, all read from one node holding g_μ and g_v.
func (op localDenseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: LocalDense", len(inputs), 6); err != nil {
		return nil, err
	}
	parts, err := G.ApplyOp(localPartsOp{act: op.act, buf: new(OutBuf), x2: new(OutBuf), sd: new(OutBuf)}, inputs[0], inputs[2], inputs[4], inputs[5], output, grad)
	if err != nil {
		return nil, fmt.Errorf("ops: LocalDense gradient: %w", err)
	}
	return GradNodes("ops: LocalDense", op.DiffWRT(6), func(i int) G.Op {
		return localGradOp{wrt: i, buf: new(OutBuf), x2: new(OutBuf)}
	}, inputs[0], inputs[1], inputs[2], parts)
}

// localPartsOp computes [g_μ; g_v] ([2, B, out]) from x, wVar, bVar, eps,
// the layer's output y and the incoming gradient g:
// g_μ = g ⊙ a′(y), g_v = g_μ ⊙ ε / (2√v), v = x²·wVar + bVar.
type localPartsOp struct {
	PlainOp
	act    Activation
	buf    *OutBuf
	x2, sd *OutBuf // scratch
}

func (op localPartsOp) Arity() int { return 6 }
func (op localPartsOp) Type() hm.Type {
	return hm.NewFnType(FloatType(2), FloatType(2), FloatType(1), FloatType(2), FloatType(2), FloatType(2), FloatType(3))
}
func (op localPartsOp) String() string        { return fmt.Sprintf("LocalDenseParts{%v}", op.act) }
func (op localPartsOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.LocalDenseParts{%v}", op.act) }
func (op localPartsOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op localPartsOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("LocalDenseParts", in, 6)
	if err != nil {
		return nil, err
	}
	return partsShape(s[0], s[1], s[2], s[3], s[4], s[5])
}

func partsShape(x, wVar, bVar, eps, y, g tensor.Shape) (tensor.Shape, error) {
	if err := localShapes(x, wVar, wVar, bVar, bVar, eps); err != nil {
		return nil, err
	}
	if !y.Eq(eps) || !g.Eq(eps) {
		return nil, fmt.Errorf("ops: LocalDenseParts: output %v and gradient %v do not match the noise %v", y, g, eps)
	}
	return tensor.Shape{2, eps[0], eps[1]}, nil
}

func (op localPartsOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return localPartsDo[float32](op, in)
	}
	return localPartsDo[float64](op, in)
}

func localPartsDo[T Float](op localPartsOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: LocalDenseParts", in, 6)
	if err != nil {
		return nil, err
	}
	shape, err := partsShape(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape(), in[4].Shape(), in[5].Shape())
	if err != nil {
		return nil, err
	}
	x, wVar, bVar, eps, y, g := v[0], v[1], v[2], v[3], v[4], v[5]
	rows, nin, nout := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[1]
	out, d := bufGet[T](op.buf, true, shape...)
	gMu, gVar := d[:rows*nout], d[rows*nout:]
	backwardAct(op.act, gMu, g, y)
	sd := localStd(op.x2, op.sd, x, wVar, bVar, rows, nin, nout)
	for i, s := range sd {
		if s > 0 {
			gVar[i] = gMu[i] * eps[i] / (2 * s)
		}
	}
	return out, nil
}

// localGradOp turns [g_μ; g_v] into the gradient of LocalDense's input wrt
// (0: x, 1: wLoc, 2: wVar, 3: bLoc, 4: bVar); its inputs are x, wLoc, wVar
// and the parts.
type localGradOp struct {
	PlainOp
	wrt int
	buf *OutBuf
	x2  *OutBuf // scratch for x² (wrt = 2)
}

func (op localGradOp) Arity() int { return 4 }
func (op localGradOp) Type() hm.Type {
	r := 2
	if op.wrt >= 3 {
		r = 1
	}
	return hm.NewFnType(FloatType(2), FloatType(2), FloatType(2), FloatType(3), FloatType(r))
}
func (op localGradOp) String() string {
	return "LocalDenseGrad{" + []string{"x", "wLoc", "wVar", "bLoc", "bVar"}[op.wrt] + "}"
}
func (op localGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.LocalDenseGrad{%d}", op.wrt) }
func (op localGradOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op localGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("LocalDenseGrad", in, 4)
	if err != nil {
		return nil, err
	}
	return op.shape(s[0], s[1], s[2], s[3])
}

func (op localGradOp) shape(x, wLoc, wVar, parts tensor.Shape) (tensor.Shape, error) {
	if x.Dims() != 2 || wLoc.Dims() != 2 || !wVar.Eq(wLoc) || x[1] != wLoc[0] || !parts.Eq(tensor.Shape{2, x[0], wLoc[1]}) {
		return nil, fmt.Errorf("ops: LocalDenseGrad: shapes x %v, w %v, %v, parts %v do not fit", x, wLoc, wVar, parts)
	}
	switch op.wrt {
	case 0:
		return x.Clone(), nil
	case 1, 2:
		return wLoc.Clone(), nil
	default:
		return tensor.Shape{wLoc[1]}, nil
	}
}

func (op localGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return localGradDo[float32](op, in)
	}
	return localGradDo[float64](op, in)
}

func localGradDo[T Float](op localGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: LocalDenseGrad", in, 4)
	if err != nil {
		return nil, err
	}
	shape, err := op.shape(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape())
	if err != nil {
		return nil, err
	}
	x, wLoc, wVar, parts := v[0], v[1], v[2], v[3]
	rows, nin, nout := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[1]
	gMu, gVar := parts[:rows*nout], parts[rows*nout:]
	out, d := bufGet[T](op.buf, op.wrt >= 3, shape...) // the BLAS calls overwrite; the column sums add
	switch op.wrt {
	case 0:
		// d = g_v wVarᵀ, then d = 2x ⊙ d + g_μ wLocᵀ.
		matMulOf(false, true, rows, nin, nout, gVar, wVar, 0, d)
		for i := range d {
			d[i] *= 2 * x[i]
		}
		matMulOf(false, true, rows, nin, nout, gMu, wLoc, 1, d)
	case 1:
		matMulOf(true, false, nin, nout, rows, x, gMu, 0, d)
	case 2:
		matMulOf(true, false, nin, nout, rows, squares(op.x2, x), gVar, 0, d)
	case 3, 4:
		g := gMu
		if op.wrt == 4 {
			g = gVar
		}
		addColSums(d, g, rows, nout)
	}
	return out, nil
}
