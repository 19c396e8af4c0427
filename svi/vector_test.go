package svi_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// vecNormal is the Normal–Normal model written for both modes: with
// M.Particles() = S > 0 its μ is [S] and the likelihood is built on an
// [S, n] grid, each particle's row against the same data.
type vecNormal struct{ normalNormal }

// Vectorizes marks vecNormal as written for Config.Vectorize.
func (v vecNormal) Vectorizes() bool { return true }

func (v vecNormal) Build(m *svi.M) error {
	S := m.Particles()
	if S == 0 {
		return v.normalNormal.Build(m)
	}
	n := len(v.y)
	mu := m.Sample("mu", dist.Normal{Loc: m.Const(v.m0), Scale: m.Const(v.s0)})
	y := m.Data("y", n)
	if m.Err() != nil {
		return m.Err()
	}
	loc, err := G.Reshape(mu, []int{S, 1})
	if err != nil {
		return err
	}
	yy, err := G.Reshape(y, []int{1, n})
	if err != nil {
		return err
	}
	m.Observe("y", dist.Normal{Loc: loc, Scale: m.Const(v.sigma)}, yy)
	return m.Err()
}

// TestVectorize checks Config.Vectorize on the Normal–Normal model: at the
// same parameters its loss equals the per-particle-copy graph's step by step
// (same noise) and so in expectation (3000 evaluations, 4 standard errors), its
// gradient matches central finite differences (noise fixed), and a fit
// recovers the exact posterior with TestNormalNormalPosterior's tolerances.
func TestVectorize(t *testing.T) {
	nn := vecNormal{smallModel()}
	mean, sd := nn.posterior()
	cfg := svi.Config{Particles: 8, Estimator: svi.EntropyELBO, Optimizer: svi.SGD{LearnRate: 0}}
	losses := map[bool][]float64{}
	for _, vec := range []bool{false, true} {
		c := cfg
		c.Vectorize = vec
		tr, err := svi.New(nn, guides.MeanField{InitScale: 0.5}, c)
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		st, err := tr.Init(3)
		require.NoError(t, err)
		for i := 0; i < 3000; i++ {
			info, err := tr.Step(st, nil)
			require.NoError(t, err)
			losses[vec] = append(losses[vec], info.Loss)
		}
		if vec {
			// Finite differences of the loss with the noise of the last step.
			loss0, g, err := tr.LossGrad(st.Params)
			require.NoError(t, err)
			require.False(t, math.IsNaN(loss0))
			for k, name := range st.Params.Names() {
				for j := range st.Params.At(k) {
					p := st.Params.Clone()
					p.At(k)[j] += 1e-6
					lp, _, err := tr.LossGrad(p)
					require.NoError(t, err)
					p.At(k)[j] -= 2e-6
					lm, _, err := tr.LossGrad(p)
					require.NoError(t, err)
					assert.InDelta(t, (lp-lm)/2e-6, g.At(k)[j], 1e-5*math.Max(1, math.Abs(g.At(k)[j])), "∂/∂%s[%d]", name, j)
				}
			}
		}
	}
	ma, sa := stat.MeanStdDev(losses[false], nil)
	mb, sb := stat.MeanStdDev(losses[true], nil)
	t.Logf("−ELBO: copies %.4f (sd %.4f), vectorized %.4f (sd %.4f)", ma, sa, mb, sb)
	assert.InDelta(t, ma, mb, 4*math.Sqrt((sa*sa+sb*sb)/3000))
	// The mean-field guide declares its noise site by site, particles
	// inner, in both modes, so the two see the same draws: the losses
	// agree step by step up to the order of the sums.
	for i := range losses[false] {
		require.InDelta(t, losses[false][i], losses[true][i], 1e-9*math.Abs(losses[false][i]), "step %d", i)
	}

	c := cfg
	c.Vectorize, c.Optimizer = true, svi.Adam{LearnRate: 0.02}
	tr, err := svi.New(nn, guides.MeanField{}, c)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
	st, err := tr.Init(2)
	require.NoError(t, err)
	for _, scale := range []float64{1, 0.05} {
		st.Opt.LRScale = scale
		for i := 0; i < 1500; i++ {
			_, err := tr.Step(st, nil)
			require.NoError(t, err)
		}
	}
	loc, std, err := guides.MeanField{}.Moments(st.Params, tr.Sites(), 0)
	require.NoError(t, err)
	t.Logf("vectorized fit: mean %.4f (exact %.4f), sd %.4f (exact %.4f)", loc[0], mean, std[0], sd)
	assert.InDelta(t, mean, loc[0], 0.05*sd)
	assert.InDelta(t, sd, std[0], 0.1*sd)
	// The report still works: its programs use one graph copy per particle.
	_, err = tr.Diagnose(st, svi.Batch{"y": nn.y}, 200, 1)
	require.NoError(t, err)

	for _, bad := range []struct {
		guide svi.Guide
		cfg   svi.Config
		want  string
	}{
		{guides.FullRank{}, svi.Config{Vectorize: true, Estimator: svi.EntropyELBO}, "VectorGuide"},
		{guides.MeanField{}, svi.Config{Vectorize: true, Estimator: svi.TraceELBO}, "entropy and kl estimators"},
		{guides.MeanField{}, svi.Config{Vectorize: true, Particles: 4, Workers: 2, Estimator: svi.EntropyELBO}, "Workers"},
	} {
		_, err := svi.New(nn, bad.guide, bad.cfg)
		assert.ErrorContains(t, err, bad.want)
	}
	// A model not written for it is refused, even one whose shapes would
	// broadcast (normalNormal: 5 data points against 5 particles).
	_, err = svi.New(nn.normalNormal, guides.MeanField{}, svi.Config{Vectorize: true, Particles: 5, Estimator: svi.EntropyELBO})
	assert.ErrorContains(t, err, "svi.VectorModel")
}
