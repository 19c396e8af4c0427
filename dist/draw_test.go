package dist

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

// rsampleTol bounds the scaled difference between Draw and Rsample from the
// same noise: both evaluate the same expression in float64, and exp/log
// may differ in the last bit between gorgonia and package math.
const rsampleTol = 1e-15

// moments is what the oracles provide (gonum's distuv types have both).
type moments interface {
	Mean() float64
	Variance() float64
}

// halfNormalMoments are the textbook moments of |N(0, σ²)|:
// mean σ√(2/π), variance σ²(1 − 2/π).
type halfNormalMoments struct{ sigma float64 }

func (h halfNormalMoments) Mean() float64     { return h.sigma * math.Sqrt(2/math.Pi) }
func (h halfNormalMoments) Variance() float64 { return h.sigma * h.sigma * (1 - 2/math.Pi) }

// drawCase is one row of the Draw tables for distributions with one value
// per element: two settings a and b of the parameters (one value each, in
// the order of Params) and an oracle for the moments of a setting.
type drawCase struct {
	name   string
	d      Drawer
	a, b   []float64
	oracle func(p []float64) moments
}

func drawCases() []drawCase {
	logistic := func(l float64) float64 { return 1 / (1 + math.Exp(-l)) }
	return []drawCase{
		{"Normal", Normal{}, []float64{1.5, 2}, []float64{-3, 2},
			func(p []float64) moments { return distuv.Normal{Mu: p[0], Sigma: p[1]} }},
		{"LogNormal", LogNormal{}, []float64{0.2, 0.5}, []float64{-1, 0.5},
			func(p []float64) moments { return distuv.LogNormal{Mu: p[0], Sigma: p[1]} }},
		{"HalfNormal", HalfNormal{}, []float64{1.5}, []float64{0.3},
			func(p []float64) moments { return halfNormalMoments{p[0]} }},
		{"Exponential", Exponential{}, []float64{2}, []float64{0.25},
			func(p []float64) moments { return distuv.Exponential{Rate: p[0]} }},
		// Concentration 0.1 takes gonum's small-shape branch, 2.5 the other.
		{"Gamma", Gamma{}, []float64{2.5, 1.5}, []float64{0.1, 1.5},
			func(p []float64) moments { return distuv.Gamma{Alpha: p[0], Beta: p[1]} }},
		// Concentration 0.5 < 1 draws its gammas through Gamma(1.5)·U².
		{"Beta", Beta{}, []float64{2, 5}, []float64{0.5, 5},
			func(p []float64) moments { return distuv.Beta{Alpha: p[0], Beta: p[1]} }},
		// About half the Gamma(10⁻³) variates round to 0: distuv.Beta.Rand
		// would return NaN for about 22% of the draws with α = β = 10⁻³.
		{"Beta tiny concentrations", Beta{}, []float64{1e-3, 1e-3}, []float64{1e-3, 2e-3},
			func(p []float64) moments { return distuv.Beta{Alpha: p[0], Beta: p[1]} }},
		// ν = 10 > 8 keeps the sample variance's own variance finite.
		{"StudentT", StudentT{}, []float64{10, 1, 2}, []float64{10, -2, 0.5},
			func(p []float64) moments { return distuv.StudentsT{Nu: p[0], Mu: p[1], Sigma: p[2]} }},
		{"Laplace", Laplace{}, []float64{1, 0.5}, []float64{-4, 0.5},
			func(p []float64) moments { return distuv.Laplace{Mu: p[0], Scale: p[1]} }},
		{"Bernoulli", Bernoulli{}, []float64{0.3}, []float64{-2},
			func(p []float64) moments { return distuv.Bernoulli{P: logistic(p[0])} }},
		// Rates below and above 10 take gonum's two algorithms.
		{"Poisson", Poisson{}, []float64{3.5}, []float64{40},
			func(p []float64) moments { return distuv.Poisson{Lambda: p[0]} }},
	}
}

// mixedParams passes each parameter that is equal in a and b once
// (broadcast) and the others as n values alternating a, b, a, ….
func mixedParams(a, b []float64, n int) [][]float64 {
	params := make([][]float64, len(a))
	for j := range a {
		if a[j] == b[j] {
			params[j] = []float64{a[j]}
			continue
		}
		params[j] = cycleRows(n, []float64{a[j]}, []float64{b[j]})
	}
	return params
}

// cycleRows returns n rows, row i being rows[i%len(rows)], concatenated.
func cycleRows(n int, rows ...[]float64) []float64 {
	out := make([]float64, 0, n*len(rows[0]))
	for i := range n {
		out = append(out, rows[i%len(rows)]...)
	}
	return out
}

// every returns xs[off], xs[off+step], ….
func every(xs []float64, off, step int) []float64 {
	out := make([]float64, 0, len(xs)/step+1)
	for i := off; i < len(xs); i += step {
		out = append(out, xs[i])
	}
	return out
}

// TestDrawMoments draws mcDraws elements whose even elements follow
// setting a and odd ones setting b, with the parameters they share
// broadcast, and checks each half's mean and variance (10⁵ draws each)
// against the oracle within mcSigmas standard errors.
func TestDrawMoments(t *testing.T) {
	for i, tc := range drawCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := make([]float64, mcDraws)
			require.NoError(t, tc.d.Draw(dst, mixedParams(tc.a, tc.b, mcDraws), rand.New(rand.NewPCG(uint64(i), 99))))
			for half, p := range [][]float64{tc.a, tc.b} {
				m := tc.oracle(p)
				checkMoments(t, every(dst, half, 2), m.Mean(), m.Variance())
			}
		})
	}
}

// TestDrawBroadcastAndSeed checks that a parameter given once draws the
// same numbers as the same value repeated for every element, that a seed
// fixes the draws and that another seed changes them.
func TestDrawBroadcastAndSeed(t *testing.T) {
	const n = 64
	for _, tc := range drawCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			once, repeated := make([][]float64, len(tc.a)), make([][]float64, len(tc.a))
			for j, v := range tc.a {
				once[j], repeated[j] = []float64{v}, fill(n, v)
			}
			draw := func(params [][]float64, seed uint64) []float64 {
				dst := make([]float64, n)
				require.NoError(t, tc.d.Draw(dst, params, rand.New(rand.NewPCG(seed, 1))))
				return dst
			}
			want := draw(once, 5)
			assert.Equal(t, want, draw(repeated, 5), "broadcast versus repeated values")
			assert.Equal(t, want, draw(once, 5), "same seed")
			assert.NotEqual(t, want, draw(once, 6), "another seed")
		})
	}
}

// TestDrawMatchesRsample checks that the reparameterized distributions
// draw what Rsample computes from noise filled from the same seed.
func TestDrawMatchesRsample(t *testing.T) {
	type rsampleDrawer interface {
		Rsampler
		Drawer
	}
	for _, tc := range []struct {
		name   string
		build  func(g *G.ExprGraph) (rsampleDrawer, error)
		fill   func([]float64, *rand.Rand)
		params [][]float64
	}{
		{"Normal", func(g *G.ExprGraph) (rsampleDrawer, error) { return NewNormal(g, 1, 2) }, FillStdNormal, [][]float64{{1}, {2}}},
		{"LogNormal", func(g *G.ExprGraph) (rsampleDrawer, error) { return NewLogNormal(g, 0.5, 0.7) }, FillStdNormal, [][]float64{{0.5}, {0.7}}},
		{"HalfNormal", func(g *G.ExprGraph) (rsampleDrawer, error) { return NewHalfNormal(g, 3) }, FillStdNormal, [][]float64{{3}}},
		{"Exponential", func(g *G.ExprGraph) (rsampleDrawer, error) { return NewExponential(g, 0.4) }, FillStdExponential, [][]float64{{0.4}}},
		{"Laplace", func(g *G.ExprGraph) (rsampleDrawer, error) { return NewLaplace(g, -1, 0.3) }, FillCenteredUniform, [][]float64{{-1}, {0.3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d rsampleDrawer
			want := rsampleDraws(t, func(g *G.ExprGraph) (Rsampler, error) {
				var err error
				d, err = tc.build(g)
				return d, err
			}, tc.fill, 11)
			got := make([]float64, len(want))
			require.NoError(t, d.Draw(got, tc.params, rand.New(rand.NewPCG(11, 12))))
			var worst float64
			for i := range want {
				worst = math.Max(worst, near(t, want[i], got[i], rsampleTol, "draw %d", i))
			}
			t.Logf("worst scaled difference from Rsample over %d draws: %.2g", len(want), worst)
		})
	}
}

// TestDrawParams checks that Params lists the fields in Draw's order.
func TestDrawParams(t *testing.T) {
	g := G.NewGraph()
	x, y, z := scalarIn(g, 1), scalarIn(g, 2), scalarIn(g, 3)
	for _, tc := range []struct {
		d    Drawer
		want []*G.Node
	}{
		{Normal{Loc: x, Scale: y}, []*G.Node{x, y}},
		{LogNormal{Loc: x, Scale: y}, []*G.Node{x, y}},
		{HalfNormal{Scale: x}, []*G.Node{x}},
		{Exponential{Rate: x}, []*G.Node{x}},
		{Gamma{Concentration: x, Rate: y}, []*G.Node{x, y}},
		{Beta{Concentration1: x, Concentration0: y}, []*G.Node{x, y}},
		{StudentT{DF: x, Loc: y, Scale: z}, []*G.Node{x, y, z}},
		{Laplace{Loc: x, Scale: y}, []*G.Node{x, y}},
		{Bernoulli{Logits: x}, []*G.Node{x}},
		{Poisson{Rate: x}, []*G.Node{x}},
		{Categorical{Logits: x}, []*G.Node{x}},
		{Dirichlet{Concentration: x}, []*G.Node{x}},
	} {
		assert.Equal(t, tc.want, tc.d.Params(), "%T", tc.d)
	}
}

func TestDrawErrors(t *testing.T) {
	g := G.NewGraph()
	logits3, conc3 := vec(g, []float64{0, 1, 2}), vec(g, []float64{1, 1, 1})
	nan, inf := math.NaN(), math.Inf(1)
	const r, noR = true, false // whether Draw gets a source
	for _, tc := range []struct {
		name   string
		d      Drawer
		n      int
		params [][]float64
		withR  bool
		msg    string
		param  bool // a *ParamError
	}{
		{"nil source", Normal{}, 2, [][]float64{{0}, {1}}, noR, "dist: Normal.Draw: nil *rand.Rand", false},
		{"missing parameter", Normal{}, 2, [][]float64{{0}}, r, "dist: Normal.Draw: got 1 parameter slices, want 2 (loc, scale)", false},
		{"scale length", Normal{}, 5, [][]float64{{0}, {1, 1, 1}}, r, "dist: Normal.Draw: scale has 3 values, want 1 (broadcast) or 5 (one per element)", false},
		{"Normal scale[2] −1", Normal{}, 3, [][]float64{{0}, {1, 2, -1}}, r, "dist: Normal scale[2] must be positive and finite, got -1", true},
		{"Normal loc NaN", Normal{}, 3, [][]float64{{nan}, {1}}, r, "dist: Normal loc[0] must be finite, got NaN", true},
		{"LogNormal scale 0", LogNormal{}, 1, [][]float64{{0}, {0}}, r, "dist: LogNormal scale[0] must be positive and finite, got 0", true},
		{"HalfNormal scale +Inf", HalfNormal{}, 1, [][]float64{{inf}}, r, "dist: HalfNormal scale[0] must be positive and finite, got +Inf", true},
		{"Exponential rate NaN", Exponential{}, 2, [][]float64{{1, nan}}, r, "dist: Exponential rate[1] must be positive and finite, got NaN", true},
		{"Gamma concentration −2", Gamma{}, 2, [][]float64{{1, -2}, {1}}, r, "dist: Gamma concentration[1] must be positive and finite, got -2", true},
		{"Gamma rate length", Gamma{}, 2, [][]float64{{1}, {}}, r, "dist: Gamma.Draw: rate has 0 values, want 1 (broadcast) or 2 (one per element)", false},
		{"Beta concentration0 0", Beta{}, 1, [][]float64{{1}, {0}}, r, "dist: Beta concentration0[0] must be positive and finite, got 0", true},
		{"StudentT df NaN", StudentT{}, 1, [][]float64{{nan}, {0}, {1}}, r, "dist: StudentT df[0] must be positive and finite, got NaN", true},
		{"Laplace scale −3", Laplace{}, 1, [][]float64{{0}, {-3}}, r, "dist: Laplace scale[0] must be positive and finite, got -3", true},
		{"Bernoulli logit NaN", Bernoulli{}, 3, [][]float64{{0, 1, nan}}, r, "dist: Bernoulli logits[2] must be finite, got NaN", true},
		{"Poisson rate −1", Poisson{}, 1, [][]float64{{-1}}, r, "dist: Poisson rate[0] must be positive and finite, got -1", true},
		{"Categorical logits length", Categorical{Logits: logits3}, 4, [][]float64{make([]float64, 6)}, r, "dist: Categorical.Draw: logits has 6 values, want 3 (one row, broadcast) or 12 (4 rows of 3)", false},
		{"Categorical logits NaN", Categorical{Logits: logits3}, 2, [][]float64{{0, 1, 2, 3, nan, 5}}, r, "dist: Categorical logits[4] must be finite, got NaN", true},
		{"Categorical nil logits", Categorical{}, 2, [][]float64{{0, 1}}, r, "dist: Categorical.Draw: nil logits node", false},
		{"Categorical scalar logits", Categorical{Logits: scalarIn(g, 0)}, 2, [][]float64{{0}}, r, "dist: Categorical.Draw: logits must have a category axis, got shape ()", false},
		{"Dirichlet ragged dst", Dirichlet{Concentration: conc3}, 4, [][]float64{{1, 1, 1}}, r, "dist: Dirichlet.Draw: len(dst) = 4 is not a multiple of the 3 categories", false},
		{"Dirichlet concentration 0", Dirichlet{Concentration: conc3}, 6, [][]float64{{1, 1, 1, 1, 0, 1}}, r, "dist: Dirichlet concentration[4] must be positive and finite, got 0", true},
		{"Dirichlet concentration length", Dirichlet{Concentration: conc3}, 6, [][]float64{{1, 1}}, r, "dist: Dirichlet.Draw: concentration has 2 values, want 3 (one row, broadcast) or 6 (2 rows of 3)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := fill(tc.n, 7)
			var src *rand.Rand
			if tc.withR {
				src = rand.New(rand.NewPCG(1, 2))
			}
			err := tc.d.Draw(dst, tc.params, src)
			assert.EqualError(t, err, tc.msg)
			var pe *ParamError
			assert.Equal(t, tc.param, errors.As(err, &pe), "a *ParamError")
			assert.Equal(t, fill(tc.n, 7), dst, "dst untouched")
			if src != nil {
				assert.Equal(t, rand.New(rand.NewPCG(1, 2)).Uint64(), src.Uint64(), "r untouched")
			}
		})
	}
}
