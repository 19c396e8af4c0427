package special

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/mathext"
)

// gonumDigammaTol is looser than gonumTol because mathext.Digamma itself
// is only good to ~5e-11 (its series in 1/(x − ½) stops at x⁻⁸ after
// recurring to x ≥ 7): at x = 10 it returns 2.2517525890654957 where
// mpmath gives 2.2517525890667211, while ours agrees with mpmath to refTol.
const gonumDigammaTol = 1e-10

// lgammaRefs: log(abs(gamma(x))).
var lgammaRefs = []reference{
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
}

// digammaRefs: psi(0, x).
var digammaRefs = []reference{
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
}

// trigammaRefs: psi(1, x).
var trigammaRefs = []reference{
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
}

// tetragammaRefs: psi(2, x).
var tetragammaRefs = []reference{
	{0.001, -2000000002.3976321648},
	{0.5, -16.828796644234319996},
	{1, -2.4041138063191885708},
	{2, -0.4041138063191885708},
	{9.99, -0.011073070531461051158},
	{10, -0.011049834970802067462},
	{1e5, -1.00001000005e-10},
	{-0.5, -0.8287966442343199956},
	{-2.5, -0.108204051641727403},
}

// lgammaHalfDiffRefs: loggamma(x + 0.5) − loggamma(x).
var lgammaHalfDiffRefs = []reference{
	{0.25, -1.0847415732667820859},
	{1, -0.12078223763524522235},
	{9.5, 1.1124940592842011286},
	{10, 1.138797739322294022},
	{20, 1.4916167873313040736},
	{20.5, 1.5041154862226869199},
	{1000, 3.4537526394962768578},
	{5e+07, 8.8637667791962100814},
	{1e+15, 17.269388197455342505},
}

func TestGammaReferenceValues(t *testing.T) {
	checkReferences(t, "Lgamma", Lgamma, lgammaRefs, refTol)
	checkReferences(t, "Trigamma", Trigamma, trigammaRefs, refTol)
	checkReferences(t, "Tetragamma", Tetragamma, tetragammaRefs, refTol)
	checkReferences(t, "LgammaHalfDiff", LgammaHalfDiff, lgammaHalfDiffRefs, refTol)
	// The recurrence ψ(x) = ψ(x+n) − Σ 1/(x+k) cancels near the root
	// x₀ ≈ 1.4616: the error is absolute where |ψ| < 1.
	var worst float64
	for _, c := range digammaRefs {
		got := Digamma(c.x)
		e := math.Abs(got-c.want) / math.Max(1, math.Abs(c.want))
		worst = math.Max(worst, e)
		assert.LessOrEqual(t, e, refTol, "Digamma(%v) = %v, want %v", c.x, got, c.want)
	}
	t.Logf("Digamma: worst error %.2g", worst)
}

// TestGammaClosedForms checks published values (DLMF 5.4.12–13,
// 5.15.2–3, 5.4.6).
func TestGammaClosedForms(t *testing.T) {
	const eulerGamma = 0.57721566490153286060651209008240243104215933593992
	const zeta3 = 1.2020569031595942853997381615114499907649862923405
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"ψ(1) = −γ", Digamma(1), -eulerGamma},
		{"ψ(½) = −γ − 2 log 2", Digamma(0.5), -eulerGamma - 2*math.Ln2},
		{"ψ(n) = H(n−1) − γ, n = 7", Digamma(7), 1 + 1.0/2 + 1.0/3 + 1.0/4 + 1.0/5 + 1.0/6 - eulerGamma},
		{"ψ′(1) = π²/6", Trigamma(1), math.Pi * math.Pi / 6},
		{"ψ′(½) = π²/2", Trigamma(0.5), math.Pi * math.Pi / 2},
		{"ψ′(−½) = π²/2 + 4", Trigamma(-0.5), math.Pi*math.Pi/2 + 4},
		{"ψ″(1) = −2ζ(3)", Tetragamma(1), -2 * zeta3},
		{"log Γ(½) = ½ log π", Lgamma(0.5), 0.5 * math.Log(math.Pi)},
	} {
		assert.LessOrEqual(t, rel(tc.want, tc.got), refTol, "%s: got %v want %v", tc.name, tc.got, tc.want)
	}
}

func TestGammaAgainstGonum(t *testing.T) {
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
		// Near its root and near the poles the comparison is absolute.
		check("Digamma vs mathext.Digamma", x, mathext.Digamma(x), Digamma(x), 1, gonumDigammaTol)
		if x > 0 {
			// Hurwitz ζ(s, x) = Σ (k + x)⁻ˢ (cephes): ψ′ = ζ(2, x), ψ″ = −2ζ(3, x).
			check("Trigamma vs ζ(2, x)", x, mathext.Zeta(2, x), Trigamma(x), 0, gonumTol)
			check("Tetragamma vs −2ζ(3, x)", x, -2*mathext.Zeta(3, x), Tetragamma(x), 0, gonumTol)
		}
		if x > 0 && x < 170 {
			// math.Gamma uses a separate rational approximation (Cephes gamma.c).
			// log Γ has a root at 1 and 2: absolute comparison near them.
			check("Lgamma vs log Γ", x, math.Log(math.Gamma(x)), Lgamma(x), 1, gonumTol)
		}
	}
	for name, w := range worst {
		t.Logf("%s: worst error %.2g", name, w)
	}
}

// BenchmarkDigamma times ψ on 1000 points of (0.01, 100).
func BenchmarkDigamma(b *testing.B) { benchHost(b, Digamma, 0.01, 100) }

// benchHost times f on 1000 seeded points of (lo, hi) and reports ns per
// element.
func benchHost(b *testing.B, f func(float64) float64, lo, hi float64) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = lo + (hi-lo)*r.Float64()
	}
	var sink float64
	for b.Loop() {
		for _, x := range xs {
			sink += f(x)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/elem")
	_ = sink
}
