package kl

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/optimize"
)

// gridMoments returns p's mean and covariance by the trapezoid rule on g,
// independently of any formula for them.
func gridMoments(p Density, g Grid) (mean [2]float64, cov [2][2]float64) {
	h := [2]float64{(g.Hi[0] - g.Lo[0]) / float64(g.N[0]-1), (g.Hi[1] - g.Lo[1]) / float64(g.N[1]-1)}
	var s [6]float64 // ∫p z₁, ∫p z₂, ∫p z₁², ∫p z₁z₂, ∫p z₂², ∫p
	for i := 0; i < g.N[0]; i++ {
		wi, _ := trapW(i, g.N[0])
		for j := 0; j < g.N[1]; j++ {
			wj, _ := trapW(j, g.N[1])
			z := [2]float64{g.Lo[0] + float64(i)*h[0], g.Lo[1] + float64(j)*h[1]}
			w := wi * wj * math.Exp(p.LogPdf(z)) * h[0] * h[1]
			for k, v := range []float64{z[0], z[1], z[0] * z[0], z[0] * z[1], z[1] * z[1], 1} {
				s[k] += w * v
			}
		}
	}
	mean = [2]float64{s[0], s[1]}
	cov = [2][2]float64{{s[2] - s[0]*s[0], s[3] - s[0]*s[1]}, {s[3] - s[0]*s[1], s[4] - s[1]*s[1]}}
	return mean, cov
}

func TestMomentMatch(t *testing.T) {
	t.Parallel()
	// Tolerances: the hand formula Σ = I + diag(D²/4, 0) is exact, up to
	// rounding (1e-12); the grid moments converge geometrically, 1e-9.
	const exactTol, gridTol = 1e-12, 1e-9
	for _, d := range []float64{0, 1, 2, 3, 6, 12} {
		m, err := NewMixture(d)
		require.NoError(t, err)
		got := m.MomentMatch()
		want := Gaussian{Cov: [2][2]float64{{1 + d*d/4, 0}, {0, 1}}}
		g, err := GridFor(m.Components()[0], m.Components()[1])
		require.NoError(t, err)
		gm, gc := gridMoments(m, g)
		for i := 0; i < 2; i++ {
			assert.InDelta(t, want.Mean[i], got.Mean[i], exactTol, "D=%v mean %d", d, i)
			assert.InDelta(t, gm[i], got.Mean[i], gridTol, "D=%v grid mean %d", d, i)
			for j := 0; j < 2; j++ {
				assert.InDelta(t, want.Cov[i][j], got.Cov[i][j], exactTol, "D=%v cov %d%d", d, i, j)
				assert.InDelta(t, gc[i][j], got.Cov[i][j], gridTol, "D=%v grid cov %d%d", d, i, j)
			}
		}
	}
}

func TestQuadratureMatchesClosedForm(t *testing.T) {
	t.Parallel()
	// Tolerance: the quadrature's own bound, which must itself be below
	// maxBound (the grid resolves every Gaussian with ≥ 8 nodes per sd).
	const maxBound = 1e-9
	cor, err := NewCorrelated(0.9)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		p, q Gaussian
	}{
		{"equal", cor.P, cor.P},
		{"shifted", Gaussian{Cov: [2][2]float64{{1, 0}, {0, 1}}}, Gaussian{Mean: [2]float64{2, -1}, Cov: [2][2]float64{{1, 0}, {0, 1}}}},
		{"correlated vs reverse mean field", cor.P, cor.ReverseMeanField()},
		{"correlated vs forward mean field", cor.P, cor.ForwardMeanField()},
		{"narrow vs wide", Gaussian{Mean: [2]float64{0.3, 0}, Cov: [2][2]float64{{0.05, 0.02}, {0.02, 0.1}}}, Gaussian{Cov: [2][2]float64{{4, -1}, {-1, 3}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := GridFor(tc.p, tc.q)
			require.NoError(t, err)
			d, err := Quadrature(tc.p, tc.q, g)
			require.NoError(t, err)
			pq, err := KLGaussian(tc.p, tc.q)
			require.NoError(t, err)
			qp, err := KLGaussian(tc.q, tc.p)
			require.NoError(t, err)
			assert.Less(t, d.PQError, maxBound)
			assert.Less(t, d.QPError, maxBound)
			assert.InDelta(t, pq, d.PQ, d.PQError, "KL(p‖q)")
			assert.InDelta(t, qp, d.QP, d.QPError, "KL(q‖p)")
			assert.InDelta(t, 1, d.MassP, maxBound)
			assert.InDelta(t, 1, d.MassQ, maxBound)
		})
	}
}

// minimizeMeanField minimizes the grid quadrature of KL(p‖q) (forward) or
// KL(q‖p) over mean-field Gaussians q = N(m, diag(exp(2a))) by Nelder–Mead:
// an oracle for the projections that uses no formula for them.
func minimizeMeanField(t *testing.T, p Gaussian, forward bool) Gaussian {
	t.Helper()
	// A coarser grid than GridFor's (121 nodes a side over p's 12-sd box,
	// 3 or more nodes per sd of the optima): the trapezoid error stays below
	// 1e-15 and each evaluation is fast.
	sd := p.Std()
	g := Grid{Lo: [2]float64{p.Mean[0] - 12*sd[0], p.Mean[1] - 12*sd[1]}, Hi: [2]float64{p.Mean[0] + 12*sd[0], p.Mean[1] + 12*sd[1]}, N: [2]int{121, 121}}
	q := func(x []float64) Gaussian {
		return Gaussian{Mean: [2]float64{x[0], x[1]}, Cov: [2][2]float64{{math.Exp(2 * x[2]), 0}, {0, math.Exp(2 * x[3])}}}
	}
	f := func(x []float64) float64 {
		d, err := Quadrature(p, q(x), g)
		if err != nil {
			return math.Inf(1)
		}
		if forward {
			return d.PQ
		}
		return d.QP
	}
	res, err := optimize.Minimize(optimize.Problem{Func: f}, []float64{0, 0, 0, 0}, &optimize.Settings{Converger: &optimize.FunctionConverge{Absolute: 1e-13, Iterations: 200}}, &optimize.NelderMead{})
	require.NoError(t, err)
	return q(res.X)
}

func TestCorrelatedMeanField(t *testing.T) {
	t.Parallel()
	c, err := NewCorrelated(0.8)
	require.NoError(t, err)
	l := c.P.Precision()
	rev, fwd := c.ReverseMeanField(), c.ForwardMeanField()
	// Tolerance 1e-3 (the issue's): on the variances, and on the means.
	const tol = 1e-3
	for i := 0; i < 2; i++ {
		assert.InDelta(t, 1/l[i][i], rev.Cov[i][i], 1e-12, "closed-form reverse variance %d", i)
		assert.InDelta(t, c.P.Cov[i][i], fwd.Cov[i][i], 1e-12, "closed-form forward variance %d", i)
	}
	for _, tc := range []struct {
		name    string
		forward bool
		want    Gaussian
	}{{"forward", true, fwd}, {"reverse", false, rev}} {
		got := minimizeMeanField(t, c.P, tc.forward)
		for i := 0; i < 2; i++ {
			assert.InDelta(t, tc.want.Mean[i], got.Mean[i], tol, "%s: numerical optimum, mean %d", tc.name, i)
			assert.InDelta(t, tc.want.Cov[i][i], got.Cov[i][i], tol, "%s: numerical optimum, variance %d", tc.name, i)
		}
	}
	f, err := FitReverse(context.Background(), c.Model(), false, [2]float64{0, 0}, 1, DefaultMeanFieldFit)
	require.NoError(t, err)
	t.Logf("SVI mean field: %+v (want variances %.6f, %.6f)", f.Q, rev.Cov[0][0], rev.Cov[1][1])
	for i := 0; i < 2; i++ {
		assert.InDelta(t, 1/l[i][i], f.Q.Cov[i][i], tol, "SVI variance %d", i)
		assert.InDelta(t, c.P.Mean[i], f.Q.Mean[i], 3*tol, "SVI mean %d", i)
	}
	want, err := KLGaussian(rev, c.P)
	require.NoError(t, err)
	// Tolerance: 4 Monte Carlo standard errors of −ELBO.
	assert.InDelta(t, want, f.NegELBO, 4*f.NegELBOStdErr, "−ELBO against the closed-form KL(q*‖p)")
}

// minimizeFullRank minimizes the grid quadrature of KL(q‖p) over all
// Gaussians q = N(m, LLᵀ), L = [[e^a, 0], [b, e^c]], by Nelder–Mead from
// start: an oracle for the reverse projection's optimum near start.
func minimizeFullRank(t *testing.T, m Mixture, start [2]float64) (Gaussian, float64) {
	t.Helper()
	c := m.Components()
	g, err := GridFor(c[0], c[1])
	require.NoError(t, err)
	g.N = [2]int{min(g.N[0], 161), min(g.N[1], 101)} // ≥ 4 nodes per unit sd
	q := func(x []float64) Gaussian {
		l00, l10, l11 := math.Exp(x[2]), x[3], math.Exp(x[4])
		return Gaussian{Mean: [2]float64{x[0], x[1]}, Cov: [2][2]float64{{l00 * l00, l00 * l10}, {l00 * l10, l10*l10 + l11*l11}}}
	}
	f := func(x []float64) float64 {
		d, err := Quadrature(m, q(x), g)
		if err != nil {
			return math.Inf(1)
		}
		return d.QP
	}
	res, err := optimize.Minimize(optimize.Problem{Func: f}, []float64{start[0], start[1], 0, 0, 0}, &optimize.Settings{Converger: &optimize.FunctionConverge{Absolute: 1e-12, Iterations: 300}}, &optimize.NelderMead{})
	require.NoError(t, err)
	return q(res.X), res.F
}

// mixtureFit are the SVI settings of the mixture tests: fewer steps and
// particles than the command's, enough for the tolerances below.
var mixtureFit = FitSettings{Steps: 2000, Particles: 8}

func TestMixtureReverse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		d     float64
		start [2]float64
		found string
	}{
		{"far, left start", 6, [2]float64{-2, 0.5}, "left component"},
		{"far, right start", 6, [2]float64{1.5, -0.5}, "right component"},
		{"close, left start", 1, [2]float64{-2, 0.5}, "middle"},
		{"close, right start", 1, [2]float64{2, -0.5}, "middle"},
	} {
		m, err := NewMixture(tc.d)
		require.NoError(t, err)
		f, err := FitReverse(context.Background(), m.Model(), true, tc.start, 3, mixtureFit)
		require.NoError(t, err)
		g, err := m.Grid(f.Q)
		require.NoError(t, err)
		d, err := Quadrature(m, f.Q, g)
		require.NoError(t, err)
		opt, optKL := minimizeFullRank(t, m, tc.start)
		t.Logf("%s: q %+v, KL(q‖p) %.6f ± %.1e (quadrature), −ELBO %.6f ± %.6f; Nelder–Mead optimum %.6f at %+v", tc.name, f.Q, d.QP, d.QPError, f.NegELBO, f.NegELBOStdErr, optKL, opt)
		assert.Equal(t, tc.found, m.found(f.Q))
		// Tolerances: the quadrature bound is below 1e-9; −ELBO is a Monte
		// Carlo estimate of the same KL(q‖p): 4 standard errors.
		assert.Less(t, d.QPError, 1e-9)
		assert.InDelta(t, d.QP, f.NegELBO, 4*f.NegELBOStdErr+d.QPError, "−ELBO against the quadrature KL(q‖p)")
		// The SVI fit is no better than the optimum (up to the optimizer's
		// 1e-6) and within 0.005 nats of it (SGD noise of the averaged iterate).
		assert.GreaterOrEqual(t, d.QP, optKL-1e-6, "below the Nelder–Mead optimum")
		assert.Less(t, d.QP, optKL+0.005, "SVI above the optimum")
		if tc.d == 6 {
			// One component alone: KL(q‖p) ≈ log 2 − (the other's overlap).
			assert.InDelta(t, math.Ln2, d.QP, 0.01)
		}
	}
}

func TestFitReproducible(t *testing.T) {
	t.Parallel()
	m, err := NewMixture(3)
	require.NoError(t, err)
	s := FitSettings{Steps: 200, Particles: 4, Draws: 500}
	a, err := FitReverse(context.Background(), m.Model(), true, [2]float64{1, 0}, 9, s)
	require.NoError(t, err)
	b, err := FitReverse(context.Background(), m.Model(), true, [2]float64{1, 0}, 9, s)
	require.NoError(t, err)
	assert.Equal(t, *a, *b, "the same seed gives the same fit, bit for bit")
	c, err := FitReverse(context.Background(), m.Model(), true, [2]float64{1, 0}, 10, s)
	require.NoError(t, err)
	assert.NotEqual(t, a.Q, c.Q, "another seed another fit")
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"negative separation", Config{Separation: -1, Starts: 1}, "separation"},
		{"NaN separation", Config{Separation: math.NaN(), Starts: 1}, "separation"},
		{"huge separation", Config{Separation: 51, Starts: 1}, "separation"},
		{"correlation 1", Config{Correlation: 1, Starts: 1}, "correlation"},
		{"correlation −1.5", Config{Correlation: -1.5, Starts: 1}, "correlation"},
		{"NaN correlation", Config{Correlation: math.NaN(), Starts: 1}, "correlation"},
		{"no starts", Config{Starts: 0}, "starts"},
		{"negative steps", Config{Starts: 1, MixtureFit: FitSettings{Steps: -1}}, "FitSettings"},
	} {
		_, err := Run(context.Background(), tc.c)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
	_, err := KLGaussian(Gaussian{Cov: [2][2]float64{{1, 2}, {2, 1}}}, Gaussian{Cov: [2][2]float64{{1, 0}, {0, 1}}})
	assert.ErrorContains(t, err, "positive definite")
	_, err = Quadrature(Gaussian{}, Gaussian{}, Grid{N: [2]int{4, 4}, Hi: [2]float64{1, 1}})
	assert.ErrorContains(t, err, "odd")
}

// TestMeanFieldDivergencesInRho checks the four divergences of the
// correlated case against their expressions in ρ alone (derived by hand
// from KLGaussian's formula; the standard deviations cancel):
//
//	KL(q_rev‖p) = KL(p‖q_fwd) = −½ log(1−ρ²)
//	KL(p‖q_rev) = KL(q_fwd‖p) = ρ²/(1−ρ²) + ½ log(1−ρ²)
func TestMeanFieldDivergencesInRho(t *testing.T) {
	t.Parallel()
	const tol = 1e-12 // rounding
	for _, rho := range []float64{-0.95, -0.3, 0, 0.5, 0.8, 0.99} {
		c, err := NewCorrelated(rho)
		require.NoError(t, err)
		small := -0.5 * math.Log1p(-rho*rho)
		large := rho*rho/(1-rho*rho) + 0.5*math.Log1p(-rho*rho)
		for _, tc := range []struct {
			name string
			a, b Gaussian
			want float64
		}{
			{"KL(q_rev‖p)", c.ReverseMeanField(), c.P, small},
			{"KL(p‖q_fwd)", c.P, c.ForwardMeanField(), small},
			{"KL(p‖q_rev)", c.P, c.ReverseMeanField(), large},
			{"KL(q_fwd‖p)", c.ForwardMeanField(), c.P, large},
		} {
			got, err := KLGaussian(tc.a, tc.b)
			require.NoError(t, err)
			assert.InDelta(t, tc.want, got, tol*(1+math.Abs(tc.want)), "ρ=%v %s", rho, tc.name)
		}
	}
}

// TestCorrelatedVectorized: the vectorized build of the correlated model
// (all particles at once) trains exactly as the per-particle build does.
func TestCorrelatedVectorized(t *testing.T) {
	t.Parallel()
	c, err := NewCorrelated(0.7)
	require.NoError(t, err)
	s := FitSettings{Steps: 100, Particles: 16, Draws: 200, SGD: true}
	a, err := FitReverse(context.Background(), c.Model(), false, [2]float64{0.5, 0}, 4, s)
	require.NoError(t, err)
	s.Vectorize = true
	b, err := FitReverse(context.Background(), c.Model(), false, [2]float64{0.5, 0}, 4, s)
	require.NoError(t, err)
	const tol = 1e-12 // rounding: the particles' sums are taken in another order
	for i := 0; i < 2; i++ {
		assert.InDelta(t, a.Q.Mean[i], b.Q.Mean[i], tol, "mean %d", i)
		assert.InDelta(t, a.Q.Cov[i][i], b.Q.Cov[i][i], tol, "variance %d", i)
	}
}
