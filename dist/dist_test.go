package dist

import (
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// vec returns a float64 vector input node holding v.
func vec(g *G.ExprGraph, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewVector(g, tensor.Float64, G.WithShape(len(v)), G.WithName(graph.Name("v")), G.WithValue(t))
}

// eval runs the graph holding n and returns n's value as a slice.
func eval(t *testing.T, n *G.Node) []float64 {
	t.Helper()
	vm := G.NewTapeMachine(n.Graph())
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	switch v := n.Value().(type) {
	case *tensor.Dense:
		return append([]float64(nil), v.Data().([]float64)...)
	case *G.F64:
		return []float64{float64(*v)}
	default:
		t.Fatalf("unexpected value type %T", v)
		return nil
	}
}
