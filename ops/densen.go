package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DenseN is Dense for S particles at once (svi.Config.Vectorize): w is
// [S, in, out], b is [S, out], and x is either [B, in] (data shared by the
// particles) or [S, B, in] (the previous layer's particles); the result is
// [S, B, out] with slice s equal to act(x_s·w_s + b_s). Its gradients are
// fused like Dense's, one operation per input, looping over the particles.
// The inputs are float64 or float32, as Dense's.
func DenseN(x, w, b *G.Node, act Activation) (*G.Node, error) {
	for i, n := range []*G.Node{x, w, b} {
		if n == nil {
			return nil, fmt.Errorf("ops: DenseN: input %d is nil", i)
		}
	}
	if err := checkFloat("DenseN", x, w, b); err != nil {
		return nil, err
	}
	if !act.Valid() {
		return nil, fmt.Errorf("ops: DenseN: unknown activation %v", act)
	}
	if err := denseNShapes(x.Shape(), w.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	if x.Shape().Dims() == 2 && x.Op() != nil {
		return nil, fmt.Errorf("ops: DenseN: an input shared by the particles ([B, in]) must be data, not computed")
	}
	op := denseNOp{act: act, xd: x.Shape().Dims(), diffX: x.Op() != nil, buf: new(OutBuf), back: new(denseNBack)}
	n, err := G.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("ops: DenseN %v·%v+%v: %w", x.Shape(), w.Shape(), b.Shape(), err)
	}
	return n, nil
}

func denseNShapes(x, w, b tensor.Shape) error {
	ok := w.Dims() == 3 && b.Dims() == 2 && b[0] == w[0] && b[1] == w[2]
	switch x.Dims() {
	case 2:
		ok = ok && x[1] == w[1]
	case 3:
		ok = ok && x[0] == w[0] && x[2] == w[1]
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("ops: DenseN: shapes x %v, w %v, b %v do not fit ([B, in] or [S, B, in], [S, in, out], [S, out])", x, w, b)
	}
	return nil
}

// dims returns S, B, in, out and whether x has a particle axis.
func denseNDims(x, w tensor.Shape) (S, B, in, out int, perParticle bool) {
	S, in, out = w[0], w[1], w[2]
	if x.Dims() == 3 {
		return S, x[1], in, out, true
	}
	return S, x[0], in, out, false
}

type denseNOp struct {
	PlainOp
	act   Activation
	xd    int
	diffX bool
	buf   *OutBuf
	back  *denseNBack
}

// denseNBack is the backward pass of one DenseN node, shared by its
// gradient ops: whichever runs first computes ∂/∂x (when needed), ∂/∂w and
// ∂/∂b together, particle by particle, so that g ⊙ a′ is formed once per
// particle in a scratch buffer that stays in cache while the products and
// the column sums read it; the others find their result ready. The forward
// Do advances gen, so a result is reused only within the run that made it
// (every gradient op of the node takes the same output and incoming
// gradient).
type denseNBack struct {
	gen, done  uint64
	dx, dw, db OutBuf
	dz         []float64 // one particle's g ⊙ a′
	dz32       []float32 // the same on float32
}

// scratch returns k's buffer of at least n elements of T for g ⊙ a′.
func scratch[T Float](k *denseNBack, n int) []T {
	if dtypeOf[T]() == tensor.Float32 {
		if len(k.dz32) < n {
			k.dz32 = make([]float32, n)
		}
		return any(k.dz32[:n]).([]T)
	}
	if len(k.dz) < n {
		k.dz = make([]float64, n)
	}
	return any(k.dz[:n]).([]T)
}

func (op denseNOp) Arity() int { return 3 }
func (op denseNOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.xd), FloatType(3), FloatType(2), FloatType(3))
}
func (op denseNOp) String() string { return fmt.Sprintf("DenseN{%v}", op.act) }
func (op denseNOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.DenseN{%v,%d,%v}", op.act, op.xd, op.diffX)
}
func (op denseNOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op denseNOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("DenseN", in, 3)
	if err != nil {
		return nil, err
	}
	if err := denseNShapes(s[0], s[1], s[2]); err != nil {
		return nil, err
	}
	S, B, _, out, _ := denseNDims(s[0], s[1])
	return tensor.Shape{S, B, out}, nil
}

func (op denseNOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return denseNDo[float32](op, in)
	}
	return denseNDo[float64](op, in)
}

func denseNDo[T Float](op denseNOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("DenseN", in, 3)
	if err != nil {
		return nil, err
	}
	if err := denseNShapes(in[0].Shape(), in[1].Shape(), in[2].Shape()); err != nil {
		return nil, err
	}
	x, w, b := v[0], v[1], v[2]
	S, B, nin, nout, per := denseNDims(in[0].Shape(), in[1].Shape())
	op.back.gen++
	res, z := bufGet[T](op.buf, false, S, B, nout)
	for s := 0; s < S; s++ {
		xs := x
		if per {
			xs = x[s*B*nin : (s+1)*B*nin]
		}
		denseForward(z[s*B*nout:(s+1)*B*nout], xs, w[s*nin*nout:(s+1)*nin*nout], b[s*nout:(s+1)*nout], B, nin, nout, op.act)
	}
	return res, nil
}

func (op denseNOp) DiffWRT(int) []bool { return []bool{op.diffX, true, true} }

func (op denseNOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: DenseN", len(inputs), 3); err != nil {
		return nil, err
	}
	return GradNodes("ops: DenseN", op.DiffWRT(3), func(i int) G.Op {
		return denseNGradOp{act: op.act, xd: op.xd, wrt: i, diffX: op.diffX, back: op.back}
	}, inputs[0], inputs[1], output, grad)
}

// denseNGradOp is the gradient of DenseN with respect to input wrt (0: x,
// 1: w, 2: b) from x, w, the output y and the incoming gradient g.
type denseNGradOp struct {
	PlainOp
	act     Activation
	xd, wrt int
	diffX   bool
	back    *denseNBack
}

func (op denseNGradOp) Arity() int { return 4 }
func (op denseNGradOp) Type() hm.Type {
	r := []int{op.xd, 3, 2}[op.wrt]
	return hm.NewFnType(FloatType(op.xd), FloatType(3), FloatType(3), FloatType(3), FloatType(r))
}
func (op denseNGradOp) String() string {
	return fmt.Sprintf("DenseNGrad{%v,%s}", op.act, []string{"x", "w", "b"}[op.wrt])
}
func (op denseNGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.DenseNGrad{%v,%d,%d}", op.act, op.xd, op.wrt)
}
func (op denseNGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op denseNGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("DenseNGrad", in, 4)
	if err != nil {
		return nil, err
	}
	S, _, _, out, _ := denseNDims(s[0], s[1])
	switch op.wrt {
	case 0:
		return s[0].Clone(), nil
	case 1:
		return s[1].Clone(), nil
	default:
		return tensor.Shape{S, out}, nil
	}
}

func (op denseNGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return denseNGradDo[float32](op, in)
	}
	return denseNGradDo[float64](op, in)
}

func denseNGradDo[T Float](op denseNGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("DenseNGrad", in, 4)
	if err != nil {
		return nil, err
	}
	x, w, y, g := v[0], v[1], v[2], v[3]
	S, B, nin, nout, per := denseNDims(in[0].Shape(), in[1].Shape())
	if len(y) != S*B*nout || len(g) != len(y) {
		return nil, fmt.Errorf("ops: DenseNGrad: output %v and gradient %v do not fit", in[2].Shape(), in[3].Shape())
	}
	k := op.back
	if k.done != k.gen {
		denseBackward(k, op.act, op.diffX, x, w, y, g,
			[3]tensor.Shape{in[0].Shape(), in[1].Shape(), {S, nout}}, S, B, nin, nout, per)
		k.done = k.gen
	}
	return k.result(op.wrt, nil)
}

// result returns the gradient with respect to input wrt of the last
// backward pass, checked against the shape the op declared (nil: any).
func (k *denseNBack) result(wrt int, shape tensor.Shape) (G.Value, error) {
	v := [...]*OutBuf{&k.dx, &k.dw, &k.db}[wrt].v
	if v == nil {
		return nil, fmt.Errorf("ops: dense gradient: none with respect to input %d", wrt)
	}
	if shape != nil && !v.Shape().Eq(shape) {
		return nil, fmt.Errorf("ops: dense gradient: input %d has shape %v, the op declared %v", wrt, v.Shape(), shape)
	}
	return v, nil
}

// denseBackward computes a dense node's gradients into k: for each of its
// S particles dz = g_s ⊙ a′ (in k.dz), then ∂/∂w_s = x_sᵀ·dz, ∂/∂b_s =
// Σ_rows dz and, when x is computed (diffX), ∂/∂x_s = dz·w_sᵀ. shapes are
// those of x, w and b, whose gradients take them.
func denseBackward[T Float](k *denseNBack, act Activation, diffX bool, x, w, y, g []T, shapes [3]tensor.Shape, S, B, nin, nout int, per bool) {
	var dx []T
	if diffX {
		_, dx = bufGet[T](&k.dx, false, shapes[0]...)
	}
	_, dw := bufGet[T](&k.dw, false, shapes[1]...)
	_, db := bufGet[T](&k.db, true, shapes[2]...)
	tmp := scratch[T](k, B*nout)
	for s := 0; s < S; s++ {
		dz := g[s*B*nout : (s+1)*B*nout]
		if act != Identity {
			backwardAct(act, tmp, dz, y[s*B*nout:(s+1)*B*nout])
			dz = tmp
		}
		ws := w[s*nin*nout : (s+1)*nin*nout]
		xs := x
		if per {
			xs = x[s*B*nin : (s+1)*B*nin]
		}
		if diffX { // dz_s·w_sᵀ (x is per particle when it needs a gradient)
			matMulOf(false, true, B, nin, nout, dz, ws, 0, dx[s*B*nin:(s+1)*B*nin])
		}
		matMulOf(true, false, nin, nout, B, xs, dz, 0, dw[s*nin*nout:(s+1)*nin*nout])
		dbs := db[s*nout : (s+1)*nout]
		for r := 0; r < B; r++ {
			for j, v := range dz[r*nout : (r+1)*nout] {
				dbs[j] += v
			}
		}
	}
}
