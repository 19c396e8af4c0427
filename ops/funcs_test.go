package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
)

// Tolerances; the worst errors observed are logged by the tests (go test
// -v). The host functions themselves are checked against references in
// internal/special.
const (
	// fdTol bounds |F′ − FD(F)|/max(1, |F′|) for central differences with
	// step h = 1e-5·|x| (1e-5 at 0): truncation ~h²F‴/6, roundoff ~1e-16·|F|/h.
	fdTol = 2e-6
	// gradTol compares a gradient from gorgonia with the host derivative,
	// which it must reproduce to rounding.
	gradTol = 1e-15
	// pi2Over6Tol compares ψ′(1) from Grad of Grad with π²/6 (DLMF 5.15.2):
	// a few ulps.
	pi2Over6Tol = 1e-14
)

// fnChains lists every exported elementwise op with its host function and
// derivative chain, and points to check by finite differences: including
// extremes and both sides of every branch point.
var fnChains = []struct {
	name string
	fn   *UnaryFn
	node func(*G.Node) (*G.Node, error)
	xs   []float64
}{
	{"Lgamma", lgammaFn, Lgamma, []float64{1e-3, 0.3, 1, 2.5, 9.99, 10.01, 150, 1e5, -0.5, -3.7}},
	{"Digamma", digammaFn, Digamma, []float64{1e-3, 0.3, 1, 2.5, 9.99, 10.01, 150, 1e5, -0.5, -3.7}},
	{"Trigamma", trigammaFn, Trigamma, []float64{1e-2, 0.3, 1, 2.5, 9.99, 10.01, 150, 1e5, -0.5, -3.7}},
	{"Softplus", softplusFn, Softplus, []float64{-700, -40, -1, -1e-3, 0, 1e-3, 1, 16, 17, 40, 700}},
	{"LogSigmoid", logSigmoidFn, LogSigmoid, []float64{-700, -40, -1, -1e-3, 0, 1e-3, 1, 16, 40, 700}},
	{"Log1mExp", log1mExpFn, Log1mExp, []float64{-700, -40, -1, -0.6931, -0.6932, -0.1, -1e-3}},
	{"NormCDF", normCDFFn, NormCDF, []float64{-37, -10, -1, 0, 0.5, 3, 8}},
	{"LogNormCDF", logNormCDFFn, LogNormCDF, []float64{-1e4, -100, -40, -20.001, -19.999, -5, -1, 0, 1, 5, 10}},
	{"Erf", erfFn, Erf, []float64{-5, -1, -1e-3, 0, 0.5, 2, 5}},
	{"LgammaHalfDiff", lgammaHalfDiffFn, LgammaHalfDiff, []float64{1e-3, 0.5, 3, 19.999, 20.001, 100, 1e6}},
}

func TestDerivativesFiniteDifferences(t *testing.T) {
	for _, tc := range fnChains {
		t.Run(tc.name, func(t *testing.T) {
			var worst float64
			order := 1
			for f := tc.fn; f.Deriv != nil; f, order = f.Deriv, order+1 {
				for _, x := range tc.xs {
					if order > 1 && math.Abs(x) > 1e3 {
						continue // FD of a derivative ~1/x² at |x| ~ 1e5 is all roundoff
					}
					h := 1e-5 * math.Abs(x) // relative step: poles sit at 0
					if x == 0 {
						h = 1e-5
					}
					want := fd.Derivative(f.F, x, &fd.Settings{Formula: fd.Central, Step: h})
					got := f.Deriv.F(x)
					e := math.Abs(got-want) / math.Max(1, math.Abs(got))
					worst = math.Max(worst, e)
					assert.LessOrEqual(t, e, fdTol, "order %d at x=%v: analytic %v, FD %v", order, x, got, want)
				}
			}
			t.Logf("%s: %d derivative orders, worst FD error %.2g", tc.name, order-1, worst)
		})
	}
}

func TestUnaryGradThroughGraph(t *testing.T) {
	for _, tc := range fnChains {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := vecNode(g, tc.xs)
			y, err := tc.node(x)
			require.NoError(t, err)
			w := make([]float64, len(tc.xs))
			for i := range w {
				w[i] = float64(i) - 2.5
			}
			yv, grad := gradOf(t, g, x, y, constOf(g, w, len(w)))
			for i, v := range tc.xs {
				assert.Equal(t, tc.fn.F(v), yv[i], "value at %v", v)
				assert.InDelta(t, w[i]*tc.fn.Deriv.F(v), grad[i], gradTol*math.Max(1, math.Abs(grad[i])), "grad at %v", v)
			}
		})
	}
}

func TestUnaryScalarInput(t *testing.T) {
	g := G.NewGraph()
	x := G.NewScalar(g, tensor.Float64, G.WithName("x"), G.WithValue(2.5))
	y, err := Lgamma(x)
	require.NoError(t, err)
	yv, grad := gradOf(t, g, x, y, nil)
	assert.InDelta(t, special.Lgamma(2.5), yv[0], 0)
	assert.InDelta(t, special.Digamma(2.5), grad[0], gradTol)
}

// TestUnarySecondDerivative differentiates the gradient node again: the
// second derivative of Lgamma must be the trigamma function, and of
// LogNormCDF the derivative of Mills' ratio.
func TestUnarySecondDerivative(t *testing.T) {
	for _, tc := range []struct {
		name string
		node func(*G.Node) (*G.Node, error)
		d2   func(float64) float64
		xs   []float64
	}{
		{"Lgamma", Lgamma, special.Trigamma, []float64{0.5, 1, 3.5, 40}},
		{"Digamma", Digamma, special.Tetragamma, []float64{0.5, 1, 3.5, 40}},
		{"LogNormCDF", LogNormCDF, special.InvMillsDeriv, []float64{-30, -3, 0, 2}},
		{"LogSigmoid", LogSigmoid, func(x float64) float64 { return -special.SigmoidDeriv(x) }, []float64{-3, 0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := vecNode(g, tc.xs)
			y, err := tc.node(x)
			require.NoError(t, err)
			s, err := G.Sum(y)
			require.NoError(t, err)
			g1, err := G.Grad(s, x)
			require.NoError(t, err)
			_, g2 := gradOf(t, g, x, g1[0], nil)
			for i, v := range tc.xs {
				want := tc.d2(v)
				assert.InDelta(t, want, g2[i], gradTol*math.Max(1, math.Abs(want)), "x=%v", v)
			}
			// The published checks: ψ′(1) = π²/6.
			if tc.name == "Lgamma" {
				assert.InDelta(t, math.Pi*math.Pi/6, g2[1], pi2Over6Tol)
			}
		})
	}
}

// TestUnaryDoDiff exercises the ADOp path through a LispMachine.
func TestUnaryDoDiff(t *testing.T) {
	xs := []float64{0.5, 1, 3.5, 40}
	g := G.NewGraph()
	x := vecNode(g, xs)
	y, err := Lgamma(x)
	require.NoError(t, err)
	s, err := G.Sum(y)
	require.NoError(t, err)
	_ = s
	m := G.NewLispMachine(g)
	defer m.Close()
	require.NoError(t, m.RunAll())
	gv, err := x.Grad()
	require.NoError(t, err)
	got := valuesOf(t, gv)
	for i, v := range xs {
		assert.InDelta(t, special.Digamma(v), got[i], gradTol*math.Max(1, math.Abs(got[i])), "x=%v", v)
	}
}

func TestUnaryErrors(t *testing.T) {
	g := G.NewGraph()
	xi := G.NewVector(g, tensor.Int, G.WithShape(3), G.WithName("xi"))
	_, err := Lgamma(xi)
	assert.ErrorContains(t, err, "float32 or float64 only")
	_, err = Digamma(nil)
	assert.ErrorContains(t, err, "nil node")
	_, err = (&UnaryFn{Name: "empty"}).Apply(vecNode(g, []float64{1}))
	assert.Error(t, err)

	// The third derivative of Digamma is not provided: Grad fails cleanly.
	x := vecNode(g, []float64{1, 2})
	y, err := Trigamma(x)
	require.NoError(t, err)
	d, err := G.Grad(mustSum(t, y), x) // ψ″
	require.NoError(t, err)
	_, err = G.Grad(mustSum(t, d[0]), x) // ψ‴: not available
	assert.ErrorContains(t, err, "tetragamma has no derivative")
}

func mustSum(t *testing.T, n *G.Node) *G.Node {
	t.Helper()
	s, err := G.Sum(n)
	require.NoError(t, err)
	return s
}

func benchUnary(b *testing.B, fn *UnaryFn, lo, hi float64) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = lo + (hi-lo)*r.Float64()
	}
	v := tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(xs))
	op := unaryOp{fn: fn}
	b.ResetTimer()
	for b.Loop() {
		if _, err := op.Do(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/elem")
}

// The benchmarks time the op on 1000 elements (no machine overhead).
func BenchmarkLgamma(b *testing.B)     { benchUnary(b, lgammaFn, 0.01, 100) }
func BenchmarkDigamma(b *testing.B)    { benchUnary(b, digammaFn, 0.01, 100) }
func BenchmarkTrigamma(b *testing.B)   { benchUnary(b, trigammaFn, 0.01, 100) }
func BenchmarkLogNormCDF(b *testing.B) { benchUnary(b, logNormCDFFn, -40, 10) }
func BenchmarkLogSigmoid(b *testing.B) { benchUnary(b, logSigmoidFn, -40, 40) }

func ExampleLgamma() {
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0.5, 4}))))
	y, _ := Lgamma(x)
	s, _ := G.Sum(y)
	dx, _ := G.Grad(s, x) // ψ(x)
	var yv, dv G.Value
	G.Read(y, &yv)
	G.Read(dx[0], &dv)
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log Γ = %.6f\nψ     = %.6f\n", yv.Data(), dv.Data())
	// Output:
	// log Γ = [0.572365 1.791759]
	// ψ     = [-1.963510 1.256118]
}
