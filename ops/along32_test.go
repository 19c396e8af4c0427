package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/graph"
)

// Tolerances of the float32 checks of the ops that widen a float32 input,
// compute in float64 and round the result once (LogSumExp, its softmax,
// StickBreaking, ReduceSum, TileRows).
const (
	// ulp32Tol is one float32 ulp, 2⁻²³ ≈ 1.2e-7, relative: a float64
	// result rounded once to float32 is within half of it of the float64
	// value on the same inputs. The reference values below are for inputs
	// that float32 holds exactly (or for the float32-rounded inputs), so
	// only that rounding separates op and reference.
	ulp32Tol = 0x1p-23
	// tiny32 is the smallest positive float32 (a subnormal, ≈ 1.4e-45): a
	// component below it rounds to 0, so it is the absolute part of the
	// stick-breaking tolerance.
	tiny32 = 0x1p-149
	// fd32Tol: the float32 gradients against central differences of the
	// float64 reference at the float32-rounded inputs. The gradient itself
	// is its float64 value rounded once (1.2e-7 relative); the differences
	// are good to fdTol = 2e-6 (funcs_test.go), which dominates.
	fd32Tol = fdTol + ulp32Tol
)

// round32 returns v's elements rounded to float32 (as float64s).
func round32(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

// node32 returns a float32 input node of the given shape holding v
// rounded to float32.
func node32(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(to32(v)))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(graph.Name(g, "x32")), G.WithValue(t))
}

// run32 runs g, binding dual values for wrt, and returns the values of
// outs widened to float64, after checking that each is float32.
func run32(t *testing.T, g *G.ExprGraph, wrt G.Nodes, outs ...*G.Node) [][]float64 {
	t.Helper()
	vals := runValues(t, g, wrt, outs...)
	res := make([][]float64, len(outs))
	for i, v := range vals {
		require.Equal(t, tensor.Float32, v.Dtype(), "output %d", i)
		xs, err := floatsOf[float32](v)
		require.NoError(t, err)
		res[i] = to64(xs)
	}
	return res
}

// grad32 returns y and the gradient of Σ w⊙y with respect to the float32
// node x, for a float32 y and weights w (rounded to float32; nil: a scalar
// y itself).
func grad32(t *testing.T, g *G.ExprGraph, x, y *G.Node, w []float64) (yv, grad []float64) {
	t.Helper()
	cost := y
	if w != nil {
		cost = G.Must(G.Sum(G.Must(G.HadamardProd(y, node32(g, w, y.Shape()...)))))
	}
	grads, err := G.Grad(cost, x)
	require.NoError(t, err)
	res := run32(t, g, G.Nodes{x}, y, grads[0])
	return res[0], res[1]
}

// TestLogSumExpFloat32Values: the reference values of
// TestLogSumExpValues (every input exact in float32) from a float32 node,
// within one float32 ulp.
func TestLogSumExpFloat32Values(t *testing.T) {
	for _, tc := range lseValueCases {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			y, err := LogSumExp(node32(g, tc.x, len(tc.x)), 0)
			require.NoError(t, err)
			assert.Equal(t, tensor.Float32, y.Dtype())
			got := run32(t, g, nil, y)[0][0]
			assert.True(t, closeRel(tc.want, got, ulp32Tol), "got %v, want %v", got, tc.want)
		})
	}
}

// TestLogSumExpFloat32Shapes: the shapes and max shifts of
// TestLogSumExpShapes in float32, against lseHost on the float32-rounded
// inputs. LogMeanExp subtracts log n in the graph's dtype: three roundings
// (the op's, the constant's and the difference's), each within half an
// ulp of the larger of |LogSumExp| and log n.
func TestLogSumExpFloat32Shapes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name   string
		shape  []int
		axis   int
		offset float64
	}{
		{"matrix axis 0", []int{3, 4}, 0, 0},
		{"matrix axis −1", []int{3, 4}, -1, 0},
		{"matrix axis 1 shifted +700", []int{2, 5}, 1, 700},
		{"matrix axis 0 shifted −900", []int{5, 2}, 0, -900},
		{"3-D axis 1", []int{2, 3, 4}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tensor.Shape(tc.shape).TotalSize()
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = 3*r.NormFloat64() + tc.offset
			}
			xs = round32(xs)
			g := G.NewGraph()
			graph.SetDtype(g, tensor.Float32) // LogMeanExp's constant
			x := node32(g, xs, tc.shape...)
			y, err := LogSumExp(x, tc.axis)
			require.NoError(t, err)
			lme, err := LogMeanExp(x, tc.axis)
			require.NoError(t, err)
			res := run32(t, g, nil, y, lme)
			axis := (tc.axis + len(tc.shape)) % len(tc.shape)
			logN := math.Log(float64(tc.shape[axis]))
			for i, want := range lseHost(xs, tc.shape, axis) {
				assert.InDelta(t, want, res[0][i], ulp32Tol*math.Max(1, math.Abs(want)), "element %d", i)
				big := math.Max(1, math.Max(math.Abs(want), logN))
				assert.InDelta(t, want-logN, res[1][i], 1.5*ulp32Tol*big, "LogMeanExp element %d", i)
			}
		})
	}
}

// TestLogSumExpFloat32Gradient: the cases of TestLogSumExpGradient in
// float32, against central differences (internal/fdcheck) of lseHost at
// the float32-rounded inputs, within fd32Tol.
func TestLogSumExpFloat32Gradient(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range lseGradCases {
		t.Run(tc.name, func(t *testing.T) {
			n := tensor.Shape(tc.shape).TotalSize()
			m := n / tc.shape[tc.axis]
			xs, ws := round32(randVec(r, n, 2)), round32(randVec(r, m, 1))
			xs[0] = math.Inf(-1) // an excluded entry: weight 0, gradient 0
			g := G.NewGraph()
			x := node32(g, xs, tc.shape...)
			y, err := LogSumExp(x, tc.axis)
			require.NoError(t, err)
			if m == 1 {
				y = G.Must(G.Reshape(y, tensor.Shape{1}))
			}
			_, grad := grad32(t, g, x, y, ws)
			cost := func(v []float64) float64 {
				var s float64
				for i, l := range lseHost(v, tc.shape, tc.axis) {
					s += ws[i] * l
				}
				return s
			}
			xfd := append([]float64(nil), xs...)
			xfd[0] = -50 // FD needs finite inputs; exp(−50) is negligible
			want := fdcheck.Grad(cost, xfd, fdStep)
			assert.Equal(t, 0.0, grad[0], "gradient at a −Inf entry")
			assertClose(t, want, grad, fd32Tol, "∂Σw⊙LogSumExp/∂x")
		})
	}
}

// TestStickBreakingFloat32: the cases of TestStickBreakingValues from
// float32 nodes against sbRef at the float32-rounded inputs (within one
// float32 ulp, and tiny32 for components that underflow float32), and the
// gradients of both ops against central differences of sbRef.
func TestStickBreakingFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		name      string
		rows, km1 int
		scale     float64
	}{
		{"K=2", 1, 1, 1},
		{"K=5 ×3 rows", 3, 4, 2},
		{"K=8 extreme", 2, 7, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := round32(randVec(r, tc.rows*tc.km1, tc.scale))
			wy, wl := round32(randVec(r, tc.rows*(tc.km1+1), 1)), round32(randVec(r, tc.rows, 1))
			g := G.NewGraph()
			x := node32(g, xs, tc.rows, tc.km1)
			y, err := StickBreaking(x)
			require.NoError(t, err)
			gotY, gy := grad32(t, g, x, y, wy)
			g2 := G.NewGraph()
			x2 := node32(g2, xs, tc.rows, tc.km1)
			ld, err := StickBreakingLogDet(x2)
			require.NoError(t, err)
			gotL, gl := grad32(t, g2, x2, ld, wl)
			cost := func(v []float64, logDet bool) float64 {
				var s float64
				for row := range tc.rows {
					yr, l := sbRef(v[row*tc.km1 : (row+1)*tc.km1])
					if logDet {
						s += wl[row] * l
						continue
					}
					for k, yk := range yr {
						s += wy[row*(tc.km1+1)+k] * yk
					}
				}
				return s
			}
			for row := range tc.rows {
				wantY, wantLD := sbRef(xs[row*tc.km1 : (row+1)*tc.km1])
				for k, w := range wantY {
					assert.InDelta(t, w, gotY[row*(tc.km1+1)+k], ulp32Tol*w+tiny32, "row %d y[%d]", row, k)
				}
				assert.InDelta(t, wantLD, gotL[row], ulp32Tol*math.Max(1, math.Abs(wantLD)), "row %d log det", row)
			}
			if tc.scale > 10 {
				return // saturated sigmoids: differences of step 1e-6 see only rounding
			}
			assertClose(t, fdcheck.Grad(func(v []float64) float64 { return cost(v, false) }, xs, fdStep), gy, fd32Tol, "∂Σw⊙y/∂x")
			assertClose(t, fdcheck.Grad(func(v []float64) float64 { return cost(v, true) }, xs, fdStep), gl, fd32Tol, "∂Σw⊙logdet/∂x")
		})
	}
}

// TestAlongOpsRefuseMixedDtypes: a gradient op handed values of two
// dtypes fails rather than reading one as the other.
func TestAlongOpsRefuseMixedDtypes(t *testing.T) {
	op := scaleAlongOp(alongOp{axis: 0, dims: 1, shape: tensor.Shape{2}})
	_, err := op.Do(tensor.New(tensor.WithBacking([]float32{1, 2})), G.NewF64(1))
	assert.ErrorContains(t, err, "input 1 is float64, input 0 is float32")
	_, err = sbGradOp{shape: tensor.Shape{1}}.Do(tensor.New(tensor.WithBacking([]float64{1})), tensor.New(tensor.WithBacking([]float32{1, 2})))
	assert.ErrorContains(t, err, "input 1 is float32")
}
