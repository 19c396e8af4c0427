package lfm_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadInput: every entry point refuses bad parameters or data with an
// error naming the field and the index or row.
func TestBadInput(t *testing.T) {
	good, x := randomProblem(t, 3, 4, 5, 1)
	clone := func(edit func(p *lfm.Params)) lfm.Params {
		p := lfm.Params{B: append([]float64(nil), good.B...), Sigma: good.Sigma, Pi: append([]float64(nil), good.Pi...)}
		for _, w := range good.W {
			p.W = append(p.W, append([]float64(nil), w...))
		}
		edit(&p)
		return p
	}
	withX := func(n, i int, v float64) [][]float64 {
		y := make([][]float64, len(x))
		for r := range x {
			y[r] = append([]float64(nil), x[r]...)
		}
		y[n][i] = v
		return y
	}
	for _, tc := range []struct {
		name string
		p    lfm.Params
		x    [][]float64
		want string
	}{
		{"no factors", clone(func(p *lfm.Params) { p.W, p.Pi = nil, nil }), x, "Params.W has no rows"},
		{"no outputs", clone(func(p *lfm.Params) { p.B = nil }), x, "Params.B is empty"},
		{"short W row", clone(func(p *lfm.Params) { p.W[2] = p.W[2][:3] }), x, "Params.W row 2 has 3 entries, want D = len(Params.B) = 4"},
		{"long W row", clone(func(p *lfm.Params) { p.W[0] = append(p.W[0], 1) }), x, "Params.W row 0 has 5 entries"},
		{"NaN weight", clone(func(p *lfm.Params) { p.W[1][3] = math.NaN() }), x, "Params.W[1][3] = NaN"},
		{"Inf bias", clone(func(p *lfm.Params) { p.B[2] = math.Inf(1) }), x, "Params.B[2] = +Inf"},
		{"σ = 0", clone(func(p *lfm.Params) { p.Sigma = 0 }), x, "Params.Sigma = 0, must be a finite positive number"},
		{"σ < 0", clone(func(p *lfm.Params) { p.Sigma = -1 }), x, "Params.Sigma = -1"},
		{"σ NaN", clone(func(p *lfm.Params) { p.Sigma = math.NaN() }), x, "Params.Sigma = NaN"},
		{"σ Inf", clone(func(p *lfm.Params) { p.Sigma = math.Inf(1) }), x, "Params.Sigma = +Inf"},
		{"π length", clone(func(p *lfm.Params) { p.Pi = p.Pi[:2] }), x, "len(Params.Pi) = 2, want K = len(Params.W) = 3"},
		{"π = 0", clone(func(p *lfm.Params) { p.Pi[1] = 0 }), x, "Params.Pi[1] = 0 is outside the open interval (0, 1)"},
		{"π = 1", clone(func(p *lfm.Params) { p.Pi[2] = 1 }), x, "Params.Pi[2] = 1 is outside"},
		{"π > 1", clone(func(p *lfm.Params) { p.Pi[0] = 1.5 }), x, "Params.Pi[0] = 1.5"},
		{"π NaN", clone(func(p *lfm.Params) { p.Pi[0] = math.NaN() }), x, "Params.Pi[0] = NaN"},
		{"no data", good, nil, "lfm: no data rows"},
		{"NaN datum", good, withX(3, 1, math.NaN()), "x row 3, column 1 = NaN is not a finite number"},
		{"Inf datum", good, withX(0, 2, math.Inf(-1)), "x row 0, column 2 = -Inf"},
		{"short data row", good, append(x[:2:2], []float64{1, 2}), "x row 2 has 2 entries, want D = 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, errE := lfm.Exact(tc.p, tc.x)
			_, errC := lfm.CAVI(tc.p, tc.x, lfm.Settings{})
			errs := map[string]error{"Exact": errE, "CAVI": errC}
			if tc.p.Validate() != nil {
				// Params problems: Validate and Generate report them too.
				errs["Validate"] = tc.p.Validate()
				_, _, errs["Generate"] = lfm.Generate(tc.p, 3, rand.New(rand.NewPCG(1, 1)))
			}
			for fn, err := range errs {
				require.Error(t, err, fn)
				assert.ErrorContains(t, err, tc.want, fn)
				assert.True(t, strings.HasPrefix(err.Error(), "lfm: "), "%s: %q lacks the package prefix", fn, err)
			}
		})
	}
	require.NoError(t, good.Validate())
}

func TestBadSettings(t *testing.T) {
	p, x := randomProblem(t, 2, 3, 3, 2)
	for _, tc := range []struct {
		name string
		s    lfm.Settings
		want string
	}{
		{"negative sweeps", lfm.Settings{MaxSweeps: -1}, "Settings.MaxSweeps = -1 is negative"},
		{"negative tol", lfm.Settings{Tol: -1e-3}, "Settings.Tol = -0.001"},
		{"NaN tol", lfm.Settings{Tol: math.NaN()}, "Settings.Tol = NaN"},
		{"init rows", lfm.Settings{Init: [][]float64{{0.5, 0.5}}}, "Settings.Init has 1 rows, want N = 3"},
		{"init row length", lfm.Settings{Init: [][]float64{{0.5, 0.5}, {0.5}, {0.5, 0.5}}}, "Settings.Init row 1 has 1 entries, want K = 2"},
		{"init outside [0, 1]", lfm.Settings{Init: [][]float64{{0.5, 0.5}, {0.5, 0.5}, {0.5, 1.2}}}, "Settings.Init[2][1] = 1.2 is outside [0, 1]"},
		{"init NaN", lfm.Settings{Init: [][]float64{{math.NaN(), 0.5}, {0.5, 0.5}, {0.5, 0.5}}}, "Settings.Init[0][0] = NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lfm.CAVI(p, x, tc.s)
			assert.ErrorContains(t, err, "lfm: "+tc.want)
		})
	}
}

// TestBernoulliInput: Bernoulli outputs ignore σ, need 0/1 data (the error
// names the row and column), and have no closed-form CAVI.
func TestBernoulliInput(t *testing.T) {
	p, x := bernoulliProblem(t, 2, 3, 4, 1)
	for _, sigma := range []float64{0, -1, math.NaN()} {
		p.Sigma = sigma
		require.NoError(t, p.Validate(), "σ = %v is unused by Bernoulli outputs", sigma)
	}
	_, err := lfm.Exact(p, x)
	require.NoError(t, err)
	for _, v := range []float64{0.5, 2, -1} {
		bad := make([][]float64, len(x))
		for n := range x {
			bad[n] = append([]float64(nil), x[n]...)
		}
		bad[2][1] = v
		_, err := lfm.Exact(p, bad)
		assert.ErrorContains(t, err, "lfm: x row 2, column 1 = "+strconv.FormatFloat(v, 'g', -1, 64)+" is not 0 or 1 (Bernoulli outputs)")
	}
	_, err = lfm.CAVI(p, x, lfm.Settings{})
	require.ErrorIs(t, err, lfm.ErrNoClosedForm)
	assert.ErrorContains(t, err, "CAVI needs Gaussian outputs")
	p.Likelihood = 7
	assert.ErrorContains(t, p.Validate(), "lfm: Params.Likelihood = Likelihood(7): want Gaussian or Bernoulli")
}

func TestParseLikelihood(t *testing.T) {
	for _, l := range []lfm.Likelihood{lfm.Gaussian, lfm.Bernoulli} {
		got, err := lfm.ParseLikelihood(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	assert.Equal(t, lfm.Gaussian, lfm.Likelihood(0), "the zero value is Gaussian")
	_, err := lfm.ParseLikelihood("poisson")
	assert.ErrorContains(t, err, `lfm: likelihood "poisson": want gaussian or bernoulli`)
}
