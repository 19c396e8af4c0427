package blr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// TestCheckPredictive draws the targets from the exact posterior
// predictive by ancestral sampling (w ~ N(m_N, S_N), then y ~ N(Xw, 1/β)),
// an independent route to the closed form the check compares with: the
// check must find the draws consistent with it, and must see a shift and
// an inflation of the draws.
func TestCheckPredictive(t *testing.T) {
	phi, y, d := bostonDesign(t)
	p, err := Exact(phi, y, d, 1, 4)
	require.NoError(t, err)
	n, k := len(y), 4000
	var chol mat.Cholesky
	require.True(t, chol.Factorize(p.Cov))
	var L mat.TriDense
	chol.LTo(&L)
	r := rand.New(rand.NewPCG(1, 2))
	draws := make([]float64, k*n)
	w, eps := make([]float64, d), make([]float64, d)
	for j := 0; j < k; j++ {
		for a := range eps {
			eps[a] = r.NormFloat64()
		}
		for a := range w {
			w[a] = p.Mean[a]
			for b := 0; b <= a; b++ {
				w[a] += L.At(a, b) * eps[b]
			}
		}
		for i := 0; i < n; i++ {
			m := 0.0
			for a := 0; a < d; a++ {
				m += phi[i*d+a] * w[a]
			}
			draws[j*n+i] = m + r.NormFloat64()/math.Sqrt(p.Beta)
		}
	}
	c, err := p.CheckPredictive(phi, y, d, draws)
	require.NoError(t, err)
	t.Logf("%+v", *c)
	// Tolerances: the largest of 506 row-wise errors of 4,000 draws, each
	// with a standard error of sd/√4000 (mean) and 1/√8000 (relative sd):
	// 4.5 standard errors bound the maximum with room to spare.
	assert.Less(t, c.MaxRelStdError, mcSigmas/math.Sqrt(2*float64(k)))
	assert.Less(t, c.MaxAbsMeanError, mcSigmas*0.6/math.Sqrt(float64(k)), "predictive sds are below 0.6 on standardized Boston")
	// The draws' and the exact intervals cover the same targets but for
	// the few within Monte Carlo error of an interval's end.
	assert.InDelta(t, c.ExactCoverage95, c.Coverage95, 0.01)

	for i := range draws {
		draws[i] = 1.5*draws[i] + 0.3
	}
	c, err = p.CheckPredictive(phi, y, d, draws)
	require.NoError(t, err)
	assert.Greater(t, c.MaxRelStdError, 0.4)
	assert.Greater(t, c.MaxAbsMeanError, 0.2)

	_, err = p.CheckPredictive(phi, y, d, draws[:7])
	assert.ErrorContains(t, err, "7 draws for 506 targets")
}
