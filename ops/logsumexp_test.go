package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lseTol is the relative agreement with the references below: the max
// shift leaves a few ulps of rounding in m + log Σ exp(x − m).
const lseTol = 1e-15

// lseHost is an independent reference: a two-pass max-shifted sum in the
// plain index arithmetic of a row-major [outer, n, inner] array.
func lseHost(xs []float64, shape []int, axis int) []float64 {
	outer, inner := 1, 1
	for _, v := range shape[:axis] {
		outer *= v
	}
	for _, v := range shape[axis+1:] {
		inner *= v
	}
	n := shape[axis]
	out := make([]float64, outer*inner)
	for o := range outer {
		for i := range inner {
			m := math.Inf(-1)
			for k := range n {
				m = math.Max(m, xs[(o*n+k)*inner+i])
			}
			var s float64
			for k := range n {
				s += math.Exp(xs[(o*n+k)*inner+i] - m)
			}
			out[o*inner+i] = m + math.Log(s)
		}
	}
	return out
}

// lseValueCases are LogSumExp's reference values, every input exact in
// float32 (the float64 and float32 tests share them).
var lseValueCases = func() []struct {
	name string
	x    []float64
	want float64
} {
	inf := math.Inf(1)
	return []struct {
		name string
		x    []float64
		want float64
	}{
		// mpmath: log(e + e² + e³) = 3.4076059644443803045; gorgonia v0.9.18 gives 1.505.
		{"1,2,3", []float64{1, 2, 3}, 3.4076059644443803045},
		{"huge", []float64{1000, 1000}, 1000 + math.Ln2},
		{"huge negative", []float64{-1000, -1000, -1000, -1000}, -1000 + 2*math.Ln2},
		{"far apart", []float64{0, -800}, 0},
		{"single", []float64{-3.5}, -3.5},
		{"with −Inf", []float64{-inf, 0, -inf}, 0},
		{"all −Inf", []float64{-inf, -inf}, -inf},
		{"+Inf", []float64{1, inf}, inf},
		{"NaN", []float64{1, math.NaN(), 2}, math.NaN()},
	}
}()

func TestLogSumExpValues(t *testing.T) {
	for _, tc := range lseValueCases {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			y, err := LogSumExp(vecNode(g, tc.x), 0)
			require.NoError(t, err)
			assert.True(t, y.IsScalar(), "a vector reduces to a scalar")
			got := runTape(t, g, nil, y)[0][0]
			if math.IsNaN(tc.want) {
				assert.True(t, math.IsNaN(got), "got %v", got)
				return
			}
			if math.IsInf(tc.want, 0) {
				assert.Equal(t, tc.want, got)
				return
			}
			assert.InDelta(t, tc.want, got, lseTol*math.Max(1, math.Abs(tc.want)))
		})
	}
}

func TestLogSumExpShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name   string
		shape  []int
		axis   int
		offset float64 // added to every element: checks the max shift
		want   []int
	}{
		{"matrix axis 0", []int{3, 4}, 0, 0, []int{4}},
		{"matrix axis 1", []int{3, 4}, 1, 0, []int{3}},
		{"matrix axis −1", []int{3, 4}, -1, 0, []int{3}},
		{"matrix axis 1 shifted +700", []int{2, 5}, 1, 700, []int{2}},
		{"matrix axis 0 shifted −900", []int{5, 2}, 0, -900, []int{2}},
		{"3-D axis 1", []int{2, 3, 4}, 1, 0, []int{2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 1
			for _, v := range tc.shape {
				n *= v
			}
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = 3*r.NormFloat64() + tc.offset
			}
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, len(tc.shape), G.WithShape(tc.shape...), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(tc.shape...), tensor.WithBacking(xs))))
			y, err := LogSumExp(x, tc.axis)
			require.NoError(t, err)
			assert.Equal(t, tensor.Shape(tc.want), y.Shape())
			lme, err := LogMeanExp(x, tc.axis)
			require.NoError(t, err)
			res := runTape(t, g, nil, y, lme)
			axis := (tc.axis + len(tc.shape)) % len(tc.shape)
			want := lseHost(xs, tc.shape, axis)
			for i := range want {
				assert.InDelta(t, want[i], res[0][i], lseTol*math.Max(1, math.Abs(want[i])), "element %d", i)
				lm := want[i] - math.Log(float64(tc.shape[axis]))
				assert.InDelta(t, lm, res[1][i], lseTol*math.Max(1, math.Abs(lm)), "LogMeanExp element %d", i)
			}
		})
	}
}

// lseGradCases are the shapes and axes the LogSumExp gradient tests run
// in both dtypes.
var lseGradCases = []struct {
	name  string
	shape []int
	axis  int
}{
	{"vector", []int{5}, 0},
	{"matrix axis 0", []int{3, 4}, 0},
	{"matrix axis 1", []int{3, 4}, 1},
	{"3-D axis 2", []int{2, 2, 3}, 2},
}

// TestLogSumExpGradient checks ∂/∂x Σ w⊙LogSumExp(x) against central
// differences of lseHost, and against the closed form w·softmax(x).
func TestLogSumExpGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range lseGradCases {
		t.Run(tc.name, func(t *testing.T) {
			n, m := 1, 1
			for _, v := range tc.shape {
				n *= v
			}
			m = n / tc.shape[tc.axis]
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = 2 * r.NormFloat64()
			}
			xs[0] = math.Inf(-1) // an excluded entry: weight 0, gradient 0
			ws := make([]float64, m)
			for i := range ws {
				ws[i] = r.NormFloat64()
			}
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, len(tc.shape), G.WithShape(tc.shape...), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(tc.shape...), tensor.WithBacking(append([]float64(nil), xs...)))))
			y, err := LogSumExp(x, tc.axis)
			require.NoError(t, err)
			var w *G.Node
			if m == 1 {
				w = G.NewConstant(ws[0], G.In(g), G.WithName("w"))
			} else {
				w = constOf(g, ws, y.Shape()...)
			}
			_, grad := gradOf(t, g, x, y, w)
			cost := func(v []float64) float64 {
				var s float64
				for i, l := range lseHost(v, tc.shape, tc.axis) {
					s += ws[i] * l
				}
				return s
			}
			xfd := append([]float64(nil), xs...)
			xfd[0] = -50 // FD needs finite inputs; exp(−50) is negligible
			want := fd.Gradient(nil, cost, xfd, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			assert.Equal(t, 0.0, grad[0], "gradient at a −Inf entry")
			for i := range want {
				assert.InDelta(t, want[i], grad[i], fdTol*math.Max(1, math.Abs(want[i])), "element %d", i)
			}
		})
	}
}

// TestLogSumExpSecondDerivative checks the Hessian-vector product of a
// vector LogSumExp, H v = p⊙v − p(p·v) with p = softmax(x), obtained by
// differentiating the gradient graph again.
func TestLogSumExpSecondDerivative(t *testing.T) {
	xs := []float64{0.3, -1.2, 2.0, 0.5}
	vs := []float64{1, -2, 0.5, 3}
	g := G.NewGraph()
	x := vecNode(g, xs)
	y, err := LogSumExp(x, 0)
	require.NoError(t, err)
	g1, err := G.Grad(y, x)
	require.NoError(t, err)
	_, hv := gradOf(t, g, x, g1[0], constOf(g, vs, len(vs)))
	lse := lseHost(xs, []int{4}, 0)[0]
	var pv float64
	p := make([]float64, len(xs))
	for i, v := range xs {
		p[i] = math.Exp(v - lse)
		pv += p[i] * vs[i]
	}
	for i := range xs {
		assert.InDelta(t, p[i]*vs[i]-p[i]*pv, hv[i], 1e-15, "element %d", i)
	}
}

func TestLogSumExpDoDiff(t *testing.T) {
	xs := []float64{0.3, -1.2, 2.0, 0.5, 1, 1}
	g := G.NewGraph()
	x := matNode(g, 2, 3, xs)
	y, err := LogSumExp(x, 1)
	require.NoError(t, err)
	_, err = G.Sum(y)
	require.NoError(t, err)
	m := G.NewLispMachine(g)
	defer m.Close()
	require.NoError(t, m.RunAll())
	gv, err := x.Grad()
	require.NoError(t, err)
	got := valuesOf(t, gv)
	lse := lseHost(xs, []int{2, 3}, 1)
	for i, v := range xs {
		assert.InDelta(t, math.Exp(v-lse[i/3]), got[i], 1e-15, "element %d", i)
	}
}

func TestLogSumExpErrors(t *testing.T) {
	g := G.NewGraph()
	_, err := LogSumExp(G.NewScalar(g, tensor.Float64, G.WithName("s")), 0)
	assert.ErrorContains(t, err, "scalar")
	_, err = LogSumExp(matNode(g, 2, 2, []float64{1, 2, 3, 4}), 2)
	assert.ErrorContains(t, err, "axis 2 out of range")
	_, err = LogMeanExp(nil, 0)
	assert.ErrorContains(t, err, "nil node")
	_, err = LogSumExp(G.NewVector(g, tensor.Int, G.WithShape(2), G.WithName("int")), 0)
	assert.ErrorContains(t, err, "float32 or float64 only")
}

func BenchmarkLogSumExp(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	xs := make([]float64, 100*100)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	v := tensor.New(tensor.WithShape(100, 100), tensor.WithBacking(xs))
	op := lseOp{alongOp{axis: 1, dims: 2, shape: tensor.Shape{100, 100}}}
	for b.Loop() {
		if _, err := op.Do(v); err != nil {
			b.Fatal(err)
		}
	}
}
