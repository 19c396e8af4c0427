package mcmc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// gauss2 is the 2-D Gaussian target N(μ, Σ) with sds 1 and 3 and
// correlation 0.9: badly scaled and correlated, so that an unpreconditioned
// HMC must adapt a small step.
var gauss2 = struct {
	mu, sd []float64
	rho    float64
}{mu: []float64{1, -2}, sd: []float64{1, 3}, rho: 0.9}

// gauss2Prec is the inverse of gauss2's covariance, in closed form:
// Σ⁻¹ = [[s₂², −ρs₁s₂], [−ρs₁s₂, s₁²]] / (s₁²s₂²(1−ρ²)).
func gauss2Prec(i, j int) float64 {
	s1, s2, r := gauss2.sd[0], gauss2.sd[1], gauss2.rho
	det := s1 * s1 * s2 * s2 * (1 - r*r)
	switch {
	case i == 0 && j == 0:
		return s2 * s2 / det
	case i == 1 && j == 1:
		return s1 * s1 / det
	}
	return -r * s1 * s2 / det
}

// gaussTarget is log N(x; μ, Σ) up to a constant, with its gradient.
func gaussTarget(grad, x []float64) float64 {
	d := []float64{x[0] - gauss2.mu[0], x[1] - gauss2.mu[1]}
	var lp float64
	for i := range 2 {
		grad[i] = 0
		for j := range 2 {
			grad[i] -= gauss2Prec(i, j) * d[j]
		}
		lp += 0.5 * d[i] * grad[i]
	}
	return lp
}

// TestHMCGaussian: HMC's means, sds and correlation on the 2-D Gaussian,
// plain and preconditioned by the exact Cholesky factor, within Monte
// Carlo error; its diagnostics call the chains converged.
func TestHMCGaussian(t *testing.T) {
	t.Parallel()
	chol := mat.NewTriDense(2, mat.Lower, []float64{1, 0, 0.9 * 3, 3 * math.Sqrt(1-0.81)})
	aff, err := NewAffine([]float64{1, -2}, chol)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		affine *Affine
	}{{"plain", nil}, {"preconditioned", aff}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := Target(gaussTarget)
			starts := [][]float64{{5, 5}, {-5, 5}, {5, -5}, {-5, -5}}
			if tc.affine != nil {
				target = tc.affine.Target(gaussTarget)
			}
			ch, err := HMC{Seed: 7, Warmup: 1000, Draws: 2000}.Run(target, starts)
			require.NoError(t, err)
			if tc.affine != nil {
				tc.affine.XDraws(ch)
			}
			s, err := Summarize(ch)
			require.NoError(t, err)
			// Converged chains of 2000 draws: R̂ within 1% of 1 (the usual
			// threshold) and a few thousand effective draws.
			assert.Less(t, s.MaxRhat, 1.01)
			assert.Greater(t, s.MinESS, 1000.0)
			for j := range 2 {
				// 5 Monte Carlo standard errors sd/√ESS (a false alarm
				// once in 10⁶); the sd's relative standard error is about
				// 1/√(2 ESS) ≤ 2.3%, so 10% is over 4 of them.
				assert.InDelta(t, gauss2.mu[j], s.Mean[j], 5*gauss2.sd[j]/math.Sqrt(s.ESS[j]), "mean %d", j)
				assert.InDelta(t, 1, s.SD[j]/gauss2.sd[j], 0.1, "sd %d", j)
			}
			for c, a := range ch.Accept {
				// Dual averaging aims at 0.8; the kept draws' rate varies.
				assert.InDelta(t, DefaultTargetAccept, a, 0.12, "chain %d acceptance", c)
			}
			assert.InDelta(t, gauss2.rho, corr(ch), 0.03, "correlation: its standard error is (1−ρ²)/√ESS ≈ 0.005")
		})
	}
}

// corr is the correlation of the two coordinates over all draws.
func corr(ch *Chains) float64 {
	var n, sx, sy, sxx, syy, sxy float64
	for _, d := range ch.Draws {
		for i := 0; i+1 < len(d); i += 2 {
			x, y := d[i], d[i+1]
			n++
			sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
		}
	}
	cxy := sxy/n - sx/n*sy/n
	return cxy / math.Sqrt((sxx/n-sx/n*sx/n)*(syy/n-sy/n*sy/n))
}

// TestESSAR1: the ESS of AR(1) chains xₜ = φ xₜ₋₁ + εₜ against the exact
// asymptotic value M n (1−φ)/(1+φ).
func TestESSAR1(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		phi  float64
	}{{"independent", 0}, {"phi=0.5", 0.5}, {"phi=0.9", 0.9}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const m, n = 4, 5000
			r := rand.New(rand.NewPCG(3, 4))
			chains := make([][]float64, m)
			for c := range chains {
				chains[c] = make([]float64, n)
				x := r.NormFloat64() / math.Sqrt(1-tc.phi*tc.phi) // stationary start
				for i := range chains[c] {
					x = tc.phi*x + r.NormFloat64()
					chains[c][i] = x
				}
			}
			want := m * n * (1 - tc.phi) / (1 + tc.phi)
			// The estimator's relative spread is a few percent at these
			// lengths (longer for φ = 0.9: about 8%); 20% catches a
			// factor-of-two mistake such as a missing 2 in τ̂.
			const tol = 0.2
			assert.InDelta(t, 1, ESS(chains)/want, tol, "ESS %.0f, want %.0f", ESS(chains), want)
			assert.Less(t, SplitRhat(chains), 1.01)
		})
	}
}

// TestSplitRhatDetects: R̂ flags chains stuck in different places, and the
// split version flags a single drifting chain.
func TestSplitRhatDetects(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	iid := func(shift, drift float64) []float64 {
		x := make([]float64, 1000)
		for i := range x {
			x[i] = shift + drift*float64(i)/float64(len(x)) + r.NormFloat64()
		}
		return x
	}
	for _, tc := range []struct {
		name    string
		chains  [][]float64
		atLeast float64 // R̂ must exceed this (0: must stay below 1.01)
	}{
		{"mixed", [][]float64{iid(0, 0), iid(0, 0), iid(0, 0), iid(0, 0)}, 0},
		{"one chain elsewhere", [][]float64{iid(0, 0), iid(0, 0), iid(0, 0), iid(3, 0)}, 1.3},
		{"drifting chain", [][]float64{iid(0, 4)}, 1.3},
		{"constant", [][]float64{{2, 2, 2, 2}, {2, 2, 2, 2}}, 0},
		{"constants apart", [][]float64{{2, 2, 2, 2}, {3, 3, 3, 3}}, 1e300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitRhat(tc.chains)
			if tc.atLeast == 0 {
				assert.Less(t, got, 1.01)
			} else {
				assert.Greater(t, got, tc.atLeast)
			}
		})
	}
}

func TestHMCErrors(t *testing.T) {
	t.Parallel()
	nan := func(grad, x []float64) float64 { return math.NaN() }
	for _, tc := range []struct {
		name   string
		h      HMC
		target Target
		starts [][]float64
		want   string
	}{
		{"nil target", HMC{}, nil, [][]float64{{0}}, "nil target"},
		{"no chains", HMC{}, gaussTarget, nil, "at least one chain"},
		{"ragged starts", HMC{}, gaussTarget, [][]float64{{0, 0}, {0}}, "chain 1 starts at 1 values"},
		{"bad accept", HMC{TargetAccept: 1.5}, gaussTarget, [][]float64{{0, 0}}, "invalid settings"},
		{"NaN start", HMC{}, nan, [][]float64{{0, 0}}, "log-density NaN at the starting point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.h.Run(tc.target, tc.starts)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err := Summarize(&Chains{D: 2, Draws: [][]float64{{1, 2, 3}}})
	assert.ErrorContains(t, err, "want")
	_, err = NewAffine([]float64{0, 0}, mat.NewTriDense(2, mat.Upper, nil))
	assert.ErrorContains(t, err, "lower-triangular")
}

// TestAffineRoundTrip: Z inverts X.
func TestAffineRoundTrip(t *testing.T) {
	t.Parallel()
	a, err := NewAffine([]float64{1, 2}, mat.NewTriDense(2, mat.Lower, []float64{2, 0, 1, 3}))
	require.NoError(t, err)
	x := a.X(nil, []float64{0.5, -1})
	assert.InDeltaSlice(t, []float64{2, -0.5}, x, 1e-15, "x = m + L z by hand")
	z, err := a.Z(nil, x)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{0.5, -1}, z, 1e-14, "exact arithmetic up to rounding")
}
