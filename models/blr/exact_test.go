package blr

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

const (
	// peerScalarTol compares our log evidence, ln|A| and ELBO with the
	// peer's numpy figures for N = 506: the peer's own two evaluations of
	// the evidence (PRML 3.86 vs the direct density) differ by 2.1e-12, and
	// the sums involved are O(10³), so 1e-9 leaves room for summation order.
	peerScalarTol = 1e-9
	// peerMeanTol compares m_N and posterior stds (values O(0.1)) with the
	// peer's: two Cholesky solves of the same 14×14 system with condition
	// number ≈ 10 agree to a few ulps.
	peerMeanTol = 1e-12
	// denseTol compares two float64 evaluations of the same quantity by
	// different formulas on small, well-conditioned problems (values O(10)).
	denseTol = 1e-10
	// mcSigmas is the width, in Monte Carlo standard errors, of a seeded
	// Monte Carlo check: a correct formula fails a 4.5σ check with
	// probability 7e-6.
	mcSigmas = 4.5
)

func TestExactBostonPeer(t *testing.T) {
	phi, y, m := bostonDesign(t)
	require.Equal(t, peerBostonM, m)
	require.Len(t, y, peerBostonN)
	p, err := Exact(phi, y, m, peerBostonAlpha, peerBostonBeta)
	require.NoError(t, err)

	assert.InDelta(t, peerBostonLogEvidence, p.LogEvidence, peerScalarTol, "log evidence")
	assert.InDelta(t, peerBostonLogEvDirect, p.LogEvidence, peerScalarTol, "log evidence vs peer's direct density")
	assert.InDelta(t, peerBostonLogDetA, p.LogDetPrec, peerScalarTol, "ln|A|")
	assert.InDelta(t, peerBostonMeanFieldELBO, p.MeanFieldELBO, peerScalarTol, "mean-field ELBO")
	assert.InDelta(t, peerBostonKL, p.LogEvidence-p.MeanFieldELBO, peerScalarTol, "KL(q_mf ‖ posterior)")
	for j := range peerBostonMeanN {
		assert.InDelta(t, peerBostonMeanN[j], p.Mean[j], peerMeanTol, "m_N[%d]", j)
		assert.InDelta(t, peerBostonPostStd[j], math.Sqrt(p.Cov.At(j, j)), peerMeanTol, "posterior std[%d]", j)
	}
	// The peer's mean-field stds are all 1/√(α + β·N) = 1/45 because the
	// standardised columns have Σᵢ x_ij² = N.
	for j, v := range p.MeanFieldVar {
		assert.InDelta(t, 1.0/45, math.Sqrt(v), peerMeanTol, "mean-field std[%d]", j)
	}
}

// TestExactAgainstDense checks the posterior and evidence against formulas
// that work in the N-dimensional data space: ln p(y) = ln N(y; 0, C) with
// C = β⁻¹I + α⁻¹XXᵀ, the density evaluated directly, and the posterior by
// Gaussian conditioning, m_N = α⁻¹XᵀC⁻¹y, S_N = α⁻¹I − α⁻²XᵀC⁻¹X.
// (gonum's distmv.Normal would be the natural oracle, but distmv needs
// golang.org/x/tools, which go.sum does not pin.)
func TestExactAgainstDense(t *testing.T) {
	for i, tc := range []struct {
		name        string
		n, d        int
		alpha, beta float64
	}{
		{"square", 5, 5, 1, 4},
		{"tall", 9, 3, 0.3, 2.5},
		{"wide", 3, 6, 2, 0.7},
		{"one row", 1, 2, 1.5, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := synthetic(tc.n, tc.d, uint64(i+1))
			p, err := Exact(x, y, tc.d, tc.alpha, tc.beta)
			require.NoError(t, err)

			xm := mat.NewDense(tc.n, tc.d, x)
			c := mat.NewSymDense(tc.n, nil)
			c.SymOuterK(1/tc.alpha, xm)
			for k := 0; k < tc.n; k++ {
				c.SetSym(k, k, c.At(k, k)+1/tc.beta)
			}
			assert.InDelta(t, logNormalDensity(y, make([]float64, tc.n), c), p.LogEvidence, denseTol, "ln p(y)")

			var cinv mat.Dense
			require.NoError(t, cinv.Inverse(c))
			var u mat.VecDense
			u.MulVec(&cinv, mat.NewVecDense(tc.n, y))
			var mean mat.VecDense
			mean.MulVec(xm.T(), &u)
			var xtcx, tmp mat.Dense
			tmp.Mul(xm.T(), &cinv)
			xtcx.Mul(&tmp, xm)
			for j := 0; j < tc.d; j++ {
				assert.InDelta(t, mean.AtVec(j)/tc.alpha, p.Mean[j], denseTol, "m_N[%d]", j)
				for k := 0; k < tc.d; k++ {
					want := -xtcx.At(j, k) / (tc.alpha * tc.alpha)
					if j == k {
						want += 1 / tc.alpha
					}
					assert.InDelta(t, want, p.Cov.At(j, k), denseTol, "S_N[%d,%d]", j, k)
				}
			}
		})
	}
}

// TestELBOGaussian checks the closed-form ELBO: at the exact posterior it is
// the log evidence, at the mean-field optimum MeanFieldELBO, and for an
// arbitrary Gaussian it matches a Monte Carlo average of
// ln p(y|w) + ln p(w) − ln q(w) over seeded draws w = μ + Lε.
func TestELBOGaussian(t *testing.T) {
	const n, d, alpha, beta = 8, 3, 0.8, 3.0
	x, y := synthetic(n, d, 7)
	p, err := Exact(x, y, d, alpha, beta)
	require.NoError(t, err)

	assert.InDelta(t, p.LogEvidence, p.ELBOGaussian(p.Mean, p.Cov), denseTol, "q = posterior")
	assert.InDelta(t, p.MeanFieldELBO, p.ELBOGaussian(p.Mean, mat.NewDiagDense(d, p.MeanFieldVar)), denseTol, "q = mean-field optimum")

	// An arbitrary correlated q, away from the optimum.
	mean := []float64{p.Mean[0] + 0.1, p.Mean[1] - 0.2, p.Mean[2]}
	cov := mat.NewSymDense(d, []float64{
		0.05, 0.01, 0.0,
		0.01, 0.08, -0.02,
		0.0, -0.02, 0.03,
	})
	got := p.ELBOGaussian(mean, cov)
	var chol mat.Cholesky
	require.True(t, chol.Factorize(cov))
	var l mat.TriDense
	chol.LTo(&l)
	r := rand.New(rand.NewPCG(11, 12))
	const draws = 200000
	w := make([]float64, d)
	eps := make([]float64, d)
	var sum, sumSq float64
	for k := 0; k < draws; k++ {
		for j := range eps {
			eps[j] = r.NormFloat64()
		}
		for j := range w {
			w[j] = mean[j]
			for i := 0; i <= j; i++ {
				w[j] += l.At(j, i) * eps[i]
			}
		}
		v := logJoint(x, y, d, alpha, beta, w) - logNormalDensity(w, mean, cov)
		sum += v
		sumSq += v * v
	}
	mc := sum / draws
	se := math.Sqrt((sumSq/draws - mc*mc) / draws)
	assert.InDelta(t, mc, got, mcSigmas*se, "Monte Carlo ELBO %.6f ± %.6f", mc, se)

	assert.True(t, got < p.LogEvidence, "ELBO %v must be below ln p(y) = %v", got, p.LogEvidence)
	assert.True(t, math.IsNaN(p.ELBOGaussian(mean[:2], cov)), "mismatched mean length gives NaN")
	assert.True(t, math.IsNaN(p.ELBOGaussian(mean, mat.NewSymDense(2, nil))), "mismatched cov size gives NaN")
	assert.True(t, math.IsInf(p.ELBOGaussian(mean, mat.NewSymDense(d, nil)), -1), "singular cov gives −Inf")
}

// logJoint is ln p(y | w) + ln p(w), written with univariate normal
// log-densities.
func logJoint(x, y []float64, d int, alpha, beta float64, w []float64) float64 {
	lp := 0.0
	for _, wj := range w {
		lp += logNormal(wj, 0, 1/alpha)
	}
	for i := range y {
		var mu float64
		for j := 0; j < d; j++ {
			mu += x[i*d+j] * w[j]
		}
		lp += logNormal(y[i], mu, 1/beta)
	}
	return lp
}

// logNormalDensity is ln N(v; mu, cov) evaluated with a Cholesky
// factorisation, as the peer program evaluates its direct density.
func logNormalDensity(v, mu []float64, cov mat.Symmetric) float64 {
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return math.NaN()
	}
	n := len(v)
	diff := mat.NewVecDense(n, nil)
	for i := range v {
		diff.SetVec(i, v[i]-mu[i])
	}
	var z mat.VecDense
	if err := ch.SolveVecTo(&z, diff); err != nil {
		return math.NaN()
	}
	return -0.5*float64(n)*math.Log(2*math.Pi) - 0.5*ch.LogDet() - 0.5*mat.Dot(diff, &z)
}

func logNormal(v, mu, variance float64) float64 {
	return -0.5*math.Log(2*math.Pi*variance) - (v-mu)*(v-mu)/(2*variance)
}

func TestExactErrors(t *testing.T) {
	x, y := synthetic(4, 2, 1)
	nan := append([]float64(nil), x...)
	nan[3] = math.NaN()
	ynan := append([]float64(nil), y...)
	ynan[2] = math.Inf(1)
	for _, tc := range []struct {
		name        string
		x, y        []float64
		d           int
		alpha, beta float64
		want        string
	}{
		{"no rows", nil, nil, 2, 1, 1, "N = 0"},
		{"no columns", x, y, 0, 1, 1, "d = 0"},
		{"mismatched lengths", x[:7], y, 2, 1, 1, "mismatched lengths"},
		{"NaN in x", nan, y, 2, 1, 1, "x row 1, column 1 = NaN is not a finite number"},
		{"Inf in y", x, ynan, 2, 1, 1, "y[2] = +Inf is not a finite number"},
		{"alpha zero", x, y, 2, 0, 1, "alpha = 0, must be a finite positive number"},
		{"alpha negative", x, y, 2, -1, 1, "alpha = -1"},
		{"alpha NaN", x, y, 2, math.NaN(), 1, "alpha = NaN"},
		{"beta zero", x, y, 2, 1, 0, "beta = 0, must be a finite positive number"},
		{"beta infinite", x, y, 2, 1, math.Inf(1), "beta = +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Exact(tc.x, tc.y, tc.d, tc.alpha, tc.beta)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "blr: ")
			_, err = CAVI(tc.x, tc.y, tc.d, tc.alpha, tc.beta, Settings{})
			require.Error(t, err, "CAVI")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func Example() {
	// Three noisy observations of y = 2x.
	x := []float64{1, 2, 3}
	y := []float64{2.1, 3.9, 6.0}
	p, err := Exact(x, y, 1, 1, 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("w = %.4f ± %.4f, ln p(y) = %.3f\n", p.Mean[0], math.Sqrt(p.Cov.At(0, 0)), p.LogEvidence)
	// Output: w = 1.9914 ± 0.0267, ln p(y) = -2.420
}
