package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mathext"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tolerances. Relative errors are |got − want|/|want|; the worst errors
// observed are logged by the tests (go test -v).
const (
	// refTol bounds the relative error against the 20-digit reference
	// values below (a few ulps; the largest observed is logged).
	refTol = 1e-14
	// gonumTol bounds the relative error against gonum's independent
	// implementations (mathext.Zeta, math.Gamma) over a grid; both sides
	// carry a few ulps of their own error.
	gonumTol = 1e-13
	// gonumDigammaTol is looser because mathext.Digamma itself is only good
	// to ~5e-11 (its series in 1/(x − ½) stops at x⁻⁸ after recurring to
	// x ≥ 7): at x = 10 it returns 2.2517525890654957 where mpmath gives
	// 2.2517525890667211, while ours agrees with mpmath to refTol.
	gonumDigammaTol = 1e-10
	// fdTol bounds |F′ − FD(F)|/max(1, |F′|) for central differences with
	// step h = 1e-5·|x| (1e-5 at 0): truncation ~h²F‴/6, roundoff ~1e-16·|F|/h.
	fdTol = 2e-6
	// gradTol compares a gradient from gorgonia with the host derivative,
	// which it must reproduce to rounding.
	gradTol = 1e-15
)

// references holds values computed with mpmath 1.3.0 at 80 significant
// digits (mp.dps = 80) at the float64 nearest to each argument, rounded to
// 20 digits: log|Γ| as log(abs(gamma(x))), log Γ(x+½) − log Γ(x) by
// loggamma, ψ⁽ⁿ⁾ as psi(n, x), log σ(x) as
// −log1p(exp(−x)), log(1 − eˣ) as log(−expm1(x)), Φ as ncdf, log Φ as
// log(ncdf(x)) for x < 0 and log1p(−ncdf(−x)) otherwise, and φ/Φ from exp and
// ncdf. Independent spot checks: ψ(1) = −γ, ψ(½) = −γ − 2 log 2,
// ψ′(1) = π²/6, ψ′(½) = π²/2, ψ″(1) = −2ζ(3) (DLMF 5.4.12–13, 5.15.2–3).
var references = map[string][]struct{ x, want float64 }{
	"lgamma": {
		{1e-300, 690.77552789821370518},
		{1e-10, 23.025850929882735237},
		{0.001, 6.9071788853838536617},
		{0.5, 0.57236494292470008707},
		{1, 0.0},
		{1.5, -0.12078223763524522235},
		{2, 0.0},
		{3.5, 1.2009736023470742248},
		{10, 12.801827480081469611},
		{100, 359.13420536957539878},
		{1e5, 1051287.7089736568949},
		{1e10, 220258509288.81058147},
		{1e300, 6.8977552789821374147e+302},
		{-0.5, 1.2655121234846453965},
		{-2.5, -0.056243716497674050673},
		{-100.5, -364.90096830942735182},
	},
	"digamma": {
		{1e-300, -9.9999999999999997494e+299},
		{1e-10, -10000000000.5772153},
		{0.001, -1000.5755719318102797},
		{0.5, -1.9635100260214234794},
		{1, -0.57721566490153286061},
		{1.4616321449683623, -9.2412655217294275168e-17},
		{2, 0.42278433509846713939},
		{6, 1.7061176684318004727},
		{9.5, 2.1977378764029495332},
		{9.999999, 2.2517524839003799798},
		{10, 2.2517525890667211076},
		{100, 4.6001618527380874002},
		{1e5, 11.512920464961895087},
		{1e10, 23.02585092989045684},
		{1e300, 690.77552789821370526},
		{-0.5, 0.036489973978576520559},
		{-2.5, 1.1031566406452431872},
		{-100.5, 4.6151246013380641173},
	},
	"trigamma": {
		{1e-150, 9.9999999999999998741e+299},
		{1e-10, 99999999999999992715.0},
		{0.001, 1000001.6425331958273},
		{0.5, 4.9348022005446793094},
		{1, 1.6449340668482264365},
		{2, 0.64493406684822643647},
		{6, 0.18132295573711532536},
		{9.99, 0.10527695014824178439},
		{10, 0.10516633568168574612},
		{100, 0.010050166663333571395},
		{1e5, 0.000010000050000166666667},
		{1e10, 1.00000000005e-10},
		{1e200, 1.0000000000000000303e-200},
		{-0.5, 8.9348022005446793094},
		{-2.5, 9.5392466449891237539},
		{-100.5, 9.859703491870086152},
	},
	"tetragamma": {
		{0.001, -2000000002.3976321648},
		{0.5, -16.828796644234319996},
		{1, -2.4041138063191885708},
		{2, -0.4041138063191885708},
		{9.99, -0.011073070531461051158},
		{10, -0.011049834970802067462},
		{1e5, -1.00001000005e-10},
		{-0.5, -0.8287966442343199956},
		{-2.5, -0.108204051641727403},
	},
	"logsigmoid": {
		{-1000, -1000.0},
		{-40, -40.000000000000000004},
		{-20, -20.00000000206115362},
		{-1, -1.313261687518222834},
		{0, -0.69314718055994530942},
		{1, -0.31326168751822283405},
		{20, -2.0611536203143807032e-9},
		{40, -4.2483542552915889863e-18},
		{800, -3.6678745841776872135e-348},
	},
	"softplus": {
		{-800, 3.6678745841776872135e-348},
		{-40, 4.2483542552915889863e-18},
		{-1, 0.31326168751822283405},
		{0, 0.69314718055994530942},
		{1, 1.313261687518222834},
		{16, 16.000000112535168387},
		{20, 20.00000000206115362},
		{40, 40.000000000000000004},
		{1000, 1000.0},
	},
	"log1mexp": {
		{-1e-300, -690.77552789821370518},
		{-1e-20, -46.051701859880913735},
		{-1e-10, -23.025850929990456804},
		{-0.5, -0.93275212956718857189},
		{-0.6931471805599453, -0.69314718055994533261},
		{-0.7, -0.6863410028083851535},
		{-1, -0.45867514538708189102},
		{-10, -0.000045400960370489209504},
		{-50, -1.928749847963917783e-22},
		{-800, 0.0},
	},
	"normcdf": {
		{-38, 2.8854283600687843084e-316},
		{-30, 4.9067139271481870595e-198},
		{-20, 2.7536241186062336951e-89},
		{-10, 7.619853024160526066e-24},
		{-5, 2.8665157187919391167e-7},
		{-1, 0.15865525393145705141},
		{0, 0.5},
		{1, 0.84134474606854294859},
		{5, 0.99999971334842812081},
		{8, 0.9999999999999993779},
	},
	"lognormcdf": {
		{-1e100, -5.000000000000000159e+199},
		{-1e5, -5000000012.4318639983},
		{-1000, -500007.82669481218431},
		{-100, -5005.5242086942050886},
		{-40, -804.60844201375378817},
		{-30, -454.32124395634319711},
		{-20.000000001, -203.91715539114701866},
		{-20, -203.91715537109726394},
		{-19.99999999, -203.91715517059971671},
		{-10, -53.231285150512470578},
		{-5, -15.064998393988725736},
		{-1, -1.8410216450092635058},
		{0, -0.69314718055994530942},
		{1, -0.17275377902344988953},
		{5, -2.8665161296376359338e-7},
		{10, -7.619853024160526066e-24},
		{30, -4.9067139271481870595e-198},
	},
	"erf": {
		{-6, -0.99999999999999997848},
		{-1, -0.84270079294971486934},
		{-1e-10, -1.128379167095512615e-10},
		{0.5, 0.52049987781304653768},
		{1, 0.84270079294971486934},
		{3, 0.99997790950300141456},
	},
	"lgammahalfdiff": {
		{0.25, -1.0847415732667820859},
		{1, -0.12078223763524522235},
		{9.5, 1.1124940592842011286},
		{10, 1.138797739322294022},
		{20, 1.4916167873313040736},
		{20.5, 1.5041154862226869199},
		{1000, 3.4537526394962768578},
		{5e+07, 8.8637667791962100814},
		{1e+15, 17.269388197455342505},
	},
	"invmills": {
		{-1e5, 100000.00001},
		{-1000, 1000.00099999800001},
		{-40, 40.024968847207263723},
		{-20.000000001, 20.049753069525387363},
		{-20, 20.049753068527850542},
		{-19.99999999, 20.049753058552482333},
		{-5, 5.1865039671258421156},
		{0, 0.79788456080286535588},
		{5, 1.4867199409049057124e-6},
		{30, 1.473646134878547519e-196},
	},
}

var hostFns = map[string]func(float64) float64{
	"lgamma":         lgamma,
	"digamma":        digamma,
	"trigamma":       trigamma,
	"tetragamma":     tetragamma,
	"logsigmoid":     logSigmoid,
	"softplus":       softplus,
	"log1mexp":       log1mExp,
	"normcdf":        normCDF,
	"lognormcdf":     logNormCDF,
	"erf":            math.Erf,
	"invmills":       invMills,
	"lgammahalfdiff": lgammaHalfDiff,
}

// rel returns the relative error of got, or the absolute one when want is 0.
func rel(want, got float64) float64 {
	if want == got {
		return 0
	}
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func TestSpecialReferenceValues(t *testing.T) {
	for name, cases := range references {
		t.Run(name, func(t *testing.T) {
			f := hostFns[name]
			require.NotNil(t, f)
			var worst float64
			for _, c := range cases {
				got := f(c.x)
				e := rel(c.want, got)
				if name == "digamma" {
					// The recurrence ψ(x) = ψ(x+n) − Σ 1/(x+k) cancels near
					// the root x₀ ≈ 1.4616: absolute error where |ψ| < 1.
					e = math.Abs(got-c.want) / math.Max(1, math.Abs(c.want))
				}
				worst = math.Max(worst, e)
				assert.LessOrEqual(t, e, refTol, "%s(%v) = %v, want %v", name, c.x, got, c.want)
			}
			t.Logf("%s: worst relative error %.2g", name, worst)
		})
	}
}

func TestSpecialClosedForms(t *testing.T) {
	const eulerGamma = 0.57721566490153286060651209008240243104215933593992
	const zeta3 = 1.2020569031595942853997381615114499907649862923405
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"ψ(1) = −γ", digamma(1), -eulerGamma},
		{"ψ(½) = −γ − 2 log 2", digamma(0.5), -eulerGamma - 2*math.Ln2},
		{"ψ(n) = H(n−1) − γ, n = 7", digamma(7), 1 + 1.0/2 + 1.0/3 + 1.0/4 + 1.0/5 + 1.0/6 - eulerGamma},
		{"ψ′(1) = π²/6", trigamma(1), math.Pi * math.Pi / 6},
		{"ψ′(½) = π²/2", trigamma(0.5), math.Pi * math.Pi / 2},
		{"ψ′(−½) = π²/2 + 4", trigamma(-0.5), math.Pi*math.Pi/2 + 4},
		{"ψ″(1) = −2ζ(3)", tetragamma(1), -2 * zeta3},
		{"log Γ(½) = ½ log π", lgamma(0.5), 0.5 * math.Log(math.Pi)},
		{"log σ(0) = −log 2", logSigmoid(0), -math.Ln2},
		{"Φ(0) = ½", normCDF(0), 0.5},
		{"log Φ(0) = −log 2", logNormCDF(0), -math.Ln2},
		{"log(1 − e^{−log 2}) = −log 2", log1mExp(-math.Ln2), -math.Ln2},
	} {
		assert.LessOrEqual(t, rel(tc.want, tc.got), refTol, "%s: got %v want %v", tc.name, tc.got, tc.want)
	}
}

func TestSpecialAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var grid []float64
	for range 2000 {
		grid = append(grid, math.Exp(r.Float64()*20-10)) // x ∈ (4.5e-5, 2.2e4), log-uniform
	}
	for range 500 {
		grid = append(grid, r.Float64()*60-30) // includes negatives
	}
	grid = append(grid, 9.999999999999998, 10, 10.000000000000002, 1e-300, 1e8)
	worst := map[string]float64{}
	check := func(name string, x, want, got float64, absNear, tol float64) {
		t.Helper()
		if math.IsNaN(want) && math.IsNaN(got) {
			return
		}
		e := rel(want, got)
		if math.Abs(want) < absNear {
			e = math.Abs(got - want)
		}
		worst[name] = math.Max(worst[name], e)
		if e > tol {
			t.Errorf("%s(%v) = %v, reference %v (error %.2g)", name, x, got, want, e)
		}
	}
	for _, x := range grid {
		if x == math.Floor(x) && x <= 0 {
			continue
		}
		// Digamma: gonum's reflection + recurrence to 7 + series in 1/(x−½).
		// Near its root and near the poles the comparison is absolute, scaled
		// by the conditioning |x ψ′(x)|.
		check("digamma vs mathext.Digamma", x, mathext.Digamma(x), digamma(x), 1, gonumDigammaTol)
		if x > 0 {
			// Hurwitz ζ(s, x) = Σ (k + x)⁻ˢ (cephes): ψ′ = ζ(2, x), ψ″ = −2ζ(3, x).
			check("trigamma vs ζ(2, x)", x, mathext.Zeta(2, x), trigamma(x), 0, gonumTol)
			check("tetragamma vs −2ζ(3, x)", x, -2*mathext.Zeta(3, x), tetragamma(x), 0, gonumTol)
		}
		if x > 0 && x < 170 {
			// math.Gamma uses a separate rational approximation (Cephes gamma.c).
			// log Γ has a root at 1 and 2: absolute comparison near them.
			check("lgamma vs log Γ", x, math.Log(math.Gamma(x)), lgamma(x), 1, gonumTol)
		}
	}
	for name, w := range worst {
		t.Logf("%s: worst error %.2g", name, w)
	}
}

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
	assert.InDelta(t, lgamma(2.5), yv[0], 0)
	assert.InDelta(t, digamma(2.5), grad[0], gradTol)
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
		{"Lgamma", Lgamma, trigamma, []float64{0.5, 1, 3.5, 40}},
		{"Digamma", Digamma, tetragamma, []float64{0.5, 1, 3.5, 40}},
		{"LogNormCDF", LogNormCDF, invMillsDeriv, []float64{-30, -3, 0, 2}},
		{"LogSigmoid", LogSigmoid, func(x float64) float64 { return -sigmoidDeriv(x) }, []float64{-3, 0, 2}},
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
				assert.InDelta(t, math.Pi*math.Pi/6, g2[1], refTol)
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
		assert.InDelta(t, digamma(v), got[i], gradTol*math.Max(1, math.Abs(got[i])), "x=%v", v)
	}
}

func TestUnaryErrors(t *testing.T) {
	g := G.NewGraph()
	x32 := G.NewVector(g, tensor.Float32, G.WithShape(3), G.WithName("x32"))
	_, err := Lgamma(x32)
	assert.ErrorContains(t, err, "float64 only")
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
	op := unaryOp{fn}
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
