package blr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

func TestVBBoundMonotone(t *testing.T) {
	phi, y, m := bostonDesign(t)
	for _, tc := range []struct {
		name  string
		prior GammaPrior
	}{
		{"vague", GammaPrior{A0: 1e-3, B0: 1e-3}},
		{"unit", GammaPrior{A0: 1, B0: 1}},
		{"strong", GammaPrior{A0: 100, B0: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := VB(phi, y, m, peerBostonBeta, tc.prior, Settings{})
			require.NoError(t, err)
			require.True(t, q.Converged, "VB did not converge in %d iterations", q.Iterations)
			t.Logf("%s: %d iterations, E[α] = %.6g, bound %.10f", tc.name, q.Iterations, q.EAlpha, q.Bound[len(q.Bound)-1])
			assertNonDecreasing(t, q.Bound, "VB bound")
			// At the fixed point q(w) is the exact posterior for α = E[α].
			p, err := Exact(phi, y, m, q.EAlpha, peerBostonBeta)
			require.NoError(t, err)
			for j := range q.Mean {
				assert.InDelta(t, p.Mean[j], q.Mean[j], caviMeanTol, "m_N[%d]", j)
			}
			assert.InDelta(t, tc.prior.A0+0.5*float64(m), q.AN, 0, "a_N (10.94) is exact")
		})
	}
}

// TestVBBoundMonteCarlo checks the closed form 10.107–10.112 at the fitted q
// against a Monte Carlo average of ln p(y|w) + ln p(w|α) + ln p(α)
// − ln q(w) − ln q(α), with α drawn by gonum's distuv.Gamma and the Gamma
// densities from distuv.
func TestVBBoundMonteCarlo(t *testing.T) {
	const n, d, beta = 12, 3, 2.0
	prior := GammaPrior{A0: 2, B0: 0.5}
	x, y := synthetic(n, d, 21)
	q, err := VB(x, y, d, beta, prior, Settings{})
	require.NoError(t, err)
	want := q.Bound[len(q.Bound)-1]

	src := rand.NewPCG(3, 4)
	r := rand.New(rand.NewPCG(5, 6))
	qa := distuv.Gamma{Alpha: q.AN, Beta: q.BN, Src: src}
	pa := distuv.Gamma{Alpha: prior.A0, Beta: prior.B0}
	var chol mat.Cholesky
	require.True(t, chol.Factorize(q.Cov))
	var l mat.TriDense
	chol.LTo(&l)
	const draws = 200000
	w := make([]float64, d)
	eps := make([]float64, d)
	var sum, sumSq float64
	for k := 0; k < draws; k++ {
		a := qa.Rand()
		for j := range eps {
			eps[j] = r.NormFloat64()
		}
		for j := range w {
			w[j] = q.Mean[j]
			for i := 0; i <= j; i++ {
				w[j] += l.At(j, i) * eps[i]
			}
		}
		v := logJoint(x, y, d, a, beta, w) + pa.LogProb(a) - logNormalDensity(w, q.Mean, q.Cov) - qa.LogProb(a)
		sum += v
		sumSq += v * v
	}
	mc := sum / draws
	se := math.Sqrt((sumSq/draws - mc*mc) / draws)
	assert.InDelta(t, mc, want, mcSigmas*se, "Monte Carlo bound %.6f ± %.6f", mc, se)
}

// TestVBBelowEvidence checks L(q) ≤ ln p(y) where
// p(y) = ∫ p(y | α) Gam(α | a₀, b₀) dα is integrated numerically over
// u = ln α with p(y | α) from Exact (itself checked against the direct
// density in TestExactAgainstDense).
func TestVBBelowEvidence(t *testing.T) {
	const n, d, beta = 15, 2, 4.0
	prior := GammaPrior{A0: 1.5, B0: 1}
	x, y := synthetic(n, d, 33)
	q, err := VB(x, y, d, beta, prior, Settings{})
	require.NoError(t, err)
	bound := q.Bound[len(q.Bound)-1]

	// Trapezoid rule on a fine grid in u = ln α: the integrand is smooth and
	// negligible at both ends (checked below).
	const lo, hi, steps = -20.0, 15.0, 35000
	h := (hi - lo) / steps
	pa := distuv.Gamma{Alpha: prior.A0, Beta: prior.B0}
	logf := make([]float64, steps+1)
	for k := range logf {
		u := lo + float64(k)*h
		p, err := Exact(x, y, d, math.Exp(u), beta)
		require.NoError(t, err)
		logf[k] = p.LogEvidence + pa.LogProb(math.Exp(u)) + u // Jacobian dα = α du
		if k == 0 || k == steps {
			logf[k] += math.Log(0.5)
		}
	}
	logEv := floats.LogSumExp(logf) + math.Log(h)
	require.Less(t, math.Max(logf[0], logf[steps]), logEv-30, "integrand not negligible at the ends of the grid")
	t.Logf("VB bound %.6f, ln p(y) %.6f, gap %.4f", bound, logEv, logEv-bound)
	assert.LessOrEqual(t, bound, logEv, "the bound must not exceed the evidence")
	// The gap is KL(q(w)q(α) ‖ p(w,α|y)) ≥ 0; for this 2-parameter problem
	// it is a fraction of a nat.
	assert.Less(t, logEv-bound, 1.0, "gap between bound and evidence")
}

func TestVBErrors(t *testing.T) {
	x, y := synthetic(5, 2, 1)
	for _, tc := range []struct {
		name  string
		beta  float64
		prior GammaPrior
		set   Settings
		want  string
	}{
		{"beta", 0, GammaPrior{1, 1}, Settings{}, "blr: beta = 0"},
		{"a0", 1, GammaPrior{0, 1}, Settings{}, "blr: GammaPrior.A0 = 0"},
		{"b0", 1, GammaPrior{1, -2}, Settings{}, "blr: GammaPrior.B0 = -2"},
		{"tol", 1, GammaPrior{1, 1}, Settings{Tol: -1}, "blr: Settings.Tol = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VB(x, y, 2, tc.beta, tc.prior, tc.set)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err := VB(x, y[:4], 2, 1, GammaPrior{1, 1}, Settings{})
	assert.ErrorContains(t, err, "mismatched lengths")
}
