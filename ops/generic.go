package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Float is the element type of the ops that support both float dtypes
// (see "Dtypes" in the package comment).
type Float interface{ ~float32 | ~float64 }

// dtypeOf returns the tensor dtype of T.
func dtypeOf[T Float]() tensor.Dtype {
	var z T
	if _, ok := any(z).(float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

// floatsOf returns the elements of v as []T in row-major order, aliasing
// v's storage when v is a contiguous *tensor.Dense (callers must not write
// to it unless they own v). A value of the other dtype is an error.
func floatsOf[T Float](v G.Value) ([]T, error) {
	if v == nil {
		return nil, fmt.Errorf("nil value")
	}
	if dt := v.Dtype(); dt != dtypeOf[T]() {
		return nil, fmt.Errorf("want %v values, got %v", dtypeOf[T](), dt)
	}
	switch t := v.(type) {
	case *G.F64:
		return []T{T(*t)}, nil
	case *G.F32:
		return []T{T(*t)}, nil
	case *tensor.Dense:
		if t.IsScalar() {
			return []T{t.ScalarValue().(T)}, nil
		}
		if t.IsMaterializable() || t.RequiresIterator() {
			m, ok := t.Materialize().(*tensor.Dense)
			if !ok {
				return nil, fmt.Errorf("cannot materialize %v", t.Shape())
			}
			t = m
		}
		return typedData[T](t), nil
	default:
		if d, ok := v.Data().(T); ok {
			return []T{d}, nil
		}
		if d, ok := v.Data().([]T); ok && v.Shape().TotalSize() == len(d) {
			return d, nil
		}
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
}

// floatInputsOf is FloatInputs for element type T.
func floatInputsOf[T Float](name string, in []G.Value, arity int) ([][]T, error) {
	if len(in) != arity {
		return nil, fmt.Errorf("%s takes %d inputs, got %d", name, arity, len(in))
	}
	v := make([][]T, arity)
	for i := range in {
		var err error
		if v[i], err = floatsOf[T](in[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return v, nil
}

// scalarOf returns the single element of v, of either float dtype, as a
// float64 (exact for a float32).
func scalarOf(v G.Value) (float64, error) {
	switch t := v.(type) {
	case *G.F64:
		return float64(*t), nil
	case *G.F32:
		return float64(*t), nil
	case *tensor.Dense:
		if t.Shape().TotalSize() != 1 {
			return 0, fmt.Errorf("want a scalar, got shape %v", t.Shape())
		}
		switch d := t.Data().(type) {
		case float64:
			return d, nil
		case float32:
			return float64(d), nil
		case []float64:
			return d[0], nil
		case []float32:
			return float64(d[0]), nil
		}
		return 0, fmt.Errorf("want float values, got %v", t.Dtype())
	case nil:
		return 0, fmt.Errorf("nil value")
	}
	return 0, fmt.Errorf("unsupported value type %T", v)
}

// scalarValue returns x as a gorgonia scalar of element type T.
func scalarValue[T Float](x float64) G.Value {
	if dtypeOf[T]() == tensor.Float32 {
		return G.NewF32(float32(x))
	}
	return G.NewF64(x)
}

// shapedOf returns v as a value of shape s, a scalar of T for a scalar
// shape; v becomes the tensor's backing.
func shapedOf[T Float](s tensor.Shape, v []T) G.Value {
	if s.IsScalar() {
		return scalarValue[T](float64(v[0]))
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(v))
}

// bufGet is OutBuf.Get for element type T: a tensor of the given shape and
// dtype and its backing, the previous run's when it fits, zeroed when zero
// is set (a new tensor is always zero).
func bufGet[T Float](b *OutBuf, zero bool, shape ...int) (*tensor.Dense, []T) {
	if b != nil {
		if t, ok := b.v.(*tensor.Dense); ok && t.Dtype() == dtypeOf[T]() && t.Shape().Eq(tensor.Shape(shape)) {
			d := typedData[T](t)
			if zero {
				clear(d)
			}
			return t, d
		}
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(dtypeOf[T]()))
	if b != nil {
		b.v = t
	}
	return t, typedData[T](t)
}

// bufLike is OutBuf.like for element type T: a value shaped as s (a
// scalar of T, with a nil backing, for a scalar shape), the previous run's
// when it fits; its contents are stale.
func bufLike[T Float](b *OutBuf, s tensor.Shape) (G.Value, []T) {
	if b.v != nil && b.v.Dtype() == dtypeOf[T]() && b.v.Shape().Eq(s) {
		if s.IsScalar() {
			return b.v, nil
		}
		if t, ok := b.v.(*tensor.Dense); ok {
			return t, typedData[T](t)
		}
		return b.v, b.v.Data().([]T)
	}
	if s.IsScalar() {
		b.v = scalarValue[T](0)
		return b.v, nil
	}
	t := tensor.New(tensor.WithShape(s.Clone()...), tensor.Of(dtypeOf[T]()))
	b.v = t
	return t, typedData[T](t)
}

// typedData returns the backing of t, a tensor of T's dtype, without
// boxing it in an interface as Dense.Data does (an allocation per call).
func typedData[T Float](t *tensor.Dense) []T {
	if dtypeOf[T]() == tensor.Float32 {
		return any(t.Float32s()).([]T)
	}
	return any(t.Float64s()).([]T)
}

// setScalarOf stores x in a scalar value made by scalarValue.
func setScalarOf(v G.Value, x float64) {
	switch f := v.(type) {
	case *G.F64:
		*f = G.F64(x)
	case *G.F32:
		*f = G.F32(float32(x))
	}
}

// checkFloat rejects nil nodes, nodes whose dtype is neither float32 nor
// float64, and inputs of mixed dtypes, for the ops that support both.
func checkFloat(name string, xs ...*G.Node) error {
	for i, x := range xs {
		if x == nil {
			return fmt.Errorf("ops: %s: input %d is a nil node", name, i)
		}
		dt := x.Dtype()
		if dt != tensor.Float64 && dt != tensor.Float32 {
			return fmt.Errorf("ops: %s: float32 or float64 only, input %d is %v", name, i, dt)
		}
		if dt != xs[0].Dtype() {
			return fmt.Errorf("ops: %s: input %d is %v, input 0 is %v", name, i, dt, xs[0].Dtype())
		}
	}
	return nil
}

// isFloat32 reports whether the first of an op's input values is float32:
// the ops that support both dtypes dispatch on it (checkFloat made every
// input of a node the same dtype, and floatsOf checks it again).
func isFloat32(in []G.Value) bool {
	return len(in) > 0 && in[0] != nil && in[0].Dtype() == tensor.Float32
}

// wideIn returns the elements of v, a float64 or float32 value, as
// float64s (see widened: a float64 v's own storage, which callers must not
// write to), and whether v is float32. The ops that compute in float64
// whatever their dtype (the reductions along an axis, StickBreaking,
// TileRows) read their inputs with it and write their results with
// narrowed.
func wideIn(v G.Value) ([]float64, bool, error) {
	xs, err := widened(v)
	return xs, v != nil && v.Dtype() == tensor.Float32, err
}

// narrowed returns v, computed in float64, as a value of shape s: v itself
// as its backing for float64, rounded to float32 when f32 (a scalar of the
// dtype for a scalar shape).
func narrowed(s tensor.Shape, v []float64, f32 bool) G.Value {
	if !f32 {
		return valueShaped(s, v)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return shapedOf[float32](s, out)
}

// sameDtype reports an error unless every value is of the first one's
// dtype (the two inputs of a gradient op, say).
func sameDtype(in ...G.Value) error {
	for i, v := range in {
		if v == nil {
			return fmt.Errorf("input %d is nil", i)
		}
		if v.Dtype() != in[0].Dtype() {
			return fmt.Errorf("input %d is %v, input 0 is %v", i, v.Dtype(), in[0].Dtype())
		}
	}
	return nil
}
