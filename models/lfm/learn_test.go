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
)

const (
	// learnRisingRelTol is the brief's bound on a fall of the
	// variational-EM ELBO between iterations, relative to |ELBO|.
	learnRisingRelTol = 1e-9
	// learnELBORelTol compares Learn's final summed ELBO with the test's
	// enumerated ELBO at the learned parameters and λ: the same number
	// up to rounding (the flips of orient, sums of ~10⁴ terms).
	learnELBORelTol = 1e-9
)

// permutations calls f with every permutation of 0, …, k−1.
func permutations(k int, f func([]int)) {
	perm := make([]int, k)
	used := make([]bool, k)
	var rec func(i int)
	rec = func(i int) {
		if i == k {
			f(perm)
			return
		}
		for j := 0; j < k; j++ {
			if !used[j] {
				used[j], perm[i] = true, j
				rec(i + 1)
				used[j] = false
			}
		}
	}
	rec(0)
}

// matchFactors returns the permutation m (learned factor m[j] for true
// factor j) that minimises the largest |w_learned − w_true| entry, and that
// entry.
func matchFactors(truth, learned [][]float64) ([]int, float64) {
	var best []int
	bestErr := math.Inf(1)
	permutations(len(truth), func(m []int) {
		var worst float64
		for j, w := range truth {
			for i, v := range w {
				worst = math.Max(worst, math.Abs(learned[m[j]][i]-v))
			}
		}
		if worst < bestErr {
			best, bestErr = append([]int(nil), m...), worst
		}
	})
	return best, bestErr
}

// TestLearnRecoversBars: on N = 1000 rows drawn from a bars problem with
// known parameters, variational EM recovers the bars, the bias, σ and π
// up to a permutation of the factors, each within five standard errors of
// the maximum-likelihood estimate at this N. With z_j ~ Bernoulli(½)
// independent, least squares on (z, 1) gives SE(w_jd) = σ/√(N/4) and
// SE(b_d) = σ√(1+K)/√N; SE(π_j) = √(¼/N) and SE(σ̂) ≈ σ/√(2ND). The
// mean-field bias is small here because each row's posterior is nearly
// certain at σ = 0.5 (observed: 0.1 weight error at most, σ within 0.006).
func TestLearnRecoversBars(t *testing.T) {
	const n, se = 1000, 5
	sigma := lfm.BarsSigma
	for _, k := range []int{4, 6} {
		weightTol := se * sigma / math.Sqrt(n/4.0)
		biasTol := se * sigma * math.Sqrt(1+float64(k)) / math.Sqrt(n)
		piTol := se * math.Sqrt(0.25/n)
		sigmaTol := se * sigma / math.Sqrt(2*n*lfm.BarsSide*lfm.BarsSide)
		t.Run(fmt.Sprintf("K=%d", k), func(t *testing.T) {
			t.Parallel()
			truth, x := barsProblem(t, k, n, uint64(40+k))
			l, err := lfm.Learn(x, k, lfm.LearnSettings{Seed: 1, Starts: 3})
			require.NoError(t, err)
			require.True(t, l.Converged, "not converged in %d iterations", l.Iterations)
			m, wErr := matchFactors(truth.W, l.Params.W)
			assert.LessOrEqual(t, wErr, weightTol, "largest weight error, matching %v", m)
			var bErr float64
			for i, v := range l.Params.B {
				bErr = math.Max(bErr, math.Abs(v-truth.B[i]))
			}
			assert.LessOrEqual(t, bErr, biasTol, "largest bias error")
			assert.InDelta(t, truth.Sigma, l.Params.Sigma, sigmaTol, "σ")
			for j, pi := range truth.Pi {
				assert.InDelta(t, pi, l.Params.Pi[m[j]], piTol, "π of true factor %d", j)
			}
			post, err := lfm.Exact(truth, x)
			require.NoError(t, err)
			t.Logf("K = %d: %d iterations (start %d of %v), weight error %.3f (tol %.3f), bias error %.3f (tol %.3f), σ %.4f (tol %.4f); "+
				"ELBO %.2f at the learned parameters, log evidence %.2f at the true ones",
				k, l.Iterations, l.Start, l.StartIters, wErr, weightTol, bErr, biasTol, l.Params.Sigma, sigmaTol, l.ELBO[len(l.ELBO)-1], post.Total)
		})
	}
}

// TestLearnELBORises: the variational-EM ELBO never falls between
// iterations (beyond 1e-9 relative), its last value is the test's own
// enumerated ELBO at the learned parameters and λ, and every learned
// factor is oriented (Σ_d w_jd ≥ 0).
func TestLearnELBORises(t *testing.T) {
	noisy, _ := barsProblem(t, 6, 1, 9)
	noisy.Sigma = 2
	_, xn, err := lfm.Generate(noisy, 80, rand.New(rand.NewPCG(9, 9)))
	require.NoError(t, err)
	_, xr := randomProblem(t, 3, 5, 80, 31)
	for _, tc := range []struct {
		name string
		x    [][]float64
		k    int
	}{{"random K=3 D=5", xr, 3}, {"noisy bars K=6", xn, 6}, {"noisy bars K=3 (too few)", xn, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := lfm.Learn(tc.x, tc.k, lfm.LearnSettings{Seed: 2, Starts: 3})
			require.NoError(t, err)
			require.Len(t, l.ELBO, l.Iterations+1)
			for i := 1; i < len(l.ELBO); i++ {
				assert.GreaterOrEqual(t, l.ELBO[i], l.ELBO[i-1]-learnRisingRelTol*math.Abs(l.ELBO[i-1]), "ELBO fell at iteration %d", i)
			}
			var sum float64
			for n, row := range tc.x {
				sum += bruteELBO(l.Params, row, l.Q.Lambda[n])
			}
			assert.InEpsilon(t, sum, l.ELBO[len(l.ELBO)-1], learnELBORelTol, "final ELBO against the enumeration")
			for j, w := range l.Params.W {
				var s float64
				for _, v := range w {
					s += v
				}
				assert.GreaterOrEqual(t, s, 0.0, "factor %d is not oriented", j)
			}
			assert.Len(t, l.StartELBO, 3)
			assert.Equal(t, l.ELBO[len(l.ELBO)-1], l.StartELBO[l.Start])
			for _, e := range l.StartELBO {
				assert.LessOrEqual(t, e, l.StartELBO[l.Start], "the best start wins")
			}
			t.Logf("%d iterations, ELBO %.4f → %.4f, starts %v", l.Iterations, l.ELBO[0], l.ELBO[len(l.ELBO)-1], l.StartELBO)
		})
	}
}

// TestLearnStationary checks with the test's enumerated ELBO that the
// converged parameters maximise Σ_n ELBO_n at the learned λ: moving any
// weight, bias, σ or π_j by ±stepTol must not raise it beyond rounding.
// (At convergence the last M-step's λ and the final λ differ by less than
// the Tol = 1e-13 criterion allows.)
func TestLearnStationary(t *testing.T) {
	const (
		step    = 1e-4
		riseTol = 1e-8 // first-order rise allowed by the residual gradient at Tol = 1e-13
	)
	_, x := randomProblem(t, 3, 4, 40, 77)
	l, err := lfm.Learn(x, 3, lfm.LearnSettings{Seed: 3, Starts: 2, Tol: 1e-13, MaxIters: 5000, Sweeps: 200})
	require.NoError(t, err)
	require.True(t, l.Converged)
	total := func(p lfm.Params) float64 {
		var s float64
		for n, row := range x {
			s += bruteELBO(p, row, l.Q.Lambda[n])
		}
		return s
	}
	at := total(l.Params)
	moves := 0
	try := func(name string, v *float64) {
		old := *v
		for _, d := range []float64{-step, step} {
			*v = old + d
			assert.LessOrEqual(t, total(l.Params), at+riseTol, "moving %s by %g raises the ELBO", name, d)
			moves++
		}
		*v = old
	}
	for j := range l.Params.W {
		for i := range l.Params.W[j] {
			try("w", &l.Params.W[j][i])
		}
		try("π", &l.Params.Pi[j])
	}
	for i := range l.Params.B {
		try("b", &l.Params.B[i])
	}
	try("σ", &l.Params.Sigma)
	t.Logf("%d moves, none raises the ELBO %.6f beyond %g", moves, at, riseTol)
}

// TestLearnNoiseFloor: two rows and two factors (plus the bias) reproduce
// the data exactly, so the learned σ sits on its floor and the ELBO stays
// finite.
func TestLearnNoiseFloor(t *testing.T) {
	x := [][]float64{{1, 2, 3}, {0, 5, -1}}
	l, err := lfm.Learn(x, 2, lfm.LearnSettings{MinSigma: 1e-3, Starts: 1})
	require.NoError(t, err)
	assert.InDelta(t, 1e-3, l.Params.Sigma, 1e-15, "σ on the floor")
	assert.False(t, math.IsInf(l.ELBO[len(l.ELBO)-1], 0))
}

func TestLearnSeeded(t *testing.T) {
	_, x := randomProblem(t, 2, 3, 30, 5)
	a, err := lfm.Learn(x, 2, lfm.LearnSettings{Seed: 7, Starts: 2})
	require.NoError(t, err)
	b, err := lfm.Learn(x, 2, lfm.LearnSettings{Seed: 7, Starts: 2})
	require.NoError(t, err)
	assert.Equal(t, a, b, "same seed, same fit")
}

func TestLearnBadInput(t *testing.T) {
	_, x := randomProblem(t, 2, 3, 5, 1)
	for _, tc := range []struct {
		name string
		x    [][]float64
		k    int
		s    lfm.LearnSettings
		want string
	}{
		{"k = 0", x, 0, lfm.LearnSettings{}, "lfm: Learn: k = 0, need at least one factor"},
		{"no rows", nil, 2, lfm.LearnSettings{}, "lfm: no data rows"},
		{"empty rows", [][]float64{{}, {}}, 2, lfm.LearnSettings{}, "lfm: Learn: x rows are empty"},
		{"ragged", [][]float64{{1, 2}, {3}}, 1, lfm.LearnSettings{}, "lfm: x row 1 has 1 entries, want D = 2"},
		{"NaN", [][]float64{{1, 2}, {3, math.NaN()}}, 1, lfm.LearnSettings{}, "lfm: x row 1, column 1 = NaN"},
		{"starts", x, 2, lfm.LearnSettings{Starts: -1}, "lfm: LearnSettings.Starts = -1 is negative"},
		{"iters", x, 2, lfm.LearnSettings{MaxIters: -2}, "lfm: LearnSettings.MaxIters = -2 is negative"},
		{"sweeps", x, 2, lfm.LearnSettings{Sweeps: -3}, "lfm: LearnSettings.Sweeps = -3 is negative"},
		{"tol", x, 2, lfm.LearnSettings{Tol: math.NaN()}, "lfm: LearnSettings.Tol = NaN"},
		{"min sigma", x, 2, lfm.LearnSettings{MinSigma: -1}, "lfm: LearnSettings.MinSigma = -1"},
		{"min sigma Inf", x, 2, lfm.LearnSettings{MinSigma: math.Inf(1)}, "lfm: LearnSettings.MinSigma = +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lfm.Learn(tc.x, tc.k, tc.s)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestLearnProgress: Progress sees every iteration of every start in
// order, and its error stops Learn.
func TestLearnProgress(t *testing.T) {
	_, x := randomProblem(t, 2, 3, 30, 5)
	type call struct{ start, iter int }
	var calls []call
	l, err := lfm.Learn(x, 2, lfm.LearnSettings{Seed: 7, Starts: 2, Progress: func(s, it int, elbo float64) error {
		calls = append(calls, call{s, it})
		return nil
	}})
	require.NoError(t, err)
	require.Len(t, calls, l.StartIters[0]+l.StartIters[1])
	assert.Equal(t, call{0, 1}, calls[0])
	assert.Equal(t, call{1, l.StartIters[1]}, calls[len(calls)-1])
	stop := errors.New("cancelled")
	_, err = lfm.Learn(x, 2, lfm.LearnSettings{Progress: func(s, it int, _ float64) error {
		if it == 3 {
			return stop
		}
		return nil
	}})
	require.ErrorIs(t, err, stop)
	assert.ErrorContains(t, err, "lfm: Learn stopped at start 0, iteration 3: cancelled")
}
