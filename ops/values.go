package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// floats returns the float64 elements of v in row-major order. The slice
// aliases v's storage when v is a contiguous *tensor.Dense, so callers must
// not write to it unless they own v.
func floats(v G.Value) ([]float64, error) { return floatsOf[float64](v) }

// newLike returns a fresh value of the same kind and shape as v (a *G.F64 for
// scalars) together with its backing slice.
func newLike(v G.Value) (G.Value, []float64) {
	if t, ok := v.(*tensor.Dense); ok && !t.IsScalar() {
		out := tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.Of(tensor.Float64))
		return out, out.Data().([]float64)
	}
	return newShaped(v.Shape())
}

// newShaped returns a fresh zero value of shape s: a *G.F64 for a scalar
// shape, otherwise a *tensor.Dense.
func newShaped(s tensor.Shape) (G.Value, []float64) {
	if s.IsScalar() {
		f := G.NewF64(0)
		return f, nil
	}
	out := tensor.New(tensor.WithShape(s.Clone()...), tensor.Of(tensor.Float64))
	return out, out.Data().([]float64)
}

// newTensor returns a fresh zero float64 tensor of shape s (a scalar
// tensor for a scalar shape) and its backing.
func newTensor(s tensor.Shape) (*tensor.Dense, []float64) {
	t := tensor.New(tensor.WithShape(s...), tensor.Of(tensor.Float64)) // WithShape copies s
	return t, t.Float64s()
}

// setScalar stores the single result of a scalar-shaped computation.
func setScalar(v G.Value, x float64) {
	if f, ok := v.(*G.F64); ok {
		*f = G.F64(x)
	}
}

// addInto adds src elementwise into dst in place; dst must be a *G.F64 or a
// contiguous float64 *tensor.Dense with len(src) elements.
func addInto(dst G.Value, src []float64) error {
	switch t := dst.(type) {
	case *G.F64:
		if len(src) != 1 {
			return fmt.Errorf("gradient of a scalar receives %d values", len(src))
		}
		*t += G.F64(src[0])
		return nil
	case *tensor.Dense:
		if t.Dtype() != tensor.Float64 || t.RequiresIterator() {
			return fmt.Errorf("cannot accumulate into %v tensor", t.Dtype())
		}
		if t.IsScalar() {
			if len(src) != 1 {
				return fmt.Errorf("gradient of a scalar receives %d values", len(src))
			}
			return t.SetAt(t.ScalarValue().(float64)+src[0], 0)
		}
		d := t.Data().([]float64)
		if len(d) != len(src) {
			return fmt.Errorf("gradient has %d elements, want %d", len(d), len(src))
		}
		for i, s := range src {
			d[i] += s
		}
		return nil
	default:
		return fmt.Errorf("cannot accumulate into %T", dst)
	}
}

// valueShaped returns v as a value of shape s, a *G.F64 for a scalar
// shape; v becomes the tensor's backing.
func valueShaped(s tensor.Shape, v []float64) G.Value {
	if s.IsScalar() {
		return G.NewF64(v[0])
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(v))
}

// Widen returns the elements of v, a float64 or float32 value, as float64s
// in row-major order, for custom ops written outside this package that
// compute in float64 whatever the graph's dtype: a float64 v's own storage
// (as Floats), or a float32 v's elements widened (exactly) into buf, grown
// when too short.
func Widen(v G.Value, buf *[]float64) ([]float64, error) {
	if v == nil || v.Dtype() != tensor.Float32 {
		return floats(v)
	}
	xs, err := floatsOf[float32](v)
	if err != nil {
		return nil, err
	}
	if cap(*buf) < len(xs) {
		*buf = make([]float64, len(xs))
	}
	out := (*buf)[:len(xs)]
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out, nil
}

// Floats returns the float64 elements of a gorgonia value (a *G.F64 or a
// float64 *tensor.Dense) in row-major order, for custom ops written outside
// this package. The slice aliases the value's storage when it can: callers
// must not write to it unless they own the value.
func Floats(v G.Value) ([]float64, error) { return floats(v) }

// Scalar returns the single element of a gorgonia value (a *G.F64 or
// *G.F32, or a float64 or float32 tensor of one element, a float32
// converted exactly), for custom ops that take an incoming scalar
// gradient and for reading a loss. It does not allocate for a scalar or a
// tensor.
func Scalar(v G.Value) (float64, error) {
	switch t := v.(type) {
	case *G.F64:
		return float64(*t), nil
	case *G.F32:
		return float64(*t), nil
	case *tensor.Dense:
		if t.Dtype() == tensor.Float32 {
			return scalarOf(t)
		}
		if t.Dtype() != tensor.Float64 {
			return 0, fmt.Errorf("want float64 values, got %v", t.Dtype())
		}
		if t.IsScalar() {
			return t.ScalarValue().(float64), nil
		}
		if d := t.Float64s(); len(d) == 1 {
			return d[0], nil
		}
		return 0, fmt.Errorf("want a scalar, got shape %v", t.Shape())
	}
	xs, err := floats(v)
	if err != nil {
		return 0, err
	}
	if len(xs) != 1 {
		return 0, fmt.Errorf("want a scalar, got %d values", len(xs))
	}
	return xs[0], nil
}
