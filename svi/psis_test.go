package svi_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

func readColumn(t *testing.T, name string) []float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var out []float64
	for _, f := range strings.Fields(string(b)) {
		v, err := strconv.ParseFloat(f, 64)
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// TestParetoSmoothMatchesLoo compares k̂ and the effective sample size with
// the R package loo 2.5.1 (Debian r-cran-loo), run by testdata/psis_ref.R on
// the same log weights: psis(lw, r_eff = 1), pareto_k_values, and 1/Σw̃².
func TestParetoSmoothMatchesLoo(t *testing.T) {
	for _, tc := range []struct {
		file      string
		khat, ess float64
	}{
		{"psis_lw_narrow.txt", 0.611979321853503, 220.3224948}, // N(0,1) target, N(0, 0.5²) proposal
		{"psis_lw_wide.txt", -1.60599966512777, 902.9942175},   // N(0,1) target, N(0.3, 1.2²) proposal
		{"psis_lw_t3.txt", 0.600204070372317, 1469.325547},     // t₃ target, N(0,1) proposal
	} {
		t.Run(tc.file, func(t *testing.T) {
			ps, err := svi.ParetoSmooth(readColumn(t, tc.file))
			require.NoError(t, err)
			// Tolerances: the same algorithm in float64; loo's figures are
			// printed to 15 and 10 significant digits.
			assert.InDelta(t, tc.khat, ps.KHat, 1e-9)
			assert.InDelta(t, tc.ess, ps.ESS, 1e-6*tc.ess)
		})
	}
}

// TestKHatKnownCases: q = p gives equal weights and k̂ well under 0.5; a
// proposal much narrower than the target gives k̂ over 0.7.
func TestKHatKnownCases(t *testing.T) {
	equal := make([]float64, 1000)
	ps, err := svi.ParetoSmooth(equal)
	require.NoError(t, err)
	assert.Less(t, ps.KHat, 0.5)
	assert.InDelta(t, 1000, ps.ESS, 1e-9)

	r := rand.New(rand.NewPCG(1, 1))
	// q = N(0, 0.3² I), p = N(0, I) in 5 dimensions: the tail index of the
	// weights is 1 − 0.3² = 0.91.
	narrow := make([]float64, 4000)
	for i := range narrow {
		for d := 0; d < 5; d++ {
			x := 0.3 * r.NormFloat64()
			narrow[i] += -x*x/2 + x*x/(2*0.09) + math.Log(0.3)
		}
	}
	ps, err = svi.ParetoSmooth(narrow)
	require.NoError(t, err)
	t.Logf("narrow proposal: k̂ = %.3f, ESS = %.0f of 4000", ps.KHat, ps.ESS)
	assert.Greater(t, ps.KHat, 0.7)
	_, err = svi.ParetoSmooth(make([]float64, 5))
	assert.ErrorIs(t, err, svi.ErrFewDraws)
}
