package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// B builds expressions on one graph and records the first error; every call
// after an error is a no-op returning nil, in the manner of bufio.Writer.
type B struct {
	G   *G.ExprGraph
	err error
}

// New returns a builder for g.
func New(g *G.ExprGraph) *B { return &B{G: g} }

// Err returns the first error met, or nil.
func (b *B) Err() error { return b.err }

// Fail records err unless an error is already recorded.
func (b *B) Fail(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

// Const returns a scalar constant.
func (b *B) Const(v float64) *G.Node {
	if b.err != nil {
		return nil
	}
	return Scalar(b.G, v)
}

func (b *B) un(op string, f func(*G.Node) (*G.Node, error), x *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	if x == nil {
		b.err = fmt.Errorf("%s: nil operand", op)
		return nil
	}
	n, err := f(x)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", op, err)
	}
	return n
}

// Apply applies a unary node function f, recording its error under name.
func (b *B) Apply(name string, f func(*G.Node) (*G.Node, error), x *G.Node) *G.Node {
	return b.un(name, f, x)
}

func (b *B) Neg(x *G.Node) *G.Node      { return b.un("Neg", G.Neg, x) }
func (b *B) Log(x *G.Node) *G.Node      { return b.un("Log", G.Log, x) }
func (b *B) Log1p(x *G.Node) *G.Node    { return b.un("Log1p", G.Log1p, x) }
func (b *B) Exp(x *G.Node) *G.Node      { return b.un("Exp", G.Exp, x) }
func (b *B) Square(x *G.Node) *G.Node   { return b.un("Square", G.Square, x) }
func (b *B) Sqrt(x *G.Node) *G.Node     { return b.un("Sqrt", G.Sqrt, x) }
func (b *B) Abs(x *G.Node) *G.Node      { return b.un("Abs", G.Abs, x) }
func (b *B) Softplus(x *G.Node) *G.Node { return b.un("Softplus", G.Softplus, x) }
func (b *B) Sigmoid(x *G.Node) *G.Node  { return b.un("Sigmoid", G.Sigmoid, x) }
func (b *B) Tanh(x *G.Node) *G.Node     { return b.un("Tanh", G.Tanh, x) }
func (b *B) Inverse(x *G.Node) *G.Node  { return b.un("Inverse", G.Inverse, x) }

// LogSigmoid returns log σ(x) = −softplus(−x), exact for large |x|.
func (b *B) LogSigmoid(x *G.Node) *G.Node { return b.Neg(b.Softplus(b.Neg(x))) }

// Sum reduces over the given axes, or over all axes when none are given,
// returning a scalar.
func (b *B) Sum(x *G.Node, axes ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	if x == nil {
		b.err = fmt.Errorf("Sum: nil operand")
		return nil
	}
	if x.IsScalar() {
		return x
	}
	if len(axes) == 0 {
		for i := range x.Shape().Dims() {
			axes = append(axes, i)
		}
	}
	n, err := G.Sum(x, axes...)
	if err != nil {
		b.err = fmt.Errorf("Sum: %w", err)
	}
	return n
}

// Reshape reshapes x. The result is a view of x's memory, and gorgonia's
// tape machine may write an elementwise op's result into the memory of its
// first operand: do not make a reshaped node the first operand of Add,
// Sub, Mul, … when x is read after that op (put the other operand first).
// guides.Discrete's relaxed draw once wrote l + g into its logits this way.
func (b *B) Reshape(x *G.Node, shape ...int) *G.Node {
	return b.un("Reshape", func(x *G.Node) (*G.Node, error) { return G.Reshape(x, tensor.Shape(shape)) }, x)
}

// MatMul is gorgonia's Mul: matrix×matrix, matrix×vector or vector·vector.
func (b *B) MatMul(x, y *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := G.Mul(x, y)
	if err != nil {
		b.err = fmt.Errorf("MatMul %v×%v: %w", x.Shape(), y.Shape(), err)
	}
	return n
}

// Add, Sub, Mul and Div are elementwise and broadcast their operands (see Broadcast).
func (b *B) Add(x, y *G.Node) *G.Node { return b.bin("Add", G.Add, G.BroadcastAdd, x, y) }
func (b *B) Sub(x, y *G.Node) *G.Node { return b.bin("Sub", G.Sub, G.BroadcastSub, x, y) }
func (b *B) Mul(x, y *G.Node) *G.Node {
	return b.bin("Mul", G.HadamardProd, G.BroadcastHadamardProd, x, y)
}
func (b *B) Div(x, y *G.Node) *G.Node {
	return b.bin("Div", G.HadamardDiv, G.BroadcastHadamardDiv, x, y)
}

type bcFn func(a, b *G.Node, l, r []byte) (*G.Node, error)

func (b *B) bin(op string, f func(x, y *G.Node) (*G.Node, error), bf bcFn, x, y *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	if x == nil || y == nil {
		b.err = fmt.Errorf("%s: nil operand", op)
		return nil
	}
	n, err := Broadcast(f, bf, x, y)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", op, err)
	}
	return n
}

// Broadcast applies an elementwise binary operation with NumPy broadcasting:
// scalars combine with anything; otherwise trailing axes are aligned, the
// lower-rank operand gets leading axes of size 1, and an axis of size 1 is
// repeated to match the other operand. f is the plain operation and bf its
// gorgonia Broadcast form.
func Broadcast(f func(x, y *G.Node) (*G.Node, error), bf bcFn, x, y *G.Node) (*G.Node, error) {
	xs, ys := x.Shape(), y.Shape()
	if x.IsScalar() || y.IsScalar() || xs.Eq(ys) {
		return f(x, y)
	}
	nd := max(xs.Dims(), ys.Dims())
	px, py := pad(xs, nd), pad(ys, nd)
	var left, right []byte
	for i := 0; i < nd; i++ {
		switch {
		case px[i] == py[i]:
		case px[i] == 1:
			left = append(left, byte(i))
		case py[i] == 1:
			right = append(right, byte(i))
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", xs, ys)
		}
	}
	var err error
	if xs.Dims() != nd {
		if x, err = G.Reshape(x, px); err != nil {
			return nil, err
		}
	}
	if ys.Dims() != nd {
		if y, err = G.Reshape(y, py); err != nil {
			return nil, err
		}
	}
	if len(left) == 0 && len(right) == 0 {
		return f(x, y)
	}
	return bf(x, y, left, right)
}

func pad(s tensor.Shape, nd int) tensor.Shape {
	out := make(tensor.Shape, nd)
	off := nd - s.Dims()
	for i := range out {
		if i < off {
			out[i] = 1
		} else {
			out[i] = s[i-off]
		}
	}
	return out
}
