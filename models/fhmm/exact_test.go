package fhmm_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// bruteTol is the brief's requirement on Exact against the sum over
	// all L^(M·T) paths. Both are exact sums of ≤ 1024 terms of O(10)
	// log-magnitude; ~1e-14 is observed.
	bruteTol = 1e-10
	// denseTol compares Exact with the test's dense log-space HMM on the
	// explicit product chain over T = 60 steps: log p(y) ≈ −300 accumulated
	// step by step in both, ≤ 5e-13 observed.
	denseTol = 1e-10
)

type exactCase struct {
	name           string
	m, l, d, t     int
	seed           uint64
	structuralZero bool // set P⁽⁰⁾_01 = 0 and π⁽⁰⁾_1 = 0, then renormalise
}

func (c exactCase) problem(t testing.TB) (fhmm.Params, [][]float64) {
	p, y := randomProblem(t, c.m, c.l, c.d, c.t, c.seed)
	if c.structuralZero {
		p.P[0][0][1] = 0
		p.Pi[0][1] = 0
		p.Pi[0][0] = 1 - sum(p.Pi[0][2:]) // rows sum to 1 again
		var s float64
		for j, v := range p.P[0][0] {
			if j != 0 {
				s += v
			}
		}
		p.P[0][0][0] = 1 - s
		require.NoError(t, p.Validate())
	}
	return p, y
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

func TestExactMatchesBruteForce(t *testing.T) {
	for _, tc := range []exactCase{
		{name: "M=1 L=3 T=5", m: 1, l: 3, d: 2, t: 5, seed: 1},
		{name: "M=2 L=2 T=4", m: 2, l: 2, d: 2, t: 4, seed: 2},
		{name: "M=2 L=3 T=3", m: 2, l: 3, d: 3, t: 3, seed: 3},
		{name: "M=3 L=2 T=3", m: 3, l: 2, d: 3, t: 3, seed: 4},
		{name: "M=2 L=2 T=5", m: 2, l: 2, d: 1, t: 5, seed: 5},
		{name: "M=2 L=3 T=3 with zeros", m: 2, l: 3, d: 2, t: 3, seed: 6, structuralZero: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, y := tc.problem(t)
			post, err := fhmm.Exact(p, y)
			require.NoError(t, err)
			logLik, marg, trans := bruteExact(p, y)
			assert.InDelta(t, logLik, post.LogLik, bruteTol, "log p(y)")
			dm, dt := maxDiff3(marg, post.Marginals), maxDiff3(trans, post.Trans)
			assert.LessOrEqual(t, dm, bruteTol, "marginals")
			assert.LessOrEqual(t, dt, bruteTol, "transition counts")
			t.Logf("log p(y) = %.12f; |Δ| log p %.2g, marginals %.2g, counts %.2g",
				logLik, math.Abs(logLik-post.LogLik), dm, dt)
		})
	}
}

// denseHMM is the test's oracle for longer sequences: the product chain
// written out as an HMM with K = L^M states, an explicit K×K transition
// matrix and log-space forward–backward recursions (log-sum-exp over
// predecessors), no scaling and no factored transitions.
func denseHMM(p fhmm.Params, y [][]float64) (float64, [][][]float64) {
	m, l := len(p.Pi), len(p.Pi[0])
	k := int(math.Round(math.Pow(float64(l), float64(m))))
	g := newGaussian(p.C)
	digits := make([][]int, k)
	for s := range digits {
		digits[s] = path(s, m, l, 1)[0]
	}
	logA := rect(k, k)
	logInit := make([]float64, k)
	for a := range logA {
		for c, d := range digits[a] {
			logInit[a] += math.Log(p.Pi[c][d])
			for b := range logA[a] {
				logA[a][b] += math.Log(p.P[c][d][digits[b][c]])
			}
		}
	}
	steps := len(y)
	logE, la, lb := rect(steps, k), rect(steps, k), rect(steps, k)
	for t := range y {
		for s := range logE[t] {
			logE[t][s] = g.logPdf(y[t], mean(p, digits[s]))
		}
	}
	terms := make([]float64, k)
	for t := range y {
		for b := range la[t] {
			if t == 0 {
				la[t][b] = logInit[b] + logE[t][b]
				continue
			}
			for a := range terms {
				terms[a] = la[t-1][a] + logA[a][b]
			}
			_, lse := normalise(terms)
			la[t][b] = lse + logE[t][b]
		}
	}
	for t := steps - 2; t >= 0; t-- {
		for a := range lb[t] {
			for b := range terms {
				terms[b] = logA[a][b] + logE[t+1][b] + lb[t+1][b]
			}
			_, lb[t][a] = normalise(terms)
		}
	}
	_, logLik := normalise(la[steps-1])
	marg := make([][][]float64, steps)
	for t := range marg {
		marg[t] = rect(m, l)
		for s := range la[t] {
			w := math.Exp(la[t][s] + lb[t][s] - logLik)
			for c, d := range digits[s] {
				marg[t][c][d] += w
			}
		}
	}
	return logLik, marg
}

func TestExactMatchesDenseHMM(t *testing.T) {
	for _, tc := range []exactCase{
		{name: "M=2 L=2", m: 2, l: 2, d: 3, t: 60, seed: 11},
		{name: "M=3 L=3", m: 3, l: 3, d: 4, t: 60, seed: 12},
		{name: "M=2 L=4", m: 2, l: 4, d: 2, t: 60, seed: 13},
		{name: "M=4 L=2 with zeros", m: 4, l: 2, d: 3, t: 60, seed: 14, structuralZero: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, y := tc.problem(t)
			post, err := fhmm.Exact(p, y)
			require.NoError(t, err)
			logLik, marg := denseHMM(p, y)
			assert.InDelta(t, logLik, post.LogLik, denseTol, "log p(y)")
			dm := maxDiff3(marg, post.Marginals)
			assert.LessOrEqual(t, dm, denseTol, "marginals")
			t.Logf("log p(y) = %.10f; |Δ| log p %.2g, marginals %.2g", logLik, math.Abs(logLik-post.LogLik), dm)
		})
	}
}

// TestExactIndependentChain: a chain with W⁽ᵐ⁾ = 0 does not affect y, so
// its posterior is its prior, π⁽ᵐ⁾ᵀ(P⁽ᵐ⁾)^{t−1}, and log p(y) is that of
// the model without it.
func TestExactIndependentChain(t *testing.T) {
	// independentTol: the same quantities computed on 3 versus 9 joint
	// states; ~1e-13 observed.
	const independentTol = 1e-10
	p, y := randomProblem(t, 2, 3, 2, 40, 21)
	for _, row := range p.W[1] {
		clear(row)
	}
	post, err := fhmm.Exact(p, y)
	require.NoError(t, err)
	alone := fhmm.Params{Pi: p.Pi[:1], P: p.P[:1], W: p.W[:1], C: p.C}
	want, err := fhmm.Exact(alone, y)
	require.NoError(t, err)
	assert.InDelta(t, want.LogLik, post.LogLik, independentTol)
	prior := append([]float64(nil), p.Pi[1]...)
	for ti := range y {
		assert.InDeltaSlice(t, want.Marginals[ti][0], post.Marginals[ti][0], independentTol, "chain 0, t = %d", ti)
		assert.InDeltaSlice(t, prior, post.Marginals[ti][1], independentTol, "chain 1, t = %d", ti)
		next := make([]float64, len(prior))
		for i, w := range prior {
			for j, pij := range p.P[1][i] {
				next[j] += w * pij
			}
		}
		prior = next
	}
}

func TestExactTooManyStates(t *testing.T) {
	for _, tc := range []struct{ m, l int }{{13, 2}, {8, 3}, {5, 6}, {64, 3}} {
		t.Run(fmt.Sprintf("M=%d L=%d", tc.m, tc.l), func(t *testing.T) {
			p, y := randomProblem(t, tc.m, tc.l, 2, 3, 31)
			_, err := fhmm.Exact(p, y)
			var tm *fhmm.TooManyStatesError
			require.True(t, errors.As(err, &tm), "got %v", err)
			assert.Equal(t, tc.m, tm.M)
			assert.Equal(t, tc.l, tm.L)
			assert.ErrorContains(t, err, fmt.Sprintf("fhmm: L^M = %d^%d joint states exceed MaxExactStates = 4096", tc.l, tc.m))
		})
	}
	// The limit itself is accepted: 2^12 = 4096 states.
	p, y := randomProblem(t, 12, 2, 2, 3, 32)
	post, err := fhmm.Exact(p, y)
	require.NoError(t, err)
	for _, mt := range post.Marginals {
		for _, row := range mt {
			assert.InDelta(t, 1, sum(row), 1e-12)
		}
	}
}
