package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// f32LPTol is the agreement of a float32 graph's log-density with the
// float64 oracle at the float32-rounded parameters and points, relative
// to the largest magnitude entering it (max(1, |value|, |parameters|)): a
// log-density here is a handful of float32 operations (products,
// differences, a log-sum-exp or lgamma computed in float64 and rounded),
// each rounding to 2⁻²⁴ ≈ 6e-8 of its operands, so a few ulps of the
// largest term; 1e-6 is eight ulps. (Logits of 1000 and −1000 cancel
// to a log-probability of order one: the bound is on the terms, as for
// any float32 computation.)
const f32LPTol = 1e-6

// in32 returns a float32 input node of the given shape holding v rounded
// to float32 (a vector when no shape is given).
func in32(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	if len(shape) == 0 {
		shape = []int{len(v)}
	}
	v32 := make([]float32, len(v))
	for i, x := range v {
		v32[i] = float32(x)
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v32))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(graph.Name(g, "v32")), G.WithValue(t))
}

// eval32 runs g and returns the float32 values of outs, widened.
func eval32(t *testing.T, g *G.ExprGraph, outs ...*G.Node) [][]float64 {
	t.Helper()
	vals := make([]G.Value, len(outs))
	for i, o := range outs {
		G.Read(o, &vals[i])
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	res := make([][]float64, len(outs))
	for i, v := range vals {
		require.Equal(t, tensor.Float32, v.Dtype(), "output %d", i)
		switch d := v.Data().(type) {
		case []float32:
			for _, x := range d {
				res[i] = append(res[i], float64(x))
			}
		case float32:
			res[i] = []float64{float64(d)}
		}
	}
	return res
}

// r32 rounds each element of v to float32.
func r32(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

// maxAbs returns max(1, |v|…).
func maxAbs(v ...float64) float64 {
	m := 1.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// float32Graph returns a new graph whose constants are float32.
func float32Graph() *G.ExprGraph {
	g := G.NewGraph()
	graph.SetDtype(g, tensor.Float32)
	return g
}

// TestFloat32DiscreteLogProbs: Bernoulli and Categorical log-masses (the
// discrete estimators' log q and the models' priors) of float32 nodes
// against the oracles of TestBernoulliLogProb and TestCategoricalLogProb
// at the float32-rounded logits, within f32LPTol.
func TestFloat32DiscreteLogProbs(t *testing.T) {
	for _, l := range []float64{0, 0.3, -2, 15, -30, 40, -700, 1e3} {
		g := float32Graph()
		lp, err := Bernoulli{Logits: in32(g, []float64{l, l})}.LogProb(in32(g, []float64{0, 1}))
		require.NoError(t, err)
		got := eval32(t, g, lp)[0]
		oracle := bernoulliOracle(float64(float32(l)))
		for i, x := range []float64{0, 1} {
			near(t, oracle(x), got[i], f32LPTol*maxAbs(l), "Bernoulli logit %v at %v", l, x)
		}
	}
	for _, logits := range [][]float64{{0.1, -0.4, 1.3}, {2, 2, 2, 2}, {1000, 999, 990}, {-1000, -1003, -1001.5}, {-30, 0, 30}} {
		k := len(logits)
		classes := make([]int, k)
		for i := range classes {
			classes[i] = i
		}
		g := float32Graph()
		lp, err := Categorical{Logits: in32(g, logits)}.LogProb(in32(g, oneHot(k, classes...), k, k))
		require.NoError(t, err)
		got := eval32(t, g, lp)[0]
		oracle := categoricalOracle(r32(logits))
		for c := range k {
			near(t, oracle(c), got[c], f32LPTol*maxAbs(logits...), "Categorical %v class %d", logits, c)
		}
	}
}

// TestFloat32DirichletAndSimplex: the Dirichlet log-density (the GMM's
// weights prior: Lgamma of the float32 concentrations, computed in
// float64 and rounded) against TestDirichletLogProb's reference at the
// float32-rounded points, and the stick-breaking bijector's value and
// log|J| against ForwardHost and its float64 graph at the rounded
// unconstrained values, within f32LPTol.
func TestFloat32DirichletAndSimplex(t *testing.T) {
	for _, tc := range []struct {
		alpha []float64
		x     []float64
	}{
		{[]float64{1, 1, 1}, []float64{0.2, 0.3, 0.5}},
		{[]float64{2.5, 0.7, 4}, []float64{0.05, 0.05, 0.9}},
		{[]float64{1e3, 1e3}, []float64{0.48, 0.52}},
	} {
		g := float32Graph()
		d, err := NewDirichlet(g, tc.alpha)
		require.NoError(t, err)
		lp, err := d.LogProb(in32(g, tc.x, 1, len(tc.x)))
		require.NoError(t, err)
		want := dirichletLogProb(r32(tc.alpha), r32(tc.x))
		// Concentrations of 1e3 give terms of size Σα·|log x| ≈ 1.4e3 and
		// log Γ(Σα) ≈ 1.3e4 that cancel to a density of order one.
		big := maxAbs(want, 10*sum(tc.alpha))
		near(t, want, eval32(t, g, lp)[0][0], f32LPTol*big, "Dirichlet %v at %v", tc.alpha, tc.x)
	}
	u := r32([]float64{0.4, -1.2, 2.1, 0.3, -0.7, 1.5})
	g := float32Graph()
	x, ld, err := StickBreaking{}.Forward(in32(g, u, 2, 3))
	require.NoError(t, err)
	got := eval32(t, g, x, ld)
	g64 := G.NewGraph()
	x64, ld64, err := StickBreaking{}.Forward(matIn(g64, 2, 3, u))
	require.NoError(t, err)
	want := evalNodes(t, g64, nil, x64, ld64)
	host := make([]float64, 8)
	StickBreaking{}.ForwardHost(host, u)
	for i := range host {
		near(t, host[i], got[0][i], f32LPTol, "simplex value %d", i)
		near(t, want[0][i], got[0][i], f32LPTol, "simplex value %d vs float64 graph", i)
	}
	for i := range want[1] {
		near(t, want[1][i], got[1][i], f32LPTol*maxAbs(want[1][i]), "log|J| row %d", i)
	}
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
