package svi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// subsampled is μ ~ N(0, 2), yᵢ ~ N(μ, 0.7) observed through minibatches of
// B out of N rows, scaled by N/B.
type subsampled struct{ n, b int }

func (s subsampled) Build(m *svi.M) error {
	mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)})
	y := m.Data("y", s.b)
	m.Scale(float64(s.n) / float64(s.b))
	m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(0.7)}, y)
	return m.Err()
}

// TestMinibatchScaleIsUnbiased: with the noise fixed, the mean of the
// minibatch losses over a partition of the data equals the full-data loss
// exactly, so the minibatch ELBO is unbiased.
func TestMinibatchScaleIsUnbiased(t *testing.T) {
	y := []float64{1.2, 0.4, 2.2, 1.7, 0.9, -0.3}
	full, err := svi.New(subsampled{6, 6}, guides.MeanField{}, svi.Config{Particles: 3})
	require.NoError(t, err)
	mini, err := svi.New(subsampled{6, 2}, guides.MeanField{}, svi.Config{Particles: 3})
	require.NoError(t, err)
	sf, _ := full.Init(4)
	sm, _ := mini.Init(4)
	_, err = full.Step(sf, svi.Batch{"y": y})
	require.NoError(t, err)
	_, err = mini.Step(sm, svi.Batch{"y": y[:2]})
	require.NoError(t, err)
	p := sf.Params.Clone() // both states drew the same noise from the same seed
	want, gwant, err := full.LossGrad(p)
	require.NoError(t, err)
	var mean float64
	gmean := make([]float64, 2)
	for k := 0; k < 3; k++ {
		require.NoError(t, mini.Feed(svi.Batch{"y": y[2*k : 2*k+2]}))
		l, g, err := mini.LossGrad(p)
		require.NoError(t, err)
		mean += l / 3
		gmean[0] += g.At(0)[0] / 3
		gmean[1] += g.At(1)[0] / 3
	}
	// Tolerance: rounding of sums of a few terms.
	assert.InDelta(t, want, mean, 1e-10)
	assert.InDelta(t, gwant.At(0)[0], gmean[0], 1e-10)
	assert.InDelta(t, gwant.At(1)[0], gmean[1], 1e-10)
}

// TestLocalSitesAreScaled: a site declared after Scale carries it, and a
// joint guide refuses it.
func TestLocalSitesAreScaled(t *testing.T) {
	local := svi.ModelFunc(func(m *svi.M) error {
		g := m.Sample("g", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		m.Scale(10)
		z := m.Sample("z", dist.Normal{Loc: g, Scale: m.Const(1)}, 4)
		y := m.Data("y", 4)
		m.Observe("y", dist.Normal{Loc: z, Scale: m.Const(1)}, y)
		return m.Err()
	})
	sites, err := svi.Trace(local)
	require.NoError(t, err)
	assert.Equal(t, 1.0, sites[0].Scale)
	assert.Equal(t, 10.0, sites[1].Scale)
	_, err = svi.New(local, guides.FullRank{}, svi.Config{})
	assert.ErrorContains(t, err, `cannot take the local (minibatch-scaled) site "z"`)
	_, err = svi.New(local, guides.MeanField{}, svi.Config{})
	assert.NoError(t, err)
}
