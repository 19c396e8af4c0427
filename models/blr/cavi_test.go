package blr

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// caviMeanTol is the brief's requirement on CAVI's means against the
	// mean-field optimum m_N.
	caviMeanTol = 1e-10
	// monotoneRelTol allows an ELBO to fall between sweeps by rounding only:
	// near convergence successive ELBOs agree to the last few ulps of a
	// number O(10²)–O(10³), i.e. ~1e-13 relative.
	monotoneRelTol = 1e-12
	// varRelTol compares 1/A_jj from two evaluations of the same
	// expression.
	varRelTol = 1e-14
)

func TestCAVIBostonPeer(t *testing.T) {
	phi, y, m := bostonDesign(t)
	q, err := CAVI(phi, y, m, peerBostonAlpha, peerBostonBeta, Settings{})
	require.NoError(t, err)
	require.True(t, q.Converged, "CAVI did not converge in %d sweeps", q.Iterations)
	t.Logf("CAVI on Boston: %d sweeps, ELBO %.10f", q.Iterations, q.ELBO[len(q.ELBO)-1])
	for j := range peerBostonMeanN {
		assert.InDelta(t, peerBostonMeanN[j], q.Mean[j], caviMeanTol, "μ[%d]", j)
		// The peer's mean-field stds are all 1/45 (see TestExactBostonPeer).
		assert.InDelta(t, 1.0/45, math.Sqrt(q.Var[j]), peerMeanTol, "σ[%d]", j)
	}
	assert.InDelta(t, peerBostonMeanFieldELBO, q.ELBO[len(q.ELBO)-1], peerScalarTol, "final ELBO vs peer's mean-field optimum")
	assertNonDecreasing(t, q.ELBO, "CAVI ELBO")
}

func TestCAVIMatchesExact(t *testing.T) {
	for i, tc := range []struct {
		name        string
		n, d        int
		alpha, beta float64
	}{
		{"tall", 30, 4, 1, 4},
		{"wide", 4, 7, 0.5, 2},
		{"strong prior", 10, 3, 50, 1},
		{"single column", 6, 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := synthetic(tc.n, tc.d, uint64(100+i))
			// Correlate the columns so that coordinate ascent needs many sweeps.
			for r := 0; r < tc.n; r++ {
				for j := 1; j < tc.d; j++ {
					x[r*tc.d+j] += 0.8 * x[r*tc.d]
				}
			}
			p, err := Exact(x, y, tc.d, tc.alpha, tc.beta)
			require.NoError(t, err)
			q, err := CAVI(x, y, tc.d, tc.alpha, tc.beta, Settings{})
			require.NoError(t, err)
			require.True(t, q.Converged)
			for j := 0; j < tc.d; j++ {
				assert.InDelta(t, p.Mean[j], q.Mean[j], caviMeanTol, "μ[%d]", j)
				assert.InEpsilon(t, p.MeanFieldVar[j], q.Var[j], varRelTol, "σ²[%d]", j)
			}
			assert.InDelta(t, p.MeanFieldELBO, q.ELBO[len(q.ELBO)-1], denseTol, "final ELBO")
			assertNonDecreasing(t, q.ELBO, "CAVI ELBO")
		})
	}
}

func TestCAVIMaxIter(t *testing.T) {
	x, y := synthetic(20, 3, 5)
	q, err := CAVI(x, y, 3, 1, 1, Settings{MaxIter: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, q.Iterations)
	assert.Len(t, q.ELBO, 1)
	_, err = CAVI(x, y, 3, 1, 1, Settings{MaxIter: -1})
	assert.ErrorContains(t, err, "blr: Settings.MaxIter = -1")
}

// assertNonDecreasing checks that a bound never falls by more than rounding.
func assertNonDecreasing(t *testing.T, trace []float64, what string) {
	t.Helper()
	for i := 1; i < len(trace); i++ {
		drop := trace[i-1] - trace[i]
		tol := monotoneRelTol * max(1, -trace[i], trace[i])
		if drop > tol {
			t.Errorf("%s fell at iteration %d: %.17g → %.17g (drop %.3g > %.3g)", what, i+1, trace[i-1], trace[i], drop, tol)
		}
	}
}
