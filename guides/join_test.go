package guides_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/svi"
)

// twoSites has a real vector site "mu" and a positive scalar "s".
func twoSites() svi.Model {
	return svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)}, 3)
		ls := m.Sample("log_s", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		y := m.Data("y", 3)
		if m.Err() != nil {
			return m.Err()
		}
		s, err := G.Exp(ls)
		if err != nil {
			return err
		}
		m.Observe("y", dist.Normal{Loc: mu, Scale: s}, y)
		return m.Err()
	})
}

func TestJoinErrors(t *testing.T) {
	_, err := guides.Join(guides.Part{Guide: guides.MeanField{}, Sites: []string{"a"}}, guides.Part{Guide: guides.Delta{}, Sites: []string{"b", "a"}})
	assert.ErrorContains(t, err, `site "a" is in parts 0 and 1`)
	_, err = guides.Join(guides.Part{Guide: guides.MeanField{}})
	assert.ErrorContains(t, err, "has no sites")

	j, err := guides.Join(guides.Part{Guide: guides.MeanField{}, Sites: []string{"mu"}})
	require.NoError(t, err)
	_, err = svi.New(twoSites(), j, svi.Config{})
	assert.ErrorContains(t, err, `no part covers site "log_s"`)
	j, err = guides.Join(guides.Part{Guide: guides.MeanField{}, Sites: []string{"mu", "log_s", "nope"}})
	require.NoError(t, err)
	_, err = svi.New(twoSites(), j, svi.Config{})
	assert.ErrorContains(t, err, `the model has no site "nope"`)
}

// TestJoinGradients checks finite differences of the −ELBO for joined guides:
// full-rank plus mean-field, and MAP for one site with mean-field for the other.
func TestJoinGradients(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts []guides.Part
		est   svi.Estimator
	}{
		{"fullrank+meanfield/trace", []guides.Part{{guides.FullRank{InitScale: 0.3}, []string{"mu"}}, {guides.MeanField{InitScale: 0.3}, []string{"log_s"}}}, svi.TraceELBO},
		{"fullrank+meanfield/entropy", []guides.Part{{guides.FullRank{InitScale: 0.3}, []string{"mu"}}, {guides.MeanField{InitScale: 0.3}, []string{"log_s"}}}, svi.EntropyELBO},
		{"meanfield+delta/trace", []guides.Part{{guides.MeanField{InitScale: 0.3}, []string{"mu"}}, {guides.Delta{}, []string{"log_s"}}}, svi.TraceELBO},
		{"meanfield+delta/kl", []guides.Part{{guides.MeanField{InitScale: 0.3}, []string{"mu"}}, {guides.Delta{}, []string{"log_s"}}}, svi.KLELBO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := guides.Join(tc.parts...)
			require.NoError(t, err)
			tr, err := svi.New(twoSites(), j, svi.Config{Particles: 2, Estimator: tc.est})
			require.NoError(t, err)
			st, err := tr.Init(3)
			require.NoError(t, err)
			_, err = tr.Step(st, svi.Batch{"y": []float64{0.3, -0.8, 1.9}})
			require.NoError(t, err)
			p := st.Params.Clone()
			_, g, err := tr.LossGrad(p)
			require.NoError(t, err)
			for i, name := range p.Names() {
				// The loss reads p, whose element fdcheck.Grad perturbs in place.
				want := fdcheck.Grad(func([]float64) float64 {
					l, _, err := tr.LossGrad(p)
					require.NoError(t, err)
					return l
				}, p.At(i), 1e-5)
				for k, w := range want {
					// Tolerance: central differences, as in svi's gradient test.
					assert.InDelta(t, w, g.At(i)[k], 1e-6*math.Max(1, math.Abs(w)), "%s[%d]", name, k)
				}
			}
		})
	}
}
