package dist

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// Host-side validation and constant nodes for the New* constructors.

// positive rejects values that are not in (0, ∞).
func positive(dist, param string, v float64) error {
	if v > 0 && !math.IsInf(v, 1) {
		return nil
	}
	return &ParamError{Dist: dist, Param: param, Value: v, Want: "positive and finite"}
}

// finite rejects NaN and ±Inf.
func finite(dist, param string, v float64) error {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		return nil
	}
	return &ParamError{Dist: dist, Param: param, Value: v, Want: "finite"}
}

// checkGraph rejects a nil graph.
func checkGraph(dist string, g *G.ExprGraph) error {
	if g == nil {
		return fmt.Errorf("dist: New%s: nil graph", dist)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// vectorConst returns a vector constant of g's dtype (graph.Dtype) holding
// a copy of v, with a unique name.
func vectorConst(g *G.ExprGraph, v []float64) *G.Node {
	var back any = append([]float64(nil), v...)
	if graph.Dtype(g) == tensor.Float32 {
		v32 := make([]float32, len(v))
		for i, x := range v {
			v32[i] = float32(x)
		}
		back = v32
	}
	t := tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(back))
	return G.NewConstant(t, G.In(g), G.WithName(graph.Name(g, "c")))
}

// checkVector validates every element of v with check, naming it param[i],
// and requires at least minLen elements.
func checkVector(dist, param string, v []float64, minLen int, check func(dist, param string, v float64) error) error {
	if len(v) < minLen {
		return fmt.Errorf("dist: %s needs at least %d %s, got %d", dist, minLen, param, len(v))
	}
	for i, x := range v {
		if err := check(dist, fmt.Sprintf("%s[%d]", param, i), x); err != nil {
			return err
		}
	}
	return nil
}

// sumLast sums x over its last axis (a vector gives a scalar) with
// ops.ReduceSum, which unlike gorgonia.Sum keeps a [1, K] input working;
// it records its error in b.
func sumLast(b *graph.B, x *G.Node) *G.Node {
	if b.Err() != nil {
		return nil
	}
	if x == nil {
		b.Fail(fmt.Errorf("Sum: nil operand"))
		return nil
	}
	if x.IsScalar() {
		b.Fail(fmt.Errorf("Sum: want a tensor with a last axis, got a scalar"))
		return nil
	}
	return b.Apply("ReduceSum", func(x *G.Node) (*G.Node, error) { return ops.ReduceSum(x, -1) }, x)
}

// builderFor returns a graph builder on the graph of the first non-nil node;
// when all are nil it returns a builder that has already failed, so that
// nil nodes give errors rather than panics.
func builderFor(nodes ...*G.Node) *graph.B {
	for _, n := range nodes {
		if n != nil {
			return graph.New(n.Graph())
		}
	}
	b := graph.New(nil)
	b.Fail(fmt.Errorf("nil node"))
	return b
}

// CheckConstants checks the parameters of d that are constant nodes (made
// by gorgonia.NewConstant, as the New* constructors and svi's M.Const make
// them) against the constraints of d's Draw: a Normal whose Scale is the
// constant −1 gives a [*ParamError] naming Normal and scale, when the
// model is built rather than as a NaN loss at the first step. Parameters
// the graph computes, and distributions of other packages, are not
// checked (nil is returned).
func CheckConstants(d any) error {
	s, ok := d.(interface {
		Params() []*G.Node
		spec() paramSpec
	})
	if !ok {
		return nil
	}
	ps := s.spec()
	for i, n := range s.Params() {
		vals := constantValues(n)
		if i >= len(ps.params) || vals == nil {
			continue
		}
		p := ps.params[i]
		for j, v := range vals {
			if p.check(ps.dist, p.name, v) == nil {
				continue
			}
			name := p.name
			if len(vals) > 1 {
				name = fmt.Sprintf("%s[%d]", p.name, j)
			}
			return p.check(ps.dist, name, v)
		}
	}
	return nil
}

// constantValues returns the float64 values of a constant node, or nil
// for any other node. Among gorgonia's ops only the constants have a
// Value method.
func constantValues(n *G.Node) []float64 {
	if n == nil {
		return nil
	}
	c, ok := n.Op().(interface{ Value() G.Value })
	if !ok || c.Value() == nil {
		return nil
	}
	switch v := c.Value().Data().(type) {
	case float64:
		return []float64{v}
	case []float64:
		return v
	case float32:
		return []float64{float64(v)}
	case []float32:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	return nil
}
