package svi_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// shiftModel is the Normal–Normal model with a named deterministic node
// 2μ + 1.
type shiftModel struct{ normalNormal }

func (s shiftModel) Build(m *svi.M) error {
	mu := m.Sample("mu", dist.Normal{Loc: m.Const(s.m0), Scale: m.Const(s.s0)})
	y := m.Data("y", len(s.y))
	m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(s.sigma)}, y)
	m.Deterministic("shift", m.Add(m.Mul(m.Const(2), mu), m.Const(1)))
	return m.Err()
}

// TestPredictiveNormalNormal: under q(μ) = N(m, s²) the posterior
// predictive of each yᵢ is N(m, s² + σ²), and 2μ + 1 has mean 2m + 1 and
// sd 2s; the draws' moments must match these closed forms.
func TestPredictiveNormalNormal(t *testing.T) {
	nn := smallModel()
	model := shiftModel{nn}
	tr, err := svi.New(model, guides.MeanField{}, svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.05}})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
	st, err := tr.Init(1)
	require.NoError(t, err)
	for i := 0; i < 300; i++ {
		_, err := tr.Step(st, nil)
		require.NoError(t, err)
	}
	loc, sd, err := guides.MeanField{}.Moments(st.Params, tr.Sites(), 0)
	require.NoError(t, err)
	m, s := loc[0], sd[0]
	const n = 20000
	out, err := tr.Predictive(st, svi.Batch{"y": nn.y}, n, 3)
	require.NoError(t, err)
	require.Len(t, out["y"], n*len(nn.y))
	require.Len(t, out["mu"], n)
	check := func(name string, x []float64, mean, sd float64) {
		t.Helper()
		gm, gs := stat.MeanStdDev(x, nil)
		// Tolerances: 5 Monte Carlo standard errors of the mean (sd/√n)
		// and of the sd (≈ sd/√(2n)).
		assert.InDelta(t, mean, gm, 5*sd/math.Sqrt(float64(len(x))), "%s mean", name)
		assert.InDelta(t, sd, gs, 5*sd/math.Sqrt(2*float64(len(x))), "%s sd", name)
	}
	col := make([]float64, n)
	for j := range nn.y {
		for i := range col {
			col[i] = out["y"][i*len(nn.y)+j]
		}
		check("y", col, m, math.Sqrt(s*s+nn.sigma*nn.sigma))
	}
	check("mu", out["mu"], m, s)
	check("shift", out["shift"], 2*m+1, 2*s)

	// Same seed, same draws; other data change the predictive's shape check.
	again, err := tr.Predictive(st, svi.Batch{"y": nn.y}, 10, 3)
	require.NoError(t, err)
	first, err := tr.Predictive(st, svi.Batch{"y": nn.y}, 10, 3)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	_, err = tr.Predictive(st, svi.Batch{"y": nn.y[:2]}, 10, 3)
	assert.ErrorContains(t, err, `data "y" has 2 values`)
}

// TestObserveNamesOnce: an observation cannot reuse the name of another
// observation or of a site: it would count twice in the log-joint.
func TestObserveNamesOnce(t *testing.T) {
	model := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, m.Const(0.5))
		m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, m.Const(0.5))
		return m.Err()
	})
	_, err := svi.New(model, guides.MeanField{}, svi.Config{})
	assert.ErrorContains(t, err, `Observe "y": the name is already used`)
}
