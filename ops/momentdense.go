package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MomentDense returns the means and variances, stacked as [2, B, out], of
// the pre-activations a = x·W + b of a fully connected layer whose weights
// and biases are independent Gaussians, W ~ N(wLoc, wVar) and
// b ~ N(bLoc, bVar) elementwise (a mean-field guide's marginals), the
// first step of deterministic variational inference (Wu et al. 2019):
//
//	E[a]   = m·M + μ_b,
//	Var[a] = v·(M² + S) + m²·S + σ_b²,
//
// with M = wLoc, S = wVar, μ_b = bLoc, σ_b² = bVar ([in, out] and [out]).
// x is either exact data, [B, in] (then m = x and v = 0), or the moments
// of the previous layer's outputs, [2, B, in] (means m, then variances v,
// as [MomentReLU] returns them). The formula treats the inputs of a row as
// independent of each other and of the weights: exact for data and for
// the outputs of a first hidden layer (whose units depend on disjoint
// weights), a diagonal approximation after that, where units that share
// inputs are correlated. Wu et al. also propagate those covariances; this
// op does not.
//
// The gradient is one operation per differentiable input, with g_μ, g_σ²
// the incoming gradients of the output's means and variances:
//
//	∂/∂M = mᵀg_μ + 2M ⊙ (vᵀg_σ²),   ∂/∂S = (m² + v)ᵀg_σ²,
//	∂/∂μ_b = Σ_rows g_μ,             ∂/∂σ_b² = Σ_rows g_σ²,
//	∂/∂m = g_μ Mᵀ + 2m ⊙ (g_σ² Sᵀ),  ∂/∂v = g_σ² (M² + S)ᵀ,
//
// x gets one only when it is computed (not fed). The gradient ops are not
// differentiable again. The inputs are float64 or float32 (one generic
// kernel; the float32 products run MatMul32).
func MomentDense(x, wLoc, wVar, bLoc, bVar *G.Node) (*G.Node, error) {
	if err := checkFloat("MomentDense", x, wLoc, wVar, bLoc, bVar); err != nil {
		return nil, err
	}
	op := momentDenseOp{moments: x.Shape().Dims() == 3, diffX: x.Op() != nil, buf: new(OutBuf), sq: new(OutBuf), ms: new(OutBuf)}
	n, err := G.ApplyOp(op, x, wLoc, wVar, bLoc, bVar)
	if err != nil {
		return nil, fmt.Errorf("ops: MomentDense %v·%v+%v: %w", x.Shape(), wLoc.Shape(), bLoc.Shape(), err)
	}
	return n, nil
}

// momentDims checks the shapes of MomentDense's inputs and returns the
// rows B and the layer's widths.
func momentDims(x, wLoc, wVar, bLoc, bVar tensor.Shape) (rows, nin, nout int, err error) {
	xs := x
	if x.Dims() == 3 {
		if x[0] != 2 {
			return 0, 0, 0, fmt.Errorf("ops: MomentDense: input moments %v; want [2, B, in]", x)
		}
		xs = x[1:]
	}
	if xs.Dims() != 2 || wLoc.Dims() != 2 || bLoc.Dims() != 1 || xs[1] != wLoc[0] || wLoc[1] != bLoc[0] {
		return 0, 0, 0, fmt.Errorf("ops: MomentDense: shapes x %v, w %v, b %v do not fit ([B, in] or [2, B, in], [in, out], [out])", x, wLoc, bLoc)
	}
	if !wVar.Eq(wLoc) || !bVar.Eq(bLoc) {
		return 0, 0, 0, fmt.Errorf("ops: MomentDense: variances %v, %v do not fit means %v, %v", wVar, bVar, wLoc, bLoc)
	}
	return xs[0], xs[1], wLoc[1], nil
}

// momentDenseOp is the forward op of MomentDense; moments says x is
// [2, B, in], diffX that x gets a gradient.
type momentDenseOp struct {
	PlainOp
	moments, diffX bool
	buf            *OutBuf
	sq, ms         *OutBuf // scratch: m² and M² + S
}

var _ G.SDOp = momentDenseOp{}

func (op momentDenseOp) xRank() int {
	if op.moments {
		return 3
	}
	return 2
}

func (op momentDenseOp) Arity() int { return 5 }
func (op momentDenseOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.xRank()), FloatType(2), FloatType(2), FloatType(1), FloatType(1), FloatType(3))
}
func (op momentDenseOp) String() string { return "MomentDense" }
func (op momentDenseOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.MomentDense{%v,%v}", op.moments, op.diffX)
}
func (op momentDenseOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op momentDenseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("MomentDense", in, 5)
	if err != nil {
		return nil, err
	}
	rows, _, nout, err := momentDims(s[0], s[1], s[2], s[3], s[4])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{2, rows, nout}, nil
}

func (op momentDenseOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return momentDenseDo[float32](op, in)
	}
	return momentDenseDo[float64](op, in)
}

func momentDenseDo[T Float](op momentDenseOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: MomentDense", in, 5)
	if err != nil {
		return nil, err
	}
	rows, nin, nout, err := momentDims(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape(), in[4].Shape())
	if err != nil {
		return nil, err
	}
	x, wLoc, wVar, bLoc, bVar := v[0], v[1], v[2], v[3], v[4]
	m := x[:rows*nin]
	out, d := bufGet[T](op.buf, false, 2, rows, nout) // denseForward overwrites both halves
	mean, vr := d[:rows*nout], d[rows*nout:]
	denseForward(mean, m, wLoc, bLoc, rows, nin, nout, Identity)
	denseForward(vr, squares(op.sq, m), wVar, bVar, rows, nin, nout, Identity)
	if op.moments {
		matMulOf(false, false, rows, nout, nin, x[rows*nin:], secondMoments(op.ms, wLoc, wVar), 1, vr)
	}
	return out, nil
}

// secondMoments returns M² + S elementwise in scratch kept by buf.
func secondMoments[T Float](buf *OutBuf, wLoc, wVar []T) []T {
	_, ms := bufGet[T](buf, false, len(wLoc))
	for i, w := range wLoc {
		ms[i] = w*w + wVar[i]
	}
	return ms
}

func (op momentDenseOp) DiffWRT(int) []bool { return []bool{op.diffX, true, true, true, true} }

// SymDiff returns the gradient nodes of x (when needed), wLoc, wVar, bLoc
// and bVar, each computed from x, wLoc, wVar and the incoming gradient.
func (op momentDenseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: MomentDense", len(inputs), 5); err != nil {
		return nil, err
	}
	return GradNodes("ops: MomentDense", op.DiffWRT(5), func(i int) G.Op {
		return momentDenseGradOp{wrt: i, moments: op.moments, buf: new(OutBuf), s1: new(OutBuf), s2: new(OutBuf)}
	}, inputs[0], inputs[1], inputs[2], grad)
}

// momentDenseGradOp computes the gradient of MomentDense with respect to
// input wrt (0: x, 1: wLoc, 2: wVar, 3: bLoc, 4: bVar) from x, wLoc, wVar
// and the incoming gradient [g_μ; g_σ²] ([2, B, out]).
type momentDenseGradOp struct {
	PlainOp
	wrt     int
	moments bool
	buf     *OutBuf
	s1, s2  *OutBuf // scratch
}

func (op momentDenseGradOp) Arity() int { return 4 }
func (op momentDenseGradOp) Type() hm.Type {
	xr := 2
	if op.moments {
		xr = 3
	}
	r := []int{xr, 2, 2, 1, 1}[op.wrt]
	return hm.NewFnType(FloatType(xr), FloatType(2), FloatType(2), FloatType(3), FloatType(r))
}
func (op momentDenseGradOp) String() string {
	return "MomentDenseGrad{" + []string{"x", "wLoc", "wVar", "bLoc", "bVar"}[op.wrt] + "}"
}
func (op momentDenseGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.MomentDenseGrad{%d,%v}", op.wrt, op.moments)
}
func (op momentDenseGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op momentDenseGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("MomentDenseGrad", in, 4)
	if err != nil {
		return nil, err
	}
	return op.shape(s[0], s[1], s[2], s[3])
}

func (op momentDenseGradOp) shape(x, wLoc, wVar, g tensor.Shape) (tensor.Shape, error) {
	if wLoc.Dims() != 2 {
		return nil, fmt.Errorf("ops: MomentDenseGrad: weights %v; want [in, out]", wLoc)
	}
	b := tensor.Shape{wLoc[1]}
	rows, _, nout, err := momentDims(x, wLoc, wVar, b, b)
	if err != nil {
		return nil, err
	}
	if !g.Eq(tensor.Shape{2, rows, nout}) {
		return nil, fmt.Errorf("ops: MomentDenseGrad: gradient %v; want [2, %d, %d]", g, rows, nout)
	}
	switch op.wrt {
	case 0:
		return x.Clone(), nil
	case 1, 2:
		return wLoc.Clone(), nil
	default:
		return tensor.Shape{nout}, nil
	}
}

func (op momentDenseGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return momentDenseGradDo[float32](op, in)
	}
	return momentDenseGradDo[float64](op, in)
}

func momentDenseGradDo[T Float](op momentDenseGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: MomentDenseGrad", in, 4)
	if err != nil {
		return nil, err
	}
	shape, err := op.shape(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape())
	if err != nil {
		return nil, err
	}
	x, wLoc, wVar, g := v[0], v[1], v[2], v[3]
	rows, nin, nout := in[3].Shape()[1], in[1].Shape()[0], in[1].Shape()[1]
	m, vx := x[:rows*nin], []T(nil)
	if op.moments {
		vx = x[rows*nin:]
	}
	gMu, gVar := g[:rows*nout], g[rows*nout:]
	out, d := bufGet[T](op.buf, op.wrt >= 3, shape...) // the BLAS calls overwrite; the column sums add
	switch op.wrt {
	case 0:
		momentGradX(op, d, m, vx, wLoc, wVar, gMu, gVar, rows, nin, nout)
	case 1:
		// d = mᵀg_μ (+ 2M ⊙ vᵀg_σ²)
		matMulOf(true, false, nin, nout, rows, m, gMu, 0, d)
		if vx != nil {
			_, t := bufGet[T](op.s1, false, nin*nout)
			matMulOf(true, false, nin, nout, rows, vx, gVar, 0, t)
			for i, w := range wLoc {
				d[i] += 2 * w * t[i]
			}
		}
	case 2:
		// d = (m² + v)ᵀg_σ²
		m2 := squares(op.s1, m)
		for i := range vx {
			m2[i] += vx[i]
		}
		matMulOf(true, false, nin, nout, rows, m2, gVar, 0, d)
	case 3, 4:
		gs := gMu
		if op.wrt == 4 {
			gs = gVar
		}
		addColSums(d, gs, rows, nout)
	}
	return out, nil
}

// momentGradX writes the gradient with respect to the input moments into
// d: ∂/∂m = g_μ Mᵀ + 2m ⊙ (g_σ² Sᵀ) into its first [B, in] block and, with
// moments (vx non-nil), ∂/∂v = g_σ² (M² + S)ᵀ into the second.
func momentGradX[T Float](op momentDenseGradOp, d, m, vx, wLoc, wVar, gMu, gVar []T, rows, nin, nout int) {
	dm := d[:rows*nin]
	matMulOf(false, true, rows, nin, nout, gVar, wVar, 0, dm)
	for i := range dm {
		dm[i] *= 2 * m[i]
	}
	matMulOf(false, true, rows, nin, nout, gMu, wLoc, 1, dm)
	if vx != nil {
		matMulOf(false, true, rows, nin, nout, gVar, secondMoments(op.s2, wLoc, wVar), 0, d[rows*nin:])
	}
}
