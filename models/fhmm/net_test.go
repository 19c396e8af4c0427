package fhmm_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// netELBOTol compares the logit ELBO with factorized.go's and with the
	// brute-force expectation: exact sums of O(100) terms of magnitude
	// ≤ 100 in different orders, ≤ 1e-12 observed.
	netELBOTol = 1e-10
	// fdStep and fdRelTol are the central-difference step and the relative
	// tolerance (with an absolute floor of fdRelTol) of ops/doc.go's
	// checklist: truncation O(h²) ≈ 1e-12 and rounding ε|ELBO|/h ≈ 1e-8
	// at |ELBO| ≈ 100, against derivatives of O(1–10).
	fdStep   = 1e-6
	fdRelTol = 1e-6
	// netMargin bounds the amortization gap to the fully factorised
	// coordinate-ascent optimum on the generated problem (M = 2, L = 3,
	// D = 4, T = 100, seed 7). With w = 2, H = 32, 3000 steps and 3
	// starts the network's ELBO is −775.94 and coordinate ascent's −800.89
	// (a poorer local optimum): a gap of −25.0 nats. Over seeds 1–5 the
	// gap with 5 starts is −4.4 … 4.4 nats (RESULTS.md). The network may beat
	// coordinate ascent's local optimum, which is allowed.
	netMargin = 10.0
)

type netCase struct {
	name       string
	m, l, d, t int
	seed       uint64
	piZero     bool // set π⁽⁰⁾_0 = 0 (renormalised): the network masks that state at t = 1
}

var netCases = []netCase{
	{"M=1 L=2 T=5", 1, 2, 2, 5, 1, false},
	{"M=2 L=2 T=4", 2, 2, 2, 4, 2, false},
	{"M=2 L=3 T=9", 2, 3, 3, 9, 3, false},
	{"M=3 L=2 T=2", 3, 2, 1, 2, 4, false},
	{"M=2 L=2 T=4 π zero", 2, 2, 2, 4, 5, true},
	{"M=2 L=3 T=6 π zero", 2, 3, 2, 6, 6, true},
}

// problem returns the case's parameters and data.
func (c netCase) problem(t *testing.T) (fhmm.Params, [][]float64) {
	p, y := randomProblem(t, c.m, c.l, c.d, c.t, c.seed)
	if c.piZero {
		p.Pi[0][0] = 0
		p.Pi[0][1] = 1 - sum(p.Pi[0][2:])
	}
	return p, y
}

// randomLogits draws T×M·L logits N(0, 2²) and returns them with their
// softmax marginals (masked as the network masks a zero π).
func randomLogits(c netCase, seed uint64) ([]float64, [][][]float64) {
	r := rand.New(rand.NewPCG(seed, 99))
	a := make([]float64, c.t*c.m*c.l)
	for i := range a {
		a[i] = 2 * r.NormFloat64()
	}
	theta := make([][][]float64, c.t)
	for t := range theta {
		theta[t] = rect(c.m, c.l)
		for m := range theta[t] {
			row := a[(t*c.m+m)*c.l : (t*c.m+m+1)*c.l]
			var s float64
			for l, v := range row {
				theta[t][m][l] = math.Exp(v)
				s += theta[t][m][l]
			}
			for l := range row {
				theta[t][m][l] /= s
			}
		}
	}
	if c.piZero { // the masked softmax at t = 1
		row := theta[0][0]
		row[0] = 0
		s := sum(row)
		for i := range row {
			row[i] /= s
		}
	}
	return a, theta
}

// TestLogitELBOMatchesFactorizedAndBruteForce checks the network's
// closed-form ELBO against factorized.go's ELBO of the same marginals and
// against E_q[log p(y, s) − log q(s)] summed over all L^(M·T) paths.
func TestLogitELBOMatchesFactorizedAndBruteForce(t *testing.T) {
	for _, tc := range netCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, y := tc.problem(t)
			a, theta := randomLogits(tc, tc.seed)
			got, err := fhmm.LogitELBO(p, y, a, nil)
			require.NoError(t, err)
			fact, err := fhmm.FactorizedELBO(p, y, theta)
			require.NoError(t, err)
			assert.InDelta(t, fact, got, netELBOTol, "factorized.go's ELBO")
			if math.Pow(float64(tc.l), float64(tc.m*tc.t)) > 4096 {
				return // too many paths to enumerate
			}
			e := enumerate(p, y)
			assert.InDelta(t, e.bruteELBO(e.factorizedLogQ(theta)), got, netELBOTol, "brute force over paths")
		})
	}
}

func assertGrad(t *testing.T, want, got []float64, what string) {
	t.Helper()
	for i := range want {
		assert.InDelta(t, want[i], got[i], fdRelTol*math.Max(1, math.Abs(want[i])), "%s [%d]", what, i)
	}
}

// TestLogitELBOGradient checks the hand-written gradients, with respect to
// the logits and to free marginals, against central differences.
func TestLogitELBOGradient(t *testing.T) {
	for _, tc := range netCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, y := tc.problem(t)
			a, theta := randomLogits(tc, tc.seed+10)
			da := make([]float64, len(a))
			_, err := fhmm.LogitELBO(p, y, a, da)
			require.NoError(t, err)
			fd := fdcheck.Grad(func(x []float64) float64 {
				e, _ := fhmm.LogitELBO(p, y, x, nil)
				return e
			}, a, fdStep)
			assertGrad(t, fd, da, "∂ELBO/∂a")
			if tc.piZero {
				return // θ = 0 at t = 1 lies on the boundary of the free marginals
			}

			g, err := fhmm.MarginalGrad(p, y, theta)
			require.NoError(t, err)
			flat, gFlat := []float64{}, []float64{}
			for tt := range theta {
				for m := range theta[tt] {
					flat = append(flat, theta[tt][m]...)
					gFlat = append(gFlat, g[tt][m]...)
				}
			}
			fdTheta := fdcheck.Grad(func(x []float64) float64 {
				e, _ := fhmm.FreeFactorizedELBO(p, y, unflatten(x, tc.t, tc.m, tc.l))
				return e
			}, flat, fdStep)
			assertGrad(t, fdTheta, gFlat, "∂ELBO/∂θ")
		})
	}
}

func unflatten(x []float64, t, m, l int) [][][]float64 {
	out := make([][][]float64, t)
	for i := range out {
		out[i] = make([][]float64, m)
		for c := range out[i] {
			out[i][c] = x[(i*m+c)*l : (i*m+c+1)*l]
		}
	}
	return out
}

// TestTrainNetGenerated trains the network on data generated from known
// parameters (M = 2, L = 3, D = 4, T = 100) and compares its ELBO with the
// fully factorised and structured mean-field optima and the exact
// log-likelihood.
func TestTrainNetGenerated(t *testing.T) {
	t.Parallel()
	p, y := randomProblem(t, 2, 3, 4, 100, 7)
	ctx := context.Background()
	fit, err := fhmm.TrainNet(ctx, p, y, fhmm.NetSettings{Window: 2, Starts: 3})
	require.NoError(t, err)
	ex, err := fhmm.Exact(p, y)
	require.NoError(t, err)
	fq, err := fhmm.Factorized(p, y, fhmm.Settings{})
	require.NoError(t, err)
	sq, err := fhmm.Structured(p, y, fhmm.Settings{})
	require.NoError(t, err)
	mf, smf := fq.ELBO[len(fq.ELBO)-1], sq.ELBO[len(sq.ELBO)-1]
	t.Logf("log p(y) %.4f, structured %.4f, factorized %.4f, network %.4f: amortization gap %.4f (factorized), %.4f (structured)",
		ex.LogLik, smf, mf, fit.ELBO, mf-fit.ELBO, smf-fit.ELBO)
	assert.Less(t, fit.ELBO, ex.LogLik, "network ELBO below log p(y)")
	assert.Less(t, mf-fit.ELBO, netMargin, "amortization gap to factorized mean field")
	assert.Greater(t, fit.ELBO, fit.Trace[0], "training raised the ELBO")
	require.Len(t, fit.StartELBO, 3)
	for _, e := range fit.StartELBO {
		assert.LessOrEqual(t, e, fit.ELBO, "the best start is kept")
	}
	assert.Equal(t, fit.ELBO, fit.StartELBO[fit.Start])

	// The host evaluation of the net equals the fit's and the svi loss:
	// one more step from the same seed starts at the fitted weights.
	q, e, err := fit.Net.Marginals(p, y)
	require.NoError(t, err)
	assert.Equal(t, fit.ELBO, e, "Net.Marginals ELBO")
	assert.Equal(t, fit.Marginals, q, "Net.Marginals")
	one, err := fhmm.TrainNet(ctx, p, y, fhmm.NetSettings{Window: 2, Steps: 200})
	require.NoError(t, err)
	more, err := fhmm.TrainNet(ctx, p, y, fhmm.NetSettings{Window: 2, Steps: 201})
	require.NoError(t, err)
	assert.Equal(t, one.Trace, more.Trace[:200], "seeded runs agree step by step")
	assert.InDelta(t, one.ELBO, more.Trace[200], netELBOTol, "svi loss = −closed-form ELBO")
}

func TestTrainNetBadInput(t *testing.T) {
	p, y := randomProblem(t, 2, 2, 2, 10, 1)
	zero := fhmm.Params{Pi: p.Pi, W: p.W, C: p.C, P: [][][]float64{{{1, 0}, p.P[0][1]}, p.P[1]}}
	for _, tc := range []struct {
		name string
		p    fhmm.Params
		y    [][]float64
		set  fhmm.NetSettings
		want string
	}{
		{"negative window", p, y, fhmm.NetSettings{Window: -1}, "Window = -1 is negative"},
		{"negative hidden", p, y, fhmm.NetSettings{Hidden: -2}, "Hidden = -2 is negative"},
		{"negative steps", p, y, fhmm.NetSettings{Steps: -3}, "Steps = -3 is negative"},
		{"negative starts", p, y, fhmm.NetSettings{Starts: -1}, "Starts = -1 is negative"},
		{"NaN learning rate", p, y, fhmm.NetSettings{LearnRate: math.NaN()}, "LearnRate = NaN"},
		{"no data", p, nil, fhmm.NetSettings{}, "no observations"},
		{"zero transition", zero, y, fhmm.NetSettings{}, "positive transition probabilities"},
	} {
		_, err := fhmm.TrainNet(context.Background(), tc.p, tc.y, tc.set)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
	_, err := fhmm.TrainNet(context.Background(), zero, y, fhmm.NetSettings{})
	assert.True(t, errors.Is(err, fhmm.ErrZeroTransition))
}
