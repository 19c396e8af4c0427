package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// This file gives M the arithmetic a model body needs, so that a model reads
// as its maths:
//
//	lam := m.Sample("rate", dist.Gamma{Concentration: m.Const(2), Rate: m.Const(1)})
//	b := m.Sample("slope", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
//	m.Observe("y", dist.Poisson{Rate: m.Mul(lam, m.Exp(m.Mul(b, x)))}, y)
//	return m.Err()
//
// Every method keeps M's first error; [M.Add] says how.

// arith applies one builder operation for M: nil once an error is recorded,
// a nil operand recorded as an error of op, and the builder's error (which
// names the operation) recorded with the package prefix.
func (m *M) arith(op string, f func(b *graph.B) *G.Node, xs ...*G.Node) *G.Node {
	if m.err != nil {
		return nil
	}
	for _, x := range xs {
		if x == nil {
			m.Fail(fmt.Errorf("svi: %s: nil operand", op))
			return nil
		}
	}
	b := graph.New(m.g)
	n := f(b)
	if err := b.Err(); err != nil {
		m.Fail(fmt.Errorf("svi: %w", err))
		return nil
	}
	return n
}

func (m *M) unary(op string, f func(b *graph.B, x *G.Node) *G.Node, x *G.Node) *G.Node {
	return m.arith(op, func(b *graph.B) *G.Node { return f(b, x) }, x)
}

func (m *M) binary(op string, f func(b *graph.B, x, y *G.Node) *G.Node, x, y *G.Node) *G.Node {
	return m.arith(op, func(b *graph.B) *G.Node { return f(b, x, y) }, x, y)
}

// Add returns x + y elementwise. Add, Sub, Mul and Div broadcast their
// operands as NumPy does: a scalar combines with anything; otherwise
// trailing axes are aligned, the lower-rank operand gains leading axes of
// size 1, and an axis of size 1 is repeated to match the other operand.
//
// Like every arithmetic method of M, Add keeps M's first error: once
// [M.Err] is set it builds nothing and returns nil, and its own failure (a
// nil operand, shapes that do not broadcast) is recorded as m's error,
// "svi: Add: …", and returns nil. A model body therefore checks no error
// and returns m.Err() at its end.
func (m *M) Add(x, y *G.Node) *G.Node { return m.binary("Add", (*graph.B).Add, x, y) }

// Sub returns x − y elementwise, broadcasting as [M.Add] does.
// On error, as [M.Add].
func (m *M) Sub(x, y *G.Node) *G.Node { return m.binary("Sub", (*graph.B).Sub, x, y) }

// Mul returns the elementwise product x ⊙ y, broadcasting as [M.Add] does.
// For the matrix product use [M.MatMul].
// On error, as [M.Add].
func (m *M) Mul(x, y *G.Node) *G.Node { return m.binary("Mul", (*graph.B).Mul, x, y) }

// Div returns x / y elementwise, broadcasting as [M.Add] does.
// On error, as [M.Add].
func (m *M) Div(x, y *G.Node) *G.Node { return m.binary("Div", (*graph.B).Div, x, y) }

// MatMul returns the matrix product x y: matrix × matrix, matrix × vector,
// or the inner product of two vectors (gorgonia's Mul). Operands of rank
// other than 1 or 2, and inner dimensions that differ, are recorded as an
// error (gorgonia itself would accept two vectors of different lengths and
// fail only when the graph runs).
// On error, as [M.Add].
func (m *M) MatMul(x, y *G.Node) *G.Node {
	return m.binary("MatMul", func(b *graph.B, x, y *G.Node) *G.Node {
		xs, ys := x.Shape(), y.Shape()
		if xs.Dims() < 1 || xs.Dims() > 2 || ys.Dims() < 1 || ys.Dims() > 2 || xs[xs.Dims()-1] != ys[0] {
			b.Fail(fmt.Errorf("MatMul: shapes %v and %v do not multiply", xs, ys))
			return nil
		}
		return b.MatMul(x, y)
	}, x, y)
}

// Neg returns −x elementwise.
// On error, as [M.Add].
func (m *M) Neg(x *G.Node) *G.Node { return m.unary("Neg", (*graph.B).Neg, x) }

// Exp returns eˣ elementwise.
// On error, as [M.Add].
func (m *M) Exp(x *G.Node) *G.Node { return m.unary("Exp", (*graph.B).Exp, x) }

// Log returns the natural logarithm log x elementwise (−∞ at 0, NaN below).
// On error, as [M.Add].
func (m *M) Log(x *G.Node) *G.Node { return m.unary("Log", (*graph.B).Log, x) }

// Log1p returns log(1 + x) elementwise, accurate for small |x|.
// On error, as [M.Add].
func (m *M) Log1p(x *G.Node) *G.Node { return m.unary("Log1p", (*graph.B).Log1p, x) }

// Sqrt returns √x elementwise.
// On error, as [M.Add].
func (m *M) Sqrt(x *G.Node) *G.Node { return m.unary("Sqrt", (*graph.B).Sqrt, x) }

// Square returns x² elementwise.
// On error, as [M.Add].
func (m *M) Square(x *G.Node) *G.Node { return m.unary("Square", (*graph.B).Square, x) }

// Abs returns |x| elementwise.
// On error, as [M.Add].
func (m *M) Abs(x *G.Node) *G.Node { return m.unary("Abs", (*graph.B).Abs, x) }

// Tanh returns tanh x elementwise.
// On error, as [M.Add].
func (m *M) Tanh(x *G.Node) *G.Node { return m.unary("Tanh", (*graph.B).Tanh, x) }

// Softplus returns softplus(x) = log(1 + eˣ) elementwise, a smooth map of
// the reals onto (0, ∞).
// On error, as [M.Add].
func (m *M) Softplus(x *G.Node) *G.Node { return m.unary("Softplus", (*graph.B).Softplus, x) }

// Sigmoid returns the logistic function σ(x) = 1 / (1 + e⁻ˣ) elementwise.
// On error, as [M.Add].
func (m *M) Sigmoid(x *G.Node) *G.Node { return m.unary("Sigmoid", (*graph.B).Sigmoid, x) }

// LogSigmoid returns log σ(x) = −softplus(−x) elementwise, exact for large
// |x| where log(Sigmoid(x)) would round to log 0.
// On error, as [M.Add].
func (m *M) LogSigmoid(x *G.Node) *G.Node {
	return m.unary("LogSigmoid", (*graph.B).LogSigmoid, x)
}

// Apply returns f(x) for a node function f that is not among M's methods
// (for example ops.Lgamma), recording f's error under name.
// On error, as [M.Add].
func (m *M) Apply(name string, f func(*G.Node) (*G.Node, error), x *G.Node) *G.Node {
	return m.unary(name, func(b *graph.B, x *G.Node) *G.Node { return b.Apply(name, f, x) }, x)
}

// Reshape returns x with the given shape, which must hold as many elements
// as x; a shape that does not is recorded as an error.
// On error, as [M.Add].
func (m *M) Reshape(x *G.Node, shape ...int) *G.Node {
	return m.unary("Reshape", func(b *graph.B, x *G.Node) *G.Node { return b.Reshape(x, shape...) }, x)
}

// Sum returns Σ x over the given axes, or over every axis when none are
// given (a scalar). An axis outside x's dimensions, or given twice, is
// recorded as an error. The sum of a scalar is the scalar.
// On error, as [M.Add].
func (m *M) Sum(x *G.Node, axes ...int) *G.Node {
	return m.unary("Sum", func(b *graph.B, x *G.Node) *G.Node {
		if _, err := reduced(x, axes); err != nil {
			b.Fail(fmt.Errorf("Sum: %w", err))
			return nil
		}
		return b.Sum(x, axes...)
	}, x)
}

// Mean returns the mean of x over the given axes, Σ x / n with n the number
// of elements summed, or over every axis when none are given (a scalar).
// Axes are checked as in [M.Sum]. The mean of a scalar is the scalar.
// On error, as [M.Add].
func (m *M) Mean(x *G.Node, axes ...int) *G.Node {
	return m.unary("Mean", func(b *graph.B, x *G.Node) *G.Node {
		n, err := reduced(x, axes)
		if err != nil {
			b.Fail(fmt.Errorf("Mean: %w", err))
			return nil
		}
		if x.IsScalar() {
			return x
		}
		return b.Div(b.Sum(x, axes...), b.Const(float64(n)))
	}, x)
}

// reduced checks the axes of a reduction of x and returns the number of
// elements each output element sums: the product of those axes' lengths,
// or of all of them when axes is empty.
func reduced(x *G.Node, axes []int) (int, error) {
	shape := x.Shape()
	if x.IsScalar() {
		if len(axes) > 0 {
			return 0, fmt.Errorf("axes %v of a scalar", axes)
		}
		return 1, nil
	}
	if len(axes) == 0 {
		return shape.TotalSize(), nil
	}
	n := 1
	seen := make([]bool, shape.Dims())
	for _, a := range axes {
		if a < 0 || a >= shape.Dims() {
			return 0, fmt.Errorf("axis %d outside shape %v", a, shape)
		}
		if seen[a] {
			return 0, fmt.Errorf("axis %d given twice", a)
		}
		seen[a] = true
		n *= shape[a]
	}
	return n, nil
}
