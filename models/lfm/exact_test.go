package lfm_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
)

const (
	// exactTol is the brief's (and issue #15's) requirement on Exact
	// against an independent enumeration. Both are exact sums of ≤ 2^6
	// terms of O(10) log-magnitude, so they agree to ~1e-14.
	exactTol = 1e-10
	// oracleTol compares Exact's log evidence with the Gaussian-mixture
	// density built from gonum's distmv.Normal: same quantity, different
	// arithmetic (Cholesky log-determinant, LogSumExp).
	oracleTol = 1e-10
	// farRelTol compares log evidences of order −10⁴ (a row far from every
	// mean): the expanded square in Exact loses ~ε·‖x − b‖²/σ² ≈ 1e-12
	// relative at most.
	farRelTol = 1e-12
)

func TestExactMatchesBruteForce(t *testing.T) {
	type problem struct {
		name string
		p    lfm.Params
		x    [][]float64
	}
	var cases []problem
	for _, c := range []struct{ k, d int }{{3, 4}, {4, 6}, {5, 5}, {1, 4}} {
		p, x := randomProblem(t, c.k, c.d, 12, uint64(10*c.k+c.d))
		cases = append(cases, problem{fmt.Sprintf("random K=%d D=%d", c.k, c.d), p, x})
	}
	for _, k := range []int{4, 6} {
		p, x := barsProblem(t, k, 12, uint64(k))
		cases = append(cases, problem{fmt.Sprintf("bars K=%d", k), p, x})
	}
	for _, c := range []struct{ k, d int }{{1, 3}, {3, 5}, {5, 6}, {8, 4}} {
		p, x := bernoulliProblem(t, c.k, c.d, 12, uint64(10*c.k+c.d))
		cases = append(cases, problem{fmt.Sprintf("bernoulli K=%d D=%d", c.k, c.d), p, x})
	}
	for _, k := range []int{4, 6} {
		r := rand.New(rand.NewPCG(uint64(k), 17))
		p, err := lfm.BernoulliBars(k, r)
		require.NoError(t, err)
		_, x, err := lfm.Generate(p, 12, r)
		require.NoError(t, err)
		cases = append(cases, problem{fmt.Sprintf("bernoulli bars K=%d", k), p, x})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			post, err := lfm.Exact(tc.p, tc.x)
			require.NoError(t, err)
			require.Len(t, post.LogEvidence, len(tc.x))
			var total, worst float64
			for n, row := range tc.x {
				le, marg := bruteExact(t, tc.p, row)
				total += le
				worst = math.Max(worst, math.Abs(le-post.LogEvidence[n]))
				assert.InDelta(t, le, post.LogEvidence[n], exactTol, "log p(x_%d)", n)
				for j := range marg {
					worst = math.Max(worst, math.Abs(marg[j]-post.Marginals[n][j]))
					assert.InDelta(t, marg[j], post.Marginals[n][j], exactTol, "p(z_%d,%d = 1 | x)", n, j)
				}
			}
			assert.InDelta(t, total, post.Total, exactTol*float64(len(tc.x)), "summed log evidence")
			t.Logf("largest difference from brute force: %.2g", worst)
		})
	}
}

// mixtureLogPdf is the oracle: x ~ Σ_z Π_j π_j^{z_j}(1−π_j)^{1−z_j}
// N(Wᵀz + b, σ² I), each component a gonum distmv.Normal, combined with
// floats.LogSumExp.
func mixtureLogPdf(t *testing.T, p lfm.Params, x []float64) float64 {
	t.Helper()
	k, d := len(p.W), len(p.B)
	sigma := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		sigma.SetSym(i, i, p.Sigma*p.Sigma)
	}
	terms := make([]float64, 0, 1<<k)
	for s := 0; s < 1<<k; s++ {
		mu := append([]float64(nil), p.B...)
		logw := 0.0
		for j := 0; j < k; j++ {
			if s>>j&1 == 1 {
				floats.Add(mu, p.W[j])
				logw += math.Log(p.Pi[j])
			} else {
				logw += math.Log(1 - p.Pi[j])
			}
		}
		nrm, ok := distmv.NewNormal(mu, sigma, nil)
		require.True(t, ok)
		terms = append(terms, logw+nrm.LogProb(x))
	}
	return floats.LogSumExp(terms)
}

func TestExactMatchesGaussianMixture(t *testing.T) {
	p, x := randomProblem(t, 3, 5, 20, 3)
	// A row far from every mean: the brute force in lfm_test.go would
	// underflow here, the log-space oracle does not.
	far := make([]float64, 5)
	for i := range far {
		far[i] = 60 + float64(i)
	}
	x = append(x, far)
	post, err := lfm.Exact(p, x)
	require.NoError(t, err)
	var worst float64
	for n, row := range x {
		want := mixtureLogPdf(t, p, row)
		if n == len(x)-1 {
			assert.InEpsilon(t, want, post.LogEvidence[n], farRelTol, "far row: log p(x) = %g", want)
			t.Logf("far row: log p(x) = %.6g, relative difference %.2g", want, math.Abs(post.LogEvidence[n]/want-1))
			continue
		}
		worst = math.Max(worst, math.Abs(want-post.LogEvidence[n]))
		assert.InDelta(t, want, post.LogEvidence[n], oracleTol, "log p(x_%d)", n)
	}
	t.Logf("largest difference from the distmv mixture: %.2g", worst)
}

func TestExactLargestK(t *testing.T) {
	if testing.Short() {
		t.Skip("2^20 states in the brute force")
	}
	gauss, xg := randomProblem(t, lfm.MaxExactFactors, 2, 1, 20)
	// Bernoulli: the log-partition table is built along a Gray code of
	// 2^20 states, whose running sums this checks for drift.
	bern, xb := bernoulliProblem(t, lfm.MaxExactFactors, 3, 1, 20)
	for _, tc := range []struct {
		name string
		p    lfm.Params
		x    [][]float64
	}{{"gaussian", gauss, xg}, {"bernoulli", bern, xb}} {
		t.Run(tc.name, func(t *testing.T) {
			post, err := lfm.Exact(tc.p, tc.x)
			require.NoError(t, err)
			le, marg := bruteExact(t, tc.p, tc.x[0])
			// 2^20 terms summed in different orders: ~1e-13 observed.
			const bigKTol = 1e-10
			assert.InDelta(t, le, post.LogEvidence[0], bigKTol)
			assert.InDeltaSlice(t, marg, post.Marginals[0], bigKTol)
			worst := math.Abs(le - post.LogEvidence[0])
			for j := range marg {
				worst = math.Max(worst, math.Abs(marg[j]-post.Marginals[0][j]))
			}
			t.Logf("K = 20: largest difference from brute force: %.2g", worst)
		})
	}
}

func TestExactTooManyFactors(t *testing.T) {
	p, x := randomProblem(t, lfm.MaxExactFactors+1, 2, 1, 21)
	_, err := lfm.Exact(p, x)
	require.ErrorIs(t, err, lfm.ErrTooManyFactors)
	assert.ErrorContains(t, err, "K = 21 > MaxExactFactors = 20")
	// CAVI has no such limit.
	_, err = lfm.CAVI(p, x, lfm.Settings{MaxSweeps: 2})
	assert.NoError(t, err)
	assert.False(t, errors.Is(err, lfm.ErrTooManyFactors))
}
