package fhmm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGenerateMoments: over T = 40,000 steps the empirical transition
// frequencies match P and the residuals y_t − Σ_m W⁽ᵐ⁾s_t⁽ᵐ⁾ have
// covariance C.
func TestGenerateMoments(t *testing.T) {
	const steps = 40000
	p, err := fhmm.RandomParams(2, 3, 3, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, err)
	s, y, err := fhmm.Generate(p, steps, rand.New(rand.NewPCG(2, 2)))
	require.NoError(t, err)
	require.Len(t, s, steps)
	require.Len(t, y, steps)
	for m := range p.P {
		counts := rect(3, 3)
		for ti := 1; ti < steps; ti++ {
			counts[s[ti-1][m]][s[ti][m]]++
		}
		for i, row := range counts {
			n := sum(row)
			for j, c := range row {
				// Four binomial standard errors of the row's n draws.
				pij := p.P[m][i][j]
				assert.InDelta(t, pij, c/n, 4*math.Sqrt(pij*(1-pij)/n), "P[%d][%d][%d] from %v visits", m, i, j, n)
			}
		}
	}
	cov := rect(3, 3)
	for ti, row := range y {
		r := make([]float64, 3)
		mu := mean(p, s[ti])
		for i := range r {
			r[i] = row[i] - mu[i]
		}
		for i := range cov {
			for j := range cov[i] {
				cov[i][j] += r[i] * r[j] / steps
			}
		}
	}
	for i := range cov {
		for j := range cov[i] {
			// The sample covariance's standard error is √((C_ii C_jj +
			// C_ij²)/T) ≤ √2·max C_ii/√T ≈ 0.02 here; allow four.
			se := math.Sqrt((p.C[i][i]*p.C[j][j] + p.C[i][j]*p.C[i][j]) / steps)
			assert.InDelta(t, p.C[i][j], cov[i][j], 4*se, "C[%d][%d]", i, j)
		}
	}
}

func TestGenerateSeeded(t *testing.T) {
	p, err := fhmm.RandomParams(3, 2, 2, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	s1, y1, err := fhmm.Generate(p, 20, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	s2, y2, err := fhmm.Generate(p, 20, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	assert.Equal(t, s1, s2)
	assert.Equal(t, y1, y2)
	_, _, err = fhmm.Generate(p, 0, rand.New(rand.NewPCG(1, 2)))
	assert.ErrorContains(t, err, "fhmm: Generate: T = 0, need at least one step")
	_, _, err = fhmm.Generate(p, 3, nil)
	assert.ErrorContains(t, err, "fhmm: Generate: nil *rand.Rand")
	// A state of probability 0 is never drawn.
	p.Pi[0] = []float64{0, 1}
	p.P[0] = [][]float64{{1, 0}, {0, 1}}
	s, _, err := fhmm.Generate(p, 50, rand.New(rand.NewPCG(4, 4)))
	require.NoError(t, err)
	for ti := range s {
		assert.Equal(t, 1, s[ti][0], "t = %d", ti)
	}
}

func TestRandomParams(t *testing.T) {
	for _, c := range []struct{ m, l, d int }{{1, 1, 1}, {3, 4, 5}, {6, 3, 8}} {
		p, err := fhmm.RandomParams(c.m, c.l, c.d, rand.New(rand.NewPCG(uint64(c.m), 0)))
		require.NoError(t, err)
		require.NoError(t, p.Validate())
		assert.Equal(t, []int{c.m, c.l, c.d}, []int{p.M(), p.L(), p.D()})
		q, err := fhmm.RandomParams(c.m, c.l, c.d, rand.New(rand.NewPCG(uint64(c.m), 0)))
		require.NoError(t, err)
		assert.Equal(t, p, q, "same seed, same parameters")
	}
	_, err := fhmm.RandomParams(0, 2, 2, rand.New(rand.NewPCG(1, 1)))
	assert.ErrorContains(t, err, "fhmm: RandomParams: M = 0, L = 2, D = 2")
	_, err = fhmm.RandomParams(1, 2, 2, nil)
	assert.ErrorContains(t, err, "nil *rand.Rand")
}
