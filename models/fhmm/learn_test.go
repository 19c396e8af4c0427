package fhmm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// eljTol compares the M-step's E_q[log p(y, s)], computed from the
	// statistics (A = Σ_t E[S_tS_tᵀ], B = Σ_t y_t⟨S_t⟩ᵀ, Σ_t y_t y_tᵀ and
	// the transition counts) through gonum, with the sum over all paths;
	// ≤ 1e-13 observed.
	eljTol = 1e-10
	// mStepTol: moving any parameter of the M-step's optimum by
	// mStepStep must not raise E_q[log p(y, s)] (≈ −500) by more than
	// rounding.
	mStepStep = 1e-4
	mStepTol  = 1e-9
	// emRisingRelTol is how far (relative) the tests let the ELBO fall
	// between EM iterations: rounding only.
	emRisingRelTol = 1e-12
	// oneChainEMTol compares the EM traces with the exact and with the
	// structured E-step for M = 1, which do the same arithmetic in
	// different orders; ~1e-12 observed after 30 iterations.
	oneChainEMTol = 1e-8
)

// bruteExpectedLogJoint returns Σ_paths q(s) log p(y, s) for q's
// normalised path weights w.
func bruteExpectedLogJoint(e enumeration, w []float64) float64 {
	var s float64
	for i, wi := range w {
		s += wi * e.logJ[i]
	}
	return s
}

// TestExpectedLogJointMatchesBruteForce checks the statistics path used by
// the M-step against the sum over all paths, for a structured q (cross
// moments from the marginals) and for the exact posterior (cross moments
// from the joint chain), under parameters other than q's own.
func TestExpectedLogJointMatchesBruteForce(t *testing.T) {
	for _, tc := range []exactCase{
		{name: "M=2 L=3 T=3", m: 2, l: 3, d: 2, t: 3, seed: 81},
		{name: "M=3 L=2 T=3", m: 3, l: 2, d: 3, t: 3, seed: 82},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, y := tc.problem(t)
			other, _ := randomProblem(t, tc.m, tc.l, tc.d, 1, tc.seed+100)
			eOther := enumerate(other, y)
			e := enumerate(p, y)
			q, err := fhmm.Structured(p, y, fhmm.Settings{InitLogH: randomTable(tc.t, tc.m, tc.l, 3, false), MaxSweeps: 1})
			require.NoError(t, err)
			w, _ := normalise(e.structuredLogQ(p, q.LogH))
			got, err := fhmm.ExpectedLogJoint(other, y, q.Marginals, q.Trans, nil)
			require.NoError(t, err)
			assert.InDelta(t, bruteExpectedLogJoint(eOther, w), got, eljTol, "structured q")

			post, err := fhmm.Exact(p, y)
			require.NoError(t, err)
			cross, err := fhmm.ExactCross(p, y)
			require.NoError(t, err)
			w, _ = normalise(e.logJ)
			got, err = fhmm.ExpectedLogJoint(other, y, post.Marginals, post.Trans, cross)
			require.NoError(t, err)
			want := bruteExpectedLogJoint(eOther, w)
			assert.InDelta(t, want, got, eljTol, "exact posterior")
			t.Logf("exact posterior: E[log p(y, s)] = %.10f, |Δ| %.2g", want, math.Abs(want-got))
		})
	}
}

// TestMStepMaximises checks that no single-parameter move away from the
// M-step's parameters raises E_q[log p(y, s)]: each entry of W, each
// symmetric pair of C, and mass moved between two entries of π or of a
// row of P.
func TestMStepMaximises(t *testing.T) {
	p, y := randomProblem(t, 2, 3, 3, 150, 91)
	q, err := fhmm.Structured(p, y, fhmm.Settings{})
	require.NoError(t, err)
	elj := func(p fhmm.Params) float64 {
		v, err := fhmm.ExpectedLogJoint(p, y, q.Marginals, q.Trans, nil)
		require.NoError(t, err)
		return v
	}
	best, err := fhmm.MStep(p, y, q.Marginals, q.Trans, nil)
	require.NoError(t, err)
	at := elj(best)
	assert.Greater(t, at, elj(p), "the M-step does not improve on the generating parameters")
	moves := 0
	check := func(what string, edit func(p *fhmm.Params, h float64)) {
		for _, h := range []float64{-mStepStep, mStepStep} {
			c := clone(best)
			edit(&c, h)
			if c.Validate() != nil {
				continue // a move out of the parameter space
			}
			moves++
			assert.LessOrEqual(t, elj(c), at+mStepTol, "%s by %g", what, h)
		}
	}
	for m := range best.W {
		for i := range best.W[m] {
			for l := range best.W[m][i] {
				check(fmt.Sprintf("W[%d][%d][%d]", m, i, l), func(p *fhmm.Params, h float64) { p.W[m][i][l] += h })
			}
		}
		for j := 1; j < 3; j++ {
			check(fmt.Sprintf("π[%d] 0→%d", m, j), func(p *fhmm.Params, h float64) { p.Pi[m][0] -= h; p.Pi[m][j] += h })
			for i := range best.P[m] {
				check(fmt.Sprintf("P[%d] row %d 0→%d", m, i, j), func(p *fhmm.Params, h float64) { p.P[m][i][0] -= h; p.P[m][i][j] += h })
			}
		}
	}
	for i := range best.C {
		for j := i; j < len(best.C); j++ {
			check(fmt.Sprintf("C[%d][%d]", i, j), func(p *fhmm.Params, h float64) {
				p.C[i][j] += h
				if i != j {
					p.C[j][i] += h
				}
			})
		}
	}
	t.Logf("E_q[log p(y, s)]: generating parameters %.6f, M-step %.6f; %d moves checked", elj(p), at, moves)
}

func clone(p fhmm.Params) fhmm.Params {
	c := fhmm.Params{Pi: clone2(p.Pi), C: clone2(p.C)}
	for m := range p.P {
		c.P = append(c.P, clone2(p.P[m]))
		c.W = append(c.W, clone2(p.W[m]))
	}
	return c
}

func clone2(a [][]float64) [][]float64 {
	b := make([][]float64, len(a))
	for i := range a {
		b[i] = append([]float64(nil), a[i]...)
	}
	return b
}

// TestLearnRising: the ELBO (the log-likelihood with the exact E-step)
// never falls across EM iterations, and the structured ELBO of the learnt
// parameters stays below their log-likelihood.
func TestLearnRising(t *testing.T) {
	for _, tc := range []struct {
		name string
		m, l int
		e    fhmm.EStep
	}{
		{"M=2 L=2 structured", 2, 2, fhmm.EStepStructured},
		{"M=3 L=3 structured", 3, 3, fhmm.EStepStructured},
		{"M=2 L=2 exact", 2, 2, fhmm.EStepExact},
		{"M=3 L=3 exact", 3, 3, fhmm.EStepExact},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, y := randomProblem(t, tc.m, tc.l, 4, 200, uint64(100+tc.m*tc.l))
			fit, err := fhmm.Learn(y, tc.m, tc.l, fhmm.LearnSettings{Starts: 2, MaxIter: 40, EStep: tc.e})
			require.NoError(t, err)
			require.Len(t, fit.ELBO, fit.Iters)
			for i := 1; i < len(fit.ELBO); i++ {
				assert.GreaterOrEqual(t, fit.ELBO[i], fit.ELBO[i-1]-emRisingRelTol*math.Abs(fit.ELBO[i-1]), "iteration %d", i+1)
			}
			post, err := fhmm.Exact(fit.Params, y)
			require.NoError(t, err)
			last := fit.ELBO[len(fit.ELBO)-1]
			if tc.e == fhmm.EStepExact {
				assert.InDelta(t, post.LogLik, last, 1e-9*math.Abs(last), "exact E-step: the ELBO is log p(y)")
			} else {
				assert.LessOrEqual(t, last, post.LogLik+belowRelTol*math.Abs(last))
			}
			t.Logf("%d iterations (converged %v): ELBO %.4f → %.4f; log p(y) at the fit %.4f; starts %v",
				fit.Iters, fit.Converged, fit.ELBO[0], last, post.LogLik, fit.StartELBO)
		})
	}
}

// TestLearnOneChain: with M = 1 the structured E-step is exact, so the
// two E-steps give the same EM trace (Baum–Welch for a Gaussian HMM).
func TestLearnOneChain(t *testing.T) {
	_, y := randomProblem(t, 1, 3, 3, 150, 111)
	set := fhmm.LearnSettings{Starts: 1, MaxIter: 30, Seed: 4}
	s, err := fhmm.Learn(y, 1, 3, set)
	require.NoError(t, err)
	set.EStep = fhmm.EStepExact
	e, err := fhmm.Learn(y, 1, 3, set)
	require.NoError(t, err)
	require.Equal(t, e.Iters, s.Iters)
	assert.InDeltaSlice(t, e.ELBO, s.ELBO, oneChainEMTol)
	var worst float64
	for i := range e.ELBO {
		worst = math.Max(worst, math.Abs(e.ELBO[i]-s.ELBO[i]))
	}
	t.Logf("log p(y): %.6f → %.6f in %d iterations; traces differ by at most %.2g", e.ELBO[0], e.ELBO[len(e.ELBO)-1], e.Iters, worst)
}

// TestLearnRecovers fits generated data with well-separated states
// (W entries N(0, 3²), C as in RandomParams): the learnt parameters reach
// at least the log-likelihood of the generating ones, as a maximum
// likelihood estimate should when EM finds the right basin.
func TestLearnRecovers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	p, err := fhmm.RandomParams(2, 2, 4, r)
	require.NoError(t, err)
	for m := range p.W {
		for _, row := range p.W[m] {
			for l := range row {
				row[l] *= 3
			}
		}
	}
	_, y, err := fhmm.Generate(p, 400, r)
	require.NoError(t, err)
	truth, err := fhmm.Exact(p, y)
	require.NoError(t, err)
	for _, e := range []fhmm.EStep{fhmm.EStepStructured, fhmm.EStepExact} {
		fit, err := fhmm.Learn(y, 2, 2, fhmm.LearnSettings{Seed: 1, EStep: e})
		require.NoError(t, err)
		post, err := fhmm.Exact(fit.Params, y)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, post.LogLik, truth.LogLik, "%v E-step", e)
		t.Logf("%v E-step: start %d of %v, %d iterations; log p(y) at the fit %.4f, at the truth %.4f",
			e, fit.Start, fit.StartELBO, fit.Iters, post.LogLik, truth.LogLik)
	}
}

func TestLearnSeeded(t *testing.T) {
	_, y := randomProblem(t, 2, 2, 3, 100, 121)
	set := fhmm.LearnSettings{Starts: 3, MaxIter: 20, Seed: 9}
	a, err := fhmm.Learn(y, 2, 2, set)
	require.NoError(t, err)
	b, err := fhmm.Learn(y, 2, 2, set)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same seed, same fit")
	require.Len(t, a.StartELBO, 3)
	for i, v := range a.StartELBO {
		assert.LessOrEqual(t, v, a.StartELBO[a.Start], "start %d beats the chosen start %d", i, a.Start)
	}
	assert.Equal(t, a.ELBO[len(a.ELBO)-1], a.StartELBO[a.Start])
	set.Seed = 10
	c, err := fhmm.Learn(y, 2, 2, set)
	require.NoError(t, err)
	assert.NotEqual(t, a.StartELBO, c.StartELBO, "another seed, other starts")
}
