package bnn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/ops"
)

// floatsOf returns the float64 elements of v (see ops.Floats).
func floatsOf(v G.Value) ([]float64, error) { return ops.Floats(v) }

// scalarOf returns the single element of v.
func scalarOf(v G.Value) (float64, error) {
	xs, err := floatsOf(v)
	if err != nil {
		return 0, err
	}
	if len(xs) != 1 {
		return 0, fmt.Errorf("want a scalar, got %d values", len(xs))
	}
	return xs[0], nil
}

// newDense returns a zero float64 tensor of the given shape and its backing.
func newDense(shape ...int) (*tensor.Dense, []float64) {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	return t, t.Float64s()
}

// shapesOf converts the DimSizers gorgonia passes to InferShape.
func shapesOf(name string, in []G.DimSizer, arity int) ([]tensor.Shape, error) {
	s, err := ops.InputShapes(name, in, arity)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	return s, nil
}

// checkF64 rejects nil nodes and nodes that are not float64.
func checkF64(name string, ns ...*G.Node) error {
	for i, n := range ns {
		if n == nil {
			return fmt.Errorf("bnn: %s: input %d is nil", name, i)
		}
		if n.Dtype() != tensor.Float64 {
			return fmt.Errorf("bnn: %s: float64 only, input %d is %v", name, i, n.Dtype())
		}
	}
	return nil
}
