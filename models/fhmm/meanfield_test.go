package fhmm_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// elboTol is the brief's requirement on the closed-form ELBO against
	// E_q[log p(y, s) − log q(s)] summed over all paths, for arbitrary q.
	// Both are sums of ≤ 1024 terms of O(10); ~1e-14 is observed.
	elboTol = 1e-10
	// oneChainTol is the brief's requirement for M = 1, where structured
	// mean field is exact: ELBO = log p(y) and q's marginals = the
	// forward–backward ones. ~1e-13 is observed at T = 80.
	oneChainTol = 1e-9
	// risingRelTol is how far (relative) the tests let the ELBO fall
	// between sweeps: rounding only, far tighter than the 1e-9 that the
	// methods themselves enforce.
	risingRelTol = 1e-13
	// belowRelTol is how far an ELBO may exceed log p(y) by rounding.
	belowRelTol = 1e-12
)

// A method runs Structured or Factorized.
type method struct {
	name string
	run  func(fhmm.Params, [][]float64, fhmm.Settings) (*fhmm.MeanField, error)
}

var methods = []method{{"structured", fhmm.Structured}, {"factorized", fhmm.Factorized}}

// TestMeanFieldELBOMatchesBruteForce evaluates both ELBOs at arbitrary
// (random) q — ELBO[0] at the starting q — and at the q they converge to,
// against the sum over all paths of q(s)(log p(y, s) − log q(s)), with q(s)
// built in the test from the potentials or θ.
func TestMeanFieldELBOMatchesBruteForce(t *testing.T) {
	for _, tc := range []exactCase{
		{name: "M=1 L=3 T=5", m: 1, l: 3, d: 2, t: 5, seed: 41},
		{name: "M=2 L=2 T=4", m: 2, l: 2, d: 2, t: 4, seed: 42},
		{name: "M=2 L=3 T=3", m: 2, l: 3, d: 3, t: 3, seed: 43},
		{name: "M=3 L=2 T=3", m: 3, l: 2, d: 2, t: 3, seed: 44},
		{name: "M=2 L=2 T=5", m: 2, l: 2, d: 1, t: 5, seed: 45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, y := tc.problem(t)
			e := enumerate(p, y)
			logH := randomTable(tc.t, tc.m, tc.l, tc.seed, false)
			q, err := fhmm.Structured(p, y, fhmm.Settings{InitLogH: logH})
			require.NoError(t, err)
			assert.InDelta(t, e.bruteELBO(e.structuredLogQ(p, logH)), q.ELBO[0], elboTol, "structured, random q")
			lq := e.structuredLogQ(p, q.LogH)
			assert.InDelta(t, e.bruteELBO(lq), q.ELBO[len(q.ELBO)-1], elboTol, "structured, converged q")
			w, _ := normalise(lq)
			marg, trans := e.moments(w)
			assert.LessOrEqual(t, maxDiff3(marg, q.Marginals), elboTol, "structured marginals")
			assert.LessOrEqual(t, maxDiff3(trans, q.Trans), elboTol, "structured transition counts")

			theta := randomTable(tc.t, tc.m, tc.l, tc.seed, true)
			f, err := fhmm.Factorized(p, y, fhmm.Settings{InitMarginals: theta})
			require.NoError(t, err)
			assert.InDelta(t, e.bruteELBO(e.factorizedLogQ(theta)), f.ELBO[0], elboTol, "factorized, random q")
			lf := e.factorizedLogQ(f.Marginals)
			assert.InDelta(t, e.bruteELBO(lf), f.ELBO[len(f.ELBO)-1], elboTol, "factorized, converged q")
			w, _ = normalise(lf)
			_, trans = e.moments(w)
			assert.LessOrEqual(t, maxDiff3(trans, f.Trans), elboTol, "factorized transition counts")
			t.Logf("ELBO structured %.10f (%d sweeps), factorized %.10f (%d sweeps)",
				q.ELBO[len(q.ELBO)-1], q.Sweeps, f.ELBO[len(f.ELBO)-1], f.Sweeps)
		})
	}
}

// TestMeanFieldBelowLogLik checks, on generated sequences of T = 100, that
// both methods converge with a never-falling ELBO below log p(y), from
// their default start and from a random one, and that at the default
// start's fixed points the structured ELBO is at least the factorised
// one. The last is typical rather than guaranteed (the two are different
// local optima); it holds in all these seeded cases.
func TestMeanFieldBelowLogLik(t *testing.T) {
	for _, tc := range []exactCase{
		{name: "M=2 L=3", m: 2, l: 3, d: 4, t: 100, seed: 51},
		{name: "M=3 L=3", m: 3, l: 3, d: 4, t: 100, seed: 52},
		{name: "M=4 L=2", m: 4, l: 2, d: 3, t: 100, seed: 53},
		{name: "M=5 L=2", m: 5, l: 2, d: 6, t: 100, seed: 54},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, y := tc.problem(t)
			post, err := fhmm.Exact(p, y)
			require.NoError(t, err)
			final := map[string]float64{}
			for _, meth := range methods {
				for _, init := range []string{"default", "random"} {
					var set fhmm.Settings
					if init == "random" && meth.name == "structured" {
						set.InitLogH = randomTable(tc.t, tc.m, tc.l, tc.seed, false)
					} else if init == "random" {
						set.InitMarginals = randomTable(tc.t, tc.m, tc.l, tc.seed, true)
					}
					q, err := meth.run(p, y, set)
					require.NoError(t, err)
					require.True(t, q.Converged, "%s from %s: not converged in %d sweeps", meth.name, init, q.Sweeps)
					assertRising(t, q.ELBO)
					elbo := q.ELBO[len(q.ELBO)-1]
					assert.LessOrEqual(t, elbo, post.LogLik+belowRelTol*math.Abs(post.LogLik), "%s from %s", meth.name, init)
					t.Logf("%s from %s: %3d sweeps, gap to log p(y) = %.6f", meth.name, init, q.Sweeps, post.LogLik-elbo)
					if init == "default" {
						final[meth.name] = elbo
					}
				}
			}
			assert.GreaterOrEqual(t, final["structured"], final["factorized"], "structured below factorized")
		})
	}
}

func assertRising(t *testing.T, elbo []float64) {
	t.Helper()
	for s := 1; s < len(elbo); s++ {
		assert.GreaterOrEqual(t, elbo[s], elbo[s-1]-risingRelTol*math.Abs(elbo[s-1]), "ELBO fell at sweep %d", s)
	}
}

// TestStructuredExactForOneChain: with M = 1 the structured family holds
// the exact posterior, and one sweep reaches it.
func TestStructuredExactForOneChain(t *testing.T) {
	for _, l := range []int{2, 3, 5} {
		t.Run(fmt.Sprintf("L=%d", l), func(t *testing.T) {
			t.Parallel()
			p, y := randomProblem(t, 1, l, 3, 80, uint64(60+l))
			post, err := fhmm.Exact(p, y)
			require.NoError(t, err)
			q, err := fhmm.Structured(p, y, fhmm.Settings{InitLogH: randomTable(80, 1, l, 7, false)})
			require.NoError(t, err)
			elbo := q.ELBO[len(q.ELBO)-1]
			assert.InDelta(t, post.LogLik, elbo, oneChainTol, "ELBO = log p(y)")
			assert.InDelta(t, post.LogLik, q.ELBO[1], oneChainTol, "after one sweep")
			dm, dt := maxDiff3(post.Marginals, q.Marginals), maxDiff3(post.Trans, q.Trans)
			assert.LessOrEqual(t, dm, oneChainTol, "marginals")
			assert.LessOrEqual(t, dt, oneChainTol, "transition counts")
			assert.LessOrEqual(t, q.Sweeps, 2)
			t.Logf("|ELBO − log p(y)| = %.2g, marginals %.2g, counts %.2g", math.Abs(elbo-post.LogLik), dm, dt)
		})
	}
}

func TestFactorizedZeroTransition(t *testing.T) {
	p, y := randomProblem(t, 2, 3, 2, 10, 71)
	p.P[1][2][0] += p.P[1][2][1]
	p.P[1][2][1] = 0
	require.NoError(t, p.Validate())
	_, err := fhmm.Factorized(p, y, fhmm.Settings{})
	assert.True(t, errors.Is(err, fhmm.ErrZeroTransition))
	assert.ErrorContains(t, err, "Params.P[1][2][1] = 0")
	// Structured mean field has no such restriction.
	_, err = fhmm.Structured(p, y, fhmm.Settings{})
	assert.NoError(t, err)
}

// TestStructuredUsuallyBeatsFactorized repeats the comparison of the two
// fixed points from the default starts over 20 seeded problems (M = 3,
// L = 3, D = 4, T = 100, RandomParams). Neither family contains the other's
// fixed point, so this is a frequency, not a theorem. Structured mean
// field ends at least as high in 20 of the 20; the test pins 19 from below
// so that a change making it worse shows up. With C scaled by ¼ (sharper
// posteriors, more local optima) it is only logged: 16 of 20 when this was
// written.
func TestStructuredUsuallyBeatsFactorized(t *testing.T) {
	const n, wantWins = 20, 19
	for _, scale := range []float64{1, 0.25} {
		wins := 0
		var gapS, gapF float64
		for seed := uint64(0); seed < n; seed++ {
			p, y := randomProblem(t, 3, 3, 4, 100, 200+seed)
			if scale != 1 {
				for _, row := range p.C {
					for j := range row {
						row[j] *= scale
					}
				}
				var err error
				_, y, err = fhmm.Generate(p, 100, rand.New(rand.NewPCG(seed, 99)))
				require.NoError(t, err)
			}
			post, err := fhmm.Exact(p, y)
			require.NoError(t, err)
			qs, err := fhmm.Structured(p, y, fhmm.Settings{})
			require.NoError(t, err)
			qf, err := fhmm.Factorized(p, y, fhmm.Settings{})
			require.NoError(t, err)
			es, ef := qs.ELBO[len(qs.ELBO)-1], qf.ELBO[len(qf.ELBO)-1]
			if es >= ef {
				wins++
			}
			gapS += (post.LogLik - es) / n
			gapF += (post.LogLik - ef) / n
		}
		if scale == 1 {
			assert.GreaterOrEqual(t, wins, wantWins)
		}
		t.Logf("C×%g: structured ≥ factorized in %d of %d; mean gap to log p(y): structured %.2f, factorized %.2f nats",
			scale, wins, n, gapS, gapF)
	}
}
