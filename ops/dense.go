package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Activation is the elementwise nonlinearity of a dense layer.
type Activation int

const (
	// ReLU is max(0, x). It is the zero value and the default.
	ReLU Activation = iota
	// Tanh is the hyperbolic tangent.
	Tanh
	// Identity is x: the layer is affine.
	Identity
)

var activationNames = []string{"relu", "tanh", "identity"}

// String returns the activation's name, as ParseActivation reads it.
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation named s: relu, tanh or identity.
func ParseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("ops: unknown activation %q (want relu, tanh or identity)", s)
}

// Valid reports whether a is one of the defined activations.
func (a Activation) Valid() bool { return a >= 0 && int(a) < len(activationNames) }

// Apply overwrites z with a(z).
func (a Activation) Apply(z []float64) { applyAct(a, z) }

// Backward writes dz = g ⊙ a′(z) into dz, with a′ computed from the
// output y = a(z): 1[y > 0] for ReLU, 1 − y² for tanh, 1 for the identity.
func (a Activation) Backward(dz, g, y []float64) { backwardAct(a, dz, g, y) }

// applyAct is Activation.Apply for either float type; tanh is computed in
// float64 and rounded (Go's math has no float32 tanh).
func applyAct[T Float](a Activation, z []T) {
	switch a {
	case ReLU:
		switch d := any(z).(type) {
		case []float64:
			for i, v := range d {
				d[i] = math.Float64frombits(math.Float64bits(v) & positiveMask(v))
			}
		case []float32:
			for i, v := range d {
				d[i] = math.Float32frombits(math.Float32bits(v) & uint32(positiveMask(float64(v))))
			}
		}
	case Tanh:
		for i, v := range z {
			z[i] = T(math.Tanh(float64(v)))
		}
	}
}

// backwardAct is Activation.Backward for either float type.
func backwardAct[T Float](a Activation, dz, g, y []T) {
	switch a {
	case ReLU:
		// Branch-free: the signs of the pre-activations are random, and a
		// branch per element mispredicts half the time.
		switch d := any(dz).(type) {
		case []float64:
			g := any(g).([]float64)
			for i, v := range any(y).([]float64) {
				d[i] = math.Float64frombits(math.Float64bits(g[i]) & positiveMask(v))
			}
		case []float32:
			g := any(g).([]float32)
			for i, v := range any(y).([]float32) {
				d[i] = math.Float32frombits(math.Float32bits(g[i]) & uint32(positiveMask(float64(v))))
			}
		}
	case Tanh:
		for i, v := range y {
			dz[i] = g[i] * (1 - v*v)
		}
	default:
		copy(dz, g)
	}
}

// positiveMask returns all ones when v > 0 and zero otherwise (the compiler
// turns the branch into a conditional move).
func positiveMask(v float64) uint64 {
	var m uint64
	if v > 0 {
		m = ^uint64(0)
	}
	return m
}

// Dense returns the node act(x·w + b) of a fully connected layer as one
// fused operation: x is [B, in], w is [in, out], b is [out] and the result
// is [B, out]. Its gradient is three fused operations (with respect to w,
// b and, when x is computed rather than fed, x), each a single BLAS call
// plus an elementwise pass:
//
//	∂/∂w = xᵀ(g ⊙ a′),  ∂/∂b = Σ_rows g ⊙ a′,  ∂/∂x = (g ⊙ a′) wᵀ
//
// where g is the incoming gradient and a′ is the activation's derivative,
// computed from the layer's output (1[y > 0] for ReLU, 1 − y² for tanh).
// It replaces the five to seven generic gorgonia operations of the same
// layer (Mul, Reshape, BroadcastAdd with its materialized repeat,
// Rectify/Tanh) and their gradients. x, w and b are all float64 or all
// float32; on float32 the products run govi's float32 kernels (see
// MatMul32).
func Dense(x, w, b *G.Node, act Activation) (*G.Node, error) {
	for i, n := range []*G.Node{x, w, b} {
		if n == nil {
			return nil, fmt.Errorf("ops: Dense: input %d is nil", i)
		}
	}
	if err := checkFloat("Dense", x, w, b); err != nil {
		return nil, err
	}
	if !act.Valid() {
		return nil, fmt.Errorf("ops: Dense: unknown activation %v", act)
	}
	if err := denseShapes(x.Shape(), w.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	// The input needs a gradient only when it is computed from parameters;
	// data inputs (nodes without an op) do not.
	op := denseOp{act: act, diffX: x.Op() != nil, buf: new(OutBuf), back: new(denseNBack)}
	n, err := G.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("ops: Dense %v·%v+%v: %w", x.Shape(), w.Shape(), b.Shape(), err)
	}
	return n, nil
}

// denseOp is the forward op of Dense.
type denseOp struct {
	PlainOp
	act   Activation
	diffX bool
	buf   *OutBuf
	back  *denseNBack // the gradient ops' shared backward pass
}

var _ G.SDOp = denseOp{}

func (op denseOp) Arity() int { return 3 }
func (op denseOp) Type() hm.Type {
	return hm.NewFnType(FloatType(2), FloatType(2), FloatType(1), FloatType(2))
}
func (op denseOp) String() string { return fmt.Sprintf("Dense{%v}", op.act) }
func (op denseOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.Dense{%v,%v}", op.act, op.diffX)
}
func (op denseOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op denseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("Dense", in, 3)
	if err != nil {
		return nil, err
	}
	if err := denseShapes(s[0], s[1], s[2]); err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][0], s[1][1]}, nil
}

func denseShapes(x, w, b tensor.Shape) error {
	if x.Dims() != 2 || w.Dims() != 2 || b.Dims() != 1 || x[1] != w[0] || w[1] != b[0] {
		return fmt.Errorf("ops: Dense: shapes x %v, w %v, b %v do not fit ([B, in], [in, out], [out])", x, w, b)
	}
	return nil
}

func (op denseOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return denseDo[float32](op, in)
	}
	return denseDo[float64](op, in)
}

func denseDo[T Float](op denseOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: Dense", in, 3)
	if err != nil {
		return nil, err
	}
	if err := denseShapes(in[0].Shape(), in[1].Shape(), in[2].Shape()); err != nil {
		return nil, err
	}
	xs, ws, bs := v[0], v[1], v[2]
	rows, nin, nout := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[1]
	op.back.gen++
	out, z := bufGet[T](op.buf, false, rows, nout) // denseForward overwrites z
	denseForward(z, xs, ws, bs, rows, nin, nout, op.act)
	return out, nil
}

// DenseForward writes act(x·w + b) into z ([rows, nout]).
func DenseForward(z, x, w, b []float64, rows, nin, nout int, act Activation) {
	denseForward(z, x, w, b, rows, nin, nout, act)
}

// denseForward is DenseForward for either float type.
func denseForward[T Float](z, x, w, b []T, rows, nin, nout int, act Activation) {
	for r := 0; r < rows; r++ {
		copy(z[r*nout:(r+1)*nout], b)
	}
	matMulOf(false, false, rows, nout, nin, x, w, 1, z)
	applyAct(act, z)
}

func (op denseOp) DiffWRT(int) []bool { return []bool{op.diffX, true, true} }

// SymDiff returns the fused gradient nodes for x (when needed), w and b.
func (op denseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: Dense", len(inputs), 3); err != nil {
		return nil, err
	}
	return GradNodes("ops: Dense", op.DiffWRT(3), func(i int) G.Op {
		return denseGradOp{act: op.act, wrt: i, diffX: op.diffX, back: op.back}
	}, inputs[0], inputs[1], output, grad)
}

// denseGradOp computes the gradient of Dense with respect to input wrt
// (0: x, 1: w, 2: b) from x, w, the layer's output y and the incoming
// gradient g. The node's gradient ops share one backward pass (see
// denseNBack): Dense is DenseN's case of one particle and shared x.
type denseGradOp struct {
	PlainOp
	act   Activation
	wrt   int
	diffX bool
	back  *denseNBack
}

func (op denseGradOp) Arity() int { return 4 }
func (op denseGradOp) Type() hm.Type {
	r := 2
	if op.wrt == 2 {
		r = 1
	}
	return hm.NewFnType(FloatType(2), FloatType(2), FloatType(2), FloatType(2), FloatType(r))
}
func (op denseGradOp) String() string {
	return fmt.Sprintf("DenseGrad{%v,%s}", op.act, []string{"x", "w", "b"}[op.wrt])
}
func (op denseGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.DenseGrad{%v,%d}", op.act, op.wrt)
}
func (op denseGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op denseGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("DenseGrad", in, 4)
	if err != nil {
		return nil, err
	}
	return op.shape(s[0], s[1], s[2], s[3])
}

func (op denseGradOp) shape(x, w, y, g tensor.Shape) (tensor.Shape, error) {
	if x.Dims() != 2 || w.Dims() != 2 || x[1] != w[0] || !y.Eq(tensor.Shape{x[0], w[1]}) || !g.Eq(y) {
		return nil, fmt.Errorf("ops: DenseGrad: shapes x %v, w %v, y %v, g %v do not fit", x, w, y, g)
	}
	switch op.wrt {
	case 0:
		return x.Clone(), nil
	case 1:
		return w.Clone(), nil
	default:
		return tensor.Shape{w[1]}, nil
	}
}

func (op denseGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return denseGradDo[float32](op, in)
	}
	return denseGradDo[float64](op, in)
}

func denseGradDo[T Float](op denseGradOp, in []G.Value) (G.Value, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("ops: DenseGrad takes 4 inputs, got %d", len(in))
	}
	shape, err := op.shape(in[0].Shape(), in[1].Shape(), in[2].Shape(), in[3].Shape())
	if err != nil {
		return nil, err
	}
	v, err := floatInputsOf[T]("ops: DenseGrad", in, 4)
	if err != nil {
		return nil, err
	}
	rows, nin, nout := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[1]
	k := op.back
	if k.done != k.gen {
		denseBackward(k, op.act, op.diffX, v[0], v[1], v[2], v[3],
			[3]tensor.Shape{in[0].Shape(), in[1].Shape(), {nout}}, 1, rows, nin, nout, false)
		k.done = k.gen
	}
	return k.result(op.wrt, shape)
}
