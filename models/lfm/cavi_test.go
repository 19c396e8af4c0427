package lfm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// exactMFTol is the brief's requirement where mean field is exact
	// (K = 1, orthogonal factors): ELBO = log p(x) and λ = the exact
	// marginals. Observed: ~1e-14.
	exactMFTol = 1e-10
	// elboTol compares CAVI's closed-form ELBO with the expectation over
	// the 2^K states computed in the test; both are sums of O(10) terms.
	elboTol = 1e-10
	// risingRelTol is how far (relative) the test lets the ELBO fall
	// between sweeps: rounding only, far tighter than the 1e-9 that CAVI
	// itself enforces.
	risingRelTol = 1e-13
	// belowRelTol is how far an ELBO may exceed log p(x) by rounding.
	belowRelTol = 1e-13
	// stationaryStep and stationaryTol check that the converged λ is a
	// coordinate-wise maximum of the test's ELBO: moving one λ_j by 1e-4
	// must not raise it by more than rounding.
	stationaryStep = 1e-4
	stationaryTol  = 1e-12
)

// randomInit draws λ uniformly on [0, 1].
func randomInit(n, k int, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 3))
	init := make([][]float64, n)
	for i := range init {
		init[i] = make([]float64, k)
		for j := range init[i] {
			init[i][j] = r.Float64()
		}
	}
	return init
}

type caviCase struct {
	name string
	p    lfm.Params
	x    [][]float64
	init [][]float64
}

func caviCases(t *testing.T) []caviCase {
	var cs []caviCase
	for _, c := range []struct{ k, d int }{{3, 4}, {5, 6}} {
		p, x := randomProblem(t, c.k, c.d, 15, uint64(100+c.k))
		cs = append(cs,
			caviCase{fmt.Sprintf("random K=%d D=%d from prior", c.k, c.d), p, x, nil},
			caviCase{fmt.Sprintf("random K=%d D=%d from random λ", c.k, c.d), p, x, randomInit(len(x), c.k, uint64(c.k))})
	}
	p, x := barsProblem(t, 6, 15, 6)
	cs = append(cs, caviCase{"bars K=6", p, x, randomInit(len(x), 6, 6)})
	// Noisier bars: the posteriors are uncertain and overlapping bars
	// explain each other away, so mean field has a visible gap.
	p, x = barsProblem(t, 6, 15, 7)
	p.Sigma = 2
	cs = append(cs, caviCase{"bars K=6 σ=2", p, x, randomInit(len(x), 6, 7)})
	return cs
}

func TestCAVIBelowEvidenceAndRising(t *testing.T) {
	for _, tc := range caviCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := lfm.CAVI(tc.p, tc.x, lfm.Settings{Init: tc.init})
			require.NoError(t, err)
			require.True(t, q.Converged, "not converged in %d sweeps", q.Sweeps)
			require.Len(t, q.ELBO, q.Sweeps+1)
			assertRising(t, q.ELBO)
			post, err := lfm.Exact(tc.p, tc.x)
			require.NoError(t, err)
			gap, err := lfm.Gap(post, q)
			require.NoError(t, err)
			var sum, maxGap float64
			for n, row := range tc.x {
				sum += q.RowELBO[n]
				maxGap = math.Max(maxGap, gap[n])
				assert.GreaterOrEqual(t, gap[n], -belowRelTol*math.Abs(post.LogEvidence[n]), "row %d: ELBO above log p(x)", n)
				assert.InDelta(t, bruteELBO(tc.p, row, q.Lambda[n]), q.RowELBO[n], elboTol, "row %d: closed-form ELBO", n)
				assertStationary(t, tc.p, row, q.Lambda[n], n)
			}
			assert.InDelta(t, sum, q.ELBO[len(q.ELBO)-1], elboTol*float64(len(tc.x)), "ELBO trace ends at Σ RowELBO")
			t.Logf("%d sweeps, ELBO %.6f → %.6f, log evidence %.6f, largest row gap %.3g",
				q.Sweeps, q.ELBO[0], q.ELBO[len(q.ELBO)-1], post.Total, maxGap)
		})
	}
}

func assertRising(t *testing.T, elbo []float64) {
	t.Helper()
	for s := 1; s < len(elbo); s++ {
		assert.GreaterOrEqual(t, elbo[s], elbo[s-1]-risingRelTol*math.Abs(elbo[s-1]), "ELBO fell at sweep %d", s)
	}
}

// assertStationary checks with the test's own ELBO that no single λ_j can
// be moved up or down to raise it.
func assertStationary(t *testing.T, p lfm.Params, x, lambda []float64, n int) {
	t.Helper()
	at := bruteELBO(p, x, lambda)
	for j := range lambda {
		for _, step := range []float64{-stationaryStep, stationaryStep} {
			l := append([]float64(nil), lambda...)
			l[j] = math.Min(1, math.Max(0, l[j]+step))
			assert.LessOrEqual(t, bruteELBO(p, x, l), at+stationaryTol, "row %d: moving λ_%d by %g raises the ELBO", n, j, step)
		}
	}
}

// TestCAVIExactCases: one factor, or pairwise orthogonal factors (disjoint
// horizontal bars, of unequal norms), make the posterior factorise, so mean
// field is exact: CAVI's ELBO equals log p(x) and λ the exact marginals.
func TestCAVIExactCases(t *testing.T) {
	one, x1 := randomProblem(t, 1, 5, 20, 1)
	orth := lfm.Params{W: make([][]float64, 4), B: make([]float64, 36), Sigma: 1.5, Pi: []float64{0.2, 0.5, 0.7, 0.4}}
	for j := range orth.W {
		orth.W[j] = make([]float64, 36)
		for c := 0; c < 6; c++ {
			orth.W[j][(j+1)*6+c] = float64(j+1) * 0.5
		}
	}
	_, xo, err := lfm.Generate(orth, 20, rand.New(rand.NewPCG(4, 4)))
	require.NoError(t, err)
	for _, tc := range []caviCase{
		{"K=1", one, x1, nil},
		{"orthogonal bars", orth, xo, randomInit(20, 4, 9)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := lfm.CAVI(tc.p, tc.x, lfm.Settings{Init: tc.init})
			require.NoError(t, err)
			post, err := lfm.Exact(tc.p, tc.x)
			require.NoError(t, err)
			gap, err := lfm.Gap(post, q)
			require.NoError(t, err)
			var worst float64
			for n := range tc.x {
				worst = math.Max(worst, math.Abs(gap[n]))
				assert.InDelta(t, post.LogEvidence[n], q.RowELBO[n], exactMFTol, "row %d", n)
				assert.InDeltaSlice(t, post.Marginals[n], q.Lambda[n], exactMFTol, "row %d", n)
			}
			// The updates decouple, so the first sweep is the optimum and
			// the second only confirms it.
			assert.LessOrEqual(t, q.Sweeps, 2)
			t.Logf("%d sweeps, largest |gap| %.2g", q.Sweeps, worst)
		})
	}
}

func TestCAVISettings(t *testing.T) {
	p, x := randomProblem(t, 3, 4, 5, 8)
	q, err := lfm.CAVI(p, x, lfm.Settings{MaxSweeps: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, q.Sweeps)
	assert.Len(t, q.ELBO, 2)
	for n := range x {
		// Without Init, λ starts at the prior; ELBO[0] is its ELBO.
		assert.InDelta(t, bruteELBO(p, x[n], p.Pi), func() float64 {
			q0, err := lfm.CAVI(p, x[n:n+1], lfm.Settings{MaxSweeps: 1})
			require.NoError(t, err)
			return q0.ELBO[0]
		}(), elboTol, "row %d", n)
	}
	init := randomInit(len(x), 3, 1)
	keep := append([]float64(nil), init[0]...)
	_, err = lfm.CAVI(p, x, lfm.Settings{Init: init})
	require.NoError(t, err)
	assert.Equal(t, keep, init[0], "Settings.Init was modified")
}
