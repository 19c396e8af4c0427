package svi_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// logEvidence is the closed-form log p(y) of the Normal–Normal model:
// y ~ N(m0·1, σ²I + s0²·11ᵀ).
func (nn normalNormal) logEvidence() float64 {
	n := float64(len(nn.y))
	s2, t2 := nn.sigma*nn.sigma, nn.s0*nn.s0
	// Σ⁻¹ = (I − t2/(s2 + n t2) 11ᵀ)/s2, |Σ| = s2^(n−1) (s2 + n t2).
	var sum, sumsq float64
	for _, v := range nn.y {
		r := v - nn.m0
		sum += r
		sumsq += r * r
	}
	quad := (sumsq - t2/(s2+n*t2)*sum*sum) / s2
	logdet := (n-1)*math.Log(s2) + math.Log(s2+n*t2)
	return -0.5*(quad+logdet) - n/2*math.Log(2*math.Pi)
}

// setExact puts the mean-field guide of site "mu" at the exact posterior.
func setExact(t *testing.T, st *svi.State, mean, sd float64) {
	t.Helper()
	loc, ok := st.Params.Get("guides/mu/loc")
	require.True(t, ok)
	rho, _ := st.Params.Get("guides/mu/rho")
	loc[0] = mean
	rho[0] = sd + math.Log(-math.Expm1(-sd)) // softplus⁻¹
}

// gradVariance returns the summed variance over parameters of the gradient
// across n steps' draws at fixed parameters.
func gradVariance(t *testing.T, tr *svi.Trainer, st *svi.State, n int) float64 {
	t.Helper()
	p0 := st.Params.Clone()
	var cols [][]float64
	for i := 0; i < n; i++ {
		_, err := tr.Step(st, nil) // draws fresh noise
		require.NoError(t, err)
		_, g, err := tr.LossGrad(p0)
		require.NoError(t, err)
		var row []float64
		for k := range g.Names() {
			row = append(row, g.At(k)...)
		}
		if cols == nil {
			cols = make([][]float64, len(row))
		}
		for k, v := range row {
			cols[k] = append(cols[k], v)
		}
		require.NoError(t, st.Params.CopyFrom(p0))
	}
	total := 0.0
	for _, c := range cols {
		total += stat.Variance(c, nil)
	}
	return total
}

// TestSTLLowersGradientVariance measures the gradient variance of the trace
// and STL estimators where q equals the exact posterior (the Normal–Normal
// model's posterior is in the mean-field family). STL's gradient is then
// exactly zero for every draw (Roeder et al. 2017), the trace estimator's is
// not.
func TestSTLLowersGradientVariance(t *testing.T) {
	nn := smallModel()
	mean, sd := nn.posterior()
	vars := map[svi.Estimator]float64{}
	for _, est := range []svi.Estimator{svi.TraceELBO, svi.STLELBO} {
		tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Estimator: est})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		st, err := tr.Init(5)
		require.NoError(t, err)
		setExact(t, st, mean, sd)
		vars[est] = gradVariance(t, tr, st, 400)
	}
	t.Logf("gradient variance at the optimum: trace %.3g, stl %.3g", vars[svi.TraceELBO], vars[svi.STLELBO])
	assert.Greater(t, vars[svi.TraceELBO], 1e-3)
	// Tolerance: rounding only; the STL gradient vanishes identically.
	assert.Less(t, vars[svi.STLELBO], 1e-20)

	// Away from the optimum STL still has lower variance on this model.
	for _, est := range []svi.Estimator{svi.TraceELBO, svi.STLELBO} {
		tr, _ := svi.New(nn, guides.MeanField{}, svi.Config{Estimator: est})
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		st, _ := tr.Init(5)
		setExact(t, st, mean+0.3*sd, 1.3*sd)
		vars[est] = gradVariance(t, tr, st, 400)
	}
	t.Logf("gradient variance near the optimum: trace %.3g, stl %.3g", vars[svi.TraceELBO], vars[svi.STLELBO])
	assert.Less(t, vars[svi.STLELBO], vars[svi.TraceELBO])
}

// TestIWAEBound checks the importance-weighted bound against the exact log
// evidence: equal to it for any K when q is the exact posterior, below it
// and increasing in K otherwise.
func TestIWAEBound(t *testing.T) {
	nn := smallModel()
	mean, sd := nn.posterior()
	logZ := nn.logEvidence()
	bound := func(k int, m, s float64) (float64, float64) {
		tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: k, Estimator: svi.IWAEBound})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		st, _ := tr.Init(9)
		setExact(t, st, m, s)
		var ls []float64
		for i := 0; i < 200; i++ {
			info, err := tr.Step(st, nil)
			require.NoError(t, err)
			ls = append(ls, -info.Loss)
			setExact(t, st, m, s)
		}
		mu, sdv := stat.MeanStdDev(ls, nil)
		return mu, sdv / math.Sqrt(float64(len(ls)))
	}
	for _, k := range []int{1, 5} {
		got, _ := bound(k, mean, sd)
		// Tolerance: at q = p every weight equals p(y), so only rounding.
		assert.InDelta(t, logZ, got, 1e-9, "K=%d at the exact posterior", k)
	}
	b1, se1 := bound(1, mean+sd, 2*sd)
	b20, se20 := bound(20, mean+sd, 2*sd)
	t.Logf("log p(y) %.4f; IWAE K=1 %.4f ± %.4f, K=20 %.4f ± %.4f", logZ, b1, se1, b20, se20)
	assert.Less(t, b1, b20-3*(se1+se20))
	assert.Less(t, b20, logZ+3*se20)
}

// TestKLEstimatorRecoversPosterior fits the Normal–Normal model with the
// closed-form KL estimator.
func TestKLEstimatorRecoversPosterior(t *testing.T) {
	nn := smallModel()
	mean, sd := nn.posterior()
	tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: 4, Estimator: svi.KLELBO, Optimizer: svi.Adam{LearnRate: 0.02}})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
	st, _ := tr.Init(2)
	for _, scale := range []float64{1, 0.05} {
		st.Opt.LRScale = scale
		for i := 0; i < 1500; i++ {
			_, err := tr.Step(st, nil)
			require.NoError(t, err)
		}
	}
	loc, std, err := guides.MeanField{}.Moments(st.Params, tr.Sites(), 0)
	require.NoError(t, err)
	// Tolerances as in TestNormalNormalPosterior.
	assert.InDelta(t, mean, loc[0], 0.05*sd)
	assert.InDelta(t, sd, std[0], 0.1*sd)
}

func TestKLEstimatorRefusesNonGaussian(t *testing.T) {
	_, err := svi.New(posModel(), guides.MeanField{}, svi.Config{Estimator: svi.KLELBO})
	assert.ErrorContains(t, err, `the kl estimator needs real-valued sites; site "s"`)
}

// TestSTLUnbiased checks that the STL gradient has the same expectation as
// the trace gradient away from the optimum: the term it drops, the score
// ∇φ log q(u; φ) at fixed u, has expectation zero.
func TestSTLUnbiased(t *testing.T) {
	nn := smallModel()
	mean, sd := nn.posterior()
	grads := map[svi.Estimator][][]float64{}
	for _, est := range []svi.Estimator{svi.TraceELBO, svi.STLELBO} {
		tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Estimator: est})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		st, _ := tr.Init(8)
		setExact(t, st, mean-0.5*sd, 0.6*sd)
		p0 := st.Params.Clone()
		for i := 0; i < 4000; i++ {
			_, err := tr.Step(st, nil)
			require.NoError(t, err)
			_, g, err := tr.LossGrad(p0)
			require.NoError(t, err)
			grads[est] = append(grads[est], []float64{g.At(0)[0], g.At(1)[0]})
			require.NoError(t, st.Params.CopyFrom(p0))
		}
	}
	for k, name := range []string{"loc", "rho"} {
		var a, b []float64
		for i := range grads[svi.TraceELBO] {
			a = append(a, grads[svi.TraceELBO][i][k])
			b = append(b, grads[svi.STLELBO][i][k])
		}
		ma, sa := stat.MeanStdDev(a, nil)
		mb, sb := stat.MeanStdDev(b, nil)
		se := math.Sqrt((sa*sa + sb*sb) / float64(len(a)))
		t.Logf("%s: trace %.4f, stl %.4f, standard error of the difference %.4f", name, ma, mb, se)
		// Tolerance: 4 standard errors of the difference of two MC means.
		assert.InDelta(t, ma, mb, 4*se, name)
	}
}
