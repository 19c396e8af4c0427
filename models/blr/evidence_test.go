package blr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestEvidenceMaximizes: the α and β Evidence returns are a stationary
// point of ln p(y | α, β) as Exact computes it (central differences in
// log α and log β vanish) and a maximum (the evidence is lower a step away
// in each direction); on data of known precisions (α = 4: weights of sd
// 0.5; β = 25: noise sd 0.2, 400 rows) β is recovered within 10%. The
// predictive is checked against its definition, N(φᵀm_N, 1/β + φᵀS_Nφ),
// by a Monte Carlo of draws of w ~ N(m_N, S_N) and noise.
func TestEvidenceMaximizes(t *testing.T) {
	t.Parallel()
	const (
		n, d    = 400, 4
		gradTol = 1e-4 // central difference of step 1e-4 in log α, log β
		betaRel = 0.1  // 400 rows estimate the noise precision within ≈ 7% (sd)
	)
	r := rand.New(rand.NewPCG(3, 4))
	w := []float64{0.4, -0.7, 0.1, 0.5}
	x, y := make([]float64, n*d), make([]float64, n)
	for i := range n {
		for j := range d {
			x[i*d+j] = r.NormFloat64()
			y[i] += w[j] * x[i*d+j]
		}
		y[i] += 0.2 * r.NormFloat64()
	}
	p, err := Evidence(x, y, d, Settings{})
	require.NoError(t, err)
	ev := func(la, lb float64) float64 {
		q, err := Exact(x, y, d, math.Exp(la), math.Exp(lb))
		require.NoError(t, err)
		return q.LogEvidence
	}
	la, lb := math.Log(p.Alpha), math.Log(p.Beta)
	const h = 1e-4
	assert.InDelta(t, 0, (ev(la+h, lb)-ev(la-h, lb))/(2*h), gradTol, "∂ ln p / ∂ log α")
	assert.InDelta(t, 0, (ev(la, lb+h)-ev(la, lb-h))/(2*h), gradTol, "∂ ln p / ∂ log β")
	for _, s := range [][2]float64{{0.3, 0}, {-0.3, 0}, {0, 0.3}, {0, -0.3}} {
		assert.Less(t, ev(la+s[0], lb+s[1]), p.LogEvidence, "a step %v away", s)
	}
	assert.InDelta(t, 1, p.Beta/25, betaRel, "β = %v", p.Beta)
	t.Logf("α %.3f, β %.3f", p.Alpha, p.Beta)

	phi := []float64{1, -0.5, 2, 0.3}
	mean, vr, err := p.Predict(phi)
	require.NoError(t, err)
	const draws = 200000
	var ch mat.Cholesky
	require.True(t, ch.Factorize(p.Cov))
	var l mat.TriDense
	ch.LTo(&l)
	var s1, s2 float64
	for range draws {
		v := 0.0
		z := make([]float64, d)
		for j := range z {
			z[j] = r.NormFloat64()
		}
		for j := range d { // w = m_N + L z, L Lᵀ = S_N
			wj := p.Mean[j]
			for k := 0; k <= j; k++ {
				wj += l.At(j, k) * z[k]
			}
			v += phi[j] * wj
		}
		v += distuv.Normal{Mu: 0, Sigma: 1 / math.Sqrt(p.Beta), Src: r}.Rand()
		s1 += v / draws
		s2 += v * v / draws
	}
	sd := math.Sqrt(vr[0])
	assert.InDelta(t, mean[0], s1, 4*sd/math.Sqrt(draws), "predictive mean (4 Monte Carlo sds)")
	assert.InDelta(t, 1, math.Sqrt(s2-s1*s1)/sd, 0.01, "predictive sd (Monte Carlo error ≈ 0.16%)")
	_, _, err = p.Predict([]float64{1, 2, 3})
	assert.ErrorContains(t, err, "3 values are not rows of 4 columns")
}
