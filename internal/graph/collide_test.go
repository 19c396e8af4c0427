package graph

import (
	"fmt"
	"hash/fnv"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

// collidingNames returns two names whose float64 scalar inputs have the
// same gorgonia hash (found by a birthday search over "v<i>").
func collidingNames(t *testing.T) (string, string) {
	t.Helper()
	prefix := fmt.Sprintf("%v%v", G.Float64, G.NewGraph().Constant(G.NewF64(0)).Shape())
	hashOf := func(name string) uint32 {
		h := fnv.New32a()
		h.Write([]byte(prefix + name + "\x00"))
		return h.Sum32()
	}
	g := G.NewGraph()
	require.Equal(t, hashOf("probe"), G.NewScalar(g, G.Float64, G.WithName("probe")).Hashcode(), "the input hash rule changed")
	seen := map[uint32]string{}
	for i := 0; i < 1<<22; i++ {
		name := fmt.Sprintf("v%d", i)
		h := hashOf(name)
		if other, ok := seen[h]; ok {
			return other, name
		}
		seen[h] = name
	}
	t.Fatal("no collision found")
	return "", ""
}

// TestSeparateCollisions: two different inputs whose names hash alike must
// each keep their own value. Without SeparateCollisions gorgonia's compiler
// reads the second input from the first one's register. (The same op applied
// to both would be merged already when the graph is built: gorgonia's
// nodeEq compares op, type, shape and arity but not the operands. Nothing
// after construction can undo that; see the package documentation.)
func TestSeparateCollisions(t *testing.T) {
	n1, n2 := collidingNames(t)
	run := func(separate bool) (float64, int) {
		g := G.NewGraph()
		a := G.NewScalar(g, G.Float64, G.WithName(n1), G.WithValue(1.0))
		b := G.NewScalar(g, G.Float64, G.WithName(n2), G.WithValue(2.0))
		require.Equal(t, a.Hashcode(), b.Hashcode())
		out := G.Must(G.Sub(G.Must(G.Exp(a)), G.Must(G.Neg(b))))
		changed := 0
		if separate {
			changed = SeparateCollisions(g)
		}
		m := G.NewTapeMachine(g)
		defer m.Close()
		require.NoError(t, m.RunAll())
		return out.Value().Data().(float64), changed
	}
	want := math.Exp(1) + 2
	got, changed := run(true)
	require.InDelta(t, want, got, 1e-12)
	require.Equal(t, 1, changed, "the second input")
	if bad, _ := run(false); math.Abs(bad-want) > 1e-12 {
		t.Logf("gorgonia without the fix: %v (want %v)", bad, want)
	}
}

// TestSeparateCollisionsKeepsGraphs: a graph without collisions is left as
// it is.
func TestSeparateCollisionsKeepsGraphs(t *testing.T) {
	g := G.NewGraph()
	a := G.NewScalar(g, G.Float64, G.WithName(Name(g, "a")))
	b := G.NewScalar(g, G.Float64, G.WithName(Name(g, "b")))
	G.Must(G.Add(G.Must(G.Exp(a)), G.Must(G.Exp(b))))
	require.Zero(t, SeparateCollisions(g))
}
