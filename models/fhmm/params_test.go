package fhmm_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadInput: every entry point refuses bad parameters or data with an
// error naming the field and the indices.
func TestBadInput(t *testing.T) {
	good, y := randomProblem(t, 2, 3, 2, 6, 1)
	edit := func(f func(p *fhmm.Params)) fhmm.Params {
		p := clone(good)
		f(&p)
		return p
	}
	withY := func(row, col int, v float64) [][]float64 {
		z := clone2(y)
		z[row][col] = v
		return z
	}
	for _, tc := range []struct {
		name string
		p    fhmm.Params
		y    [][]float64
		want string
	}{
		{"no chains", edit(func(p *fhmm.Params) { p.Pi = nil }), y, "Params.Pi has no rows"},
		{"no states", edit(func(p *fhmm.Params) { p.Pi[0] = nil }), y, "Params.Pi[0] is empty"},
		{"π length", edit(func(p *fhmm.Params) { p.Pi[1] = p.Pi[1][:2] }), y, "Params.Pi[1] has 2 entries, want L = 3"},
		{"π negative", edit(func(p *fhmm.Params) { p.Pi[1] = []float64{1.2, -0.2, 0} }), y, "Params.Pi[1] entry 1 = -0.2 is negative"},
		{"π NaN", edit(func(p *fhmm.Params) { p.Pi[0][2] = math.NaN() }), y, "Params.Pi[0] entry 2 = NaN is not a finite number"},
		{"π sum", edit(func(p *fhmm.Params) { p.Pi[1][0] += 1e-8 }), y, "Params.Pi[1] sums to 1.00000001"},
		{"P chains", edit(func(p *fhmm.Params) { p.P = p.P[:1] }), y, "len(Params.P) = 1, want M = len(Params.Pi) = 2"},
		{"P rows", edit(func(p *fhmm.Params) { p.P[1] = p.P[1][:2] }), y, "Params.P[1] has 2 rows, want L = 3"},
		{"P row length", edit(func(p *fhmm.Params) { p.P[0][2] = []float64{1} }), y, "Params.P[0] row 2 has 1 entries, want L = 3"},
		{"P negative", edit(func(p *fhmm.Params) { p.P[1][1] = []float64{0.5, 0.7, -0.2} }), y, "Params.P[1] row 1 entry 2 = -0.2 is negative"},
		{"P Inf", edit(func(p *fhmm.Params) { p.P[0][1][0] = math.Inf(1) }), y, "Params.P[0] row 1 entry 0 = +Inf is not a finite number"},
		{"P sum", edit(func(p *fhmm.Params) { p.P[1][2][1] += 2e-9 }), y, "Params.P[1] row 2 sums to"},
		{"C empty", edit(func(p *fhmm.Params) { p.C = nil }), y, "Params.C is empty"},
		{"C row length", edit(func(p *fhmm.Params) { p.C[1] = p.C[1][:1] }), y, "Params.C row 1 has 1 entries, want D = len(Params.C) = 2"},
		{"C NaN", edit(func(p *fhmm.Params) { p.C[0][1] = math.NaN() }), y, "Params.C[0][1] = NaN is not a finite number"},
		{"C asymmetric", edit(func(p *fhmm.Params) { p.C[0][1] += 1e-6 }), y, "Params.C[0][1] = "},
		{"C not positive definite", edit(func(p *fhmm.Params) { p.C[1][1] = -1 }), y, "Params.C is not positive definite"},
		{"W chains", edit(func(p *fhmm.Params) { p.W = p.W[:1] }), y, "len(Params.W) = 1, want M = len(Params.Pi) = 2"},
		{"W rows", edit(func(p *fhmm.Params) { p.W[1] = p.W[1][:1] }), y, "Params.W[1] has 1 rows, want D = len(Params.C) = 2"},
		{"W row length", edit(func(p *fhmm.Params) { p.W[0][1] = p.W[0][1][:2] }), y, "Params.W[0] row 1 has 2 entries, want L = 3"},
		{"W NaN", edit(func(p *fhmm.Params) { p.W[1][0][2] = math.NaN() }), y, "Params.W[1][0][2] = NaN is not a finite number"},
		{"no data", good, nil, "fhmm: no observations"},
		{"NaN datum", good, withY(4, 1, math.NaN()), "y row 4, column 1 = NaN is not a finite number"},
		{"short data row", good, append(clone2(y[:2]), []float64{1}), "y row 2 has 1 entries, want D = 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := map[string]error{}
			_, errs["Exact"] = fhmm.Exact(tc.p, tc.y)
			_, errs["Structured"] = fhmm.Structured(tc.p, tc.y, fhmm.Settings{})
			_, errs["Factorized"] = fhmm.Factorized(tc.p, tc.y, fhmm.Settings{})
			if err := tc.p.Validate(); err != nil {
				errs["Validate"] = err
				_, _, errs["Generate"] = fhmm.Generate(tc.p, 3, rand.New(rand.NewPCG(1, 1)))
			}
			for fn, err := range errs {
				require.Error(t, err, fn)
				assert.ErrorContains(t, err, tc.want, fn)
				assert.True(t, strings.HasPrefix(err.Error(), "fhmm: "), "%s: %q lacks the package prefix", fn, err)
			}
		})
	}
	require.NoError(t, good.Validate())
	// Rounding-sized departures are accepted: sums within SumTol, C
	// symmetric within 1e-12 relative.
	ok := edit(func(p *fhmm.Params) { p.Pi[0][0] += 1e-12; p.C[0][1] *= 1 + 1e-14 })
	assert.NoError(t, ok.Validate())
}

func TestBadSettings(t *testing.T) {
	p, y := randomProblem(t, 2, 2, 2, 4, 2)
	logH := randomTable(4, 2, 2, 1, false)
	theta := randomTable(4, 2, 2, 1, true)
	bad := clone2(theta[2])
	bad[1] = []float64{0.7, 0.2}
	for _, tc := range []struct {
		name string
		run  func(fhmm.Params, [][]float64, fhmm.Settings) (*fhmm.MeanField, error)
		s    fhmm.Settings
		want string
	}{
		{"negative sweeps", fhmm.Structured, fhmm.Settings{MaxSweeps: -1}, "Settings.MaxSweeps = -1 is negative"},
		{"NaN tol", fhmm.Factorized, fhmm.Settings{Tol: math.NaN()}, "Settings.Tol = NaN"},
		{"negative tol", fhmm.Structured, fhmm.Settings{Tol: -1}, "Settings.Tol = -1"},
		{"θ for Structured", fhmm.Structured, fhmm.Settings{InitMarginals: theta}, "Settings.InitMarginals applies to Factorized only"},
		{"h for Factorized", fhmm.Factorized, fhmm.Settings{InitLogH: logH}, "Settings.InitLogH applies to Structured only"},
		{"h rows", fhmm.Structured, fhmm.Settings{InitLogH: logH[:3]}, "Settings.InitLogH has 3 rows, want T = 4"},
		{"h chains", fhmm.Structured, fhmm.Settings{InitLogH: [][][]float64{logH[0], logH[1][:1], logH[2], logH[3]}}, "Settings.InitLogH[1] has 1 rows, want M = 2"},
		{"h NaN", fhmm.Structured, fhmm.Settings{InitLogH: [][][]float64{logH[0], logH[1], {{0, 0}, {0, math.NaN()}}, logH[3]}}, "Settings.InitLogH[2][1] entry 1 = NaN"},
		{"θ not a distribution", fhmm.Factorized, fhmm.Settings{InitMarginals: [][][]float64{theta[0], theta[1], bad, theta[3]}}, "Settings.InitMarginals[2][1] sums to 0.8999999"},
		{"θ length", fhmm.Factorized, fhmm.Settings{InitMarginals: [][][]float64{theta[0], {{1}, {0.5, 0.5}}, theta[2], theta[3]}}, "Settings.InitMarginals[1][0] has 1 entries, want L = 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.run(p, y, tc.s)
			assert.ErrorContains(t, err, "fhmm: ")
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestBadLearnInput(t *testing.T) {
	_, y := randomProblem(t, 2, 2, 3, 20, 3)
	for _, tc := range []struct {
		name string
		y    [][]float64
		m, l int
		s    fhmm.LearnSettings
		want string
	}{
		{"no chains", y, 0, 2, fhmm.LearnSettings{}, "fhmm: Learn: M = 0, L = 2, each must be at least 1"},
		{"no states", y, 2, 0, fhmm.LearnSettings{}, "fhmm: Learn: M = 2, L = 0"},
		{"negative starts", y, 2, 2, fhmm.LearnSettings{Starts: -1}, "fhmm: LearnSettings.Starts = -1 is negative"},
		{"negative iterations", y, 2, 2, fhmm.LearnSettings{MaxIter: -2}, "fhmm: LearnSettings.MaxIter = -2 is negative"},
		{"Inf tol", y, 2, 2, fhmm.LearnSettings{Tol: math.Inf(1)}, "fhmm: LearnSettings.Tol = +Inf"},
		{"unknown E-step", y, 2, 2, fhmm.LearnSettings{EStep: 7}, "fhmm: LearnSettings.EStep = EStep(7) is not an E-step"},
		{"inner init", y, 2, 2, fhmm.LearnSettings{Inner: fhmm.Settings{InitLogH: randomTable(20, 2, 2, 1, false)}}, "must not set InitLogH"},
		{"inner sweeps", y, 2, 2, fhmm.LearnSettings{Inner: fhmm.Settings{MaxSweeps: -1}}, "fhmm: Settings.MaxSweeps = -1"},
		{"exact too large", y, 13, 2, fhmm.LearnSettings{EStep: fhmm.EStepExact}, "fhmm: L^M = 2^13 joint states exceed MaxExactStates"},
		{"no data", nil, 2, 2, fhmm.LearnSettings{}, "fhmm: no observations"},
		{"ragged data", append(clone2(y[:3]), []float64{1, 2}), 2, 2, fhmm.LearnSettings{}, "fhmm: y row 3 has 2 entries, want D = 3"},
		{"T ≤ D", y[:3], 2, 2, fhmm.LearnSettings{}, "singular or nearly so: the sample covariance of y (T = 3, D = 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fhmm.Learn(tc.y, tc.m, tc.l, tc.s)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestLearnCollapse: four points in the plane fitted by 2 × 2 states,
// four means, drive C to 0; Learn stops with ErrSingularCovariance instead
// of running on with an ill-conditioned C.
func TestLearnCollapse(t *testing.T) {
	_, y := randomProblem(t, 1, 2, 2, 4, 5)
	_, err := fhmm.Learn(y, 2, 2, fhmm.LearnSettings{})
	assert.True(t, errors.Is(err, fhmm.ErrSingularCovariance), "got %v", err)
	assert.ErrorContains(t, err, "fhmm: Learn: start 0: covariance estimate is singular or nearly so: the M-step's C")
}

func TestErrorMessages(t *testing.T) {
	err := error(&fhmm.DecreaseError{Method: "Structured", Iter: 3, Before: -1, After: -2})
	assert.EqualError(t, err, "fhmm: Structured 3 lowered the ELBO from -1 to -2 (a bug: the step maximises it)")
	assert.Equal(t, "structured", fhmm.EStepStructured.String())
	assert.Equal(t, "exact", fhmm.EStepExact.String())
}
