package svi_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// localModel has a global mean mu and, after Scale(n/b), the local
// latents z of a minibatch of b of n rows, each the mean of its row of x.
func localModel(b, n int) svi.Model {
	return svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 1, 1)
		m.Scale(float64(n) / float64(b))
		ones := make([]float64, b)
		for i := range ones {
			ones[i] = 1
		}
		col := m.Array(ones, b, 1)
		z := m.Sample("z", dist.Normal{Loc: m.MatMul(col, mu), Scale: m.Const(1)}, b, 1)
		m.Observe("x", dist.Normal{Loc: z, Scale: m.Const(0.5)}, m.Data("x", b, 1))
		return m.Err()
	})
}

// TestCheckpointLocalSiteRows: the first axis of a local site is the
// minibatch's rows, so a checkpoint of batch 4 loads into a trainer of
// batch 2 or 6 when the guide's parameters do not depend on the rows (an
// encoder: the resume of a VAE on another number of ranks), starting from
// the same parameters; with a guide that has parameters per row it is
// refused naming the parameter; a global site of another shape is refused
// naming the site, as before.
func TestCheckpointLocalSiteRows(t *testing.T) {
	t.Parallel()
	enc := func() svi.Guide {
		g, err := guides.Join(guides.Part{Guide: guides.Amortized{Input: "x", Dim: 1}, Sites: []string{"z"}},
			guides.Part{Guide: guides.MeanField{}, Sites: []string{"mu"}})
		require.NoError(t, err)
		return g
	}
	tr, err := svi.New(localModel(4, 12), enc(), svi.Config{})
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"x": {0.5, -1, 2, 0.25}}))
	_, err = tr.Step(st, nil)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "b4.ckpt")
	require.NoError(t, tr.SaveCheckpoint(path, st))
	assert.True(t, tr.Description().Sites[1].Local, "z is local")
	assert.False(t, tr.Description().Sites[0].Local, "mu is global")

	for _, b := range []int{2, 6} {
		other, err := svi.New(localModel(b, 12), enc(), svi.Config{})
		require.NoError(t, err)
		got, err := other.LoadCheckpoint(path)
		require.NoError(t, err, "batch %d", b)
		assert.Equal(t, st.Params, got.Params, "batch %d: the saved parameters", b)
		assert.Equal(t, 1, got.Iter)
	}

	perRow := func(b int) *svi.Trainer {
		tr, err := svi.New(localModel(b, 12), guides.MeanField{}, svi.Config{})
		require.NoError(t, err)
		return tr
	}
	mf := perRow(4)
	st4, err := mf.Init(1)
	require.NoError(t, err)
	mfPath := filepath.Join(t.TempDir(), "mf.ckpt")
	require.NoError(t, mf.SaveCheckpoint(mfPath, st4))
	_, err = perRow(2).LoadCheckpoint(mfPath)
	assert.ErrorContains(t, err, "parameter 2 is guides/z/loc [4 1] in the checkpoint and guides/z/loc [2 1] in the guide")

	wide := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 2, 1)
		m.Observe("x", dist.Normal{Loc: mu, Scale: m.Const(0.5)}, m.Data("x", 2, 1))
		return m.Err()
	})
	narrow := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 3, 1)
		m.Observe("x", dist.Normal{Loc: mu, Scale: m.Const(0.5)}, m.Data("x", 3, 1))
		return m.Err()
	})
	gw, err := svi.New(wide, guides.Delta{}, svi.Config{})
	require.NoError(t, err)
	sw, err := gw.Init(1)
	require.NoError(t, err)
	wPath := filepath.Join(t.TempDir(), "w.ckpt")
	require.NoError(t, gw.SaveCheckpoint(wPath, sw))
	gn, err := svi.New(narrow, guides.Delta{}, svi.Config{})
	require.NoError(t, err)
	_, err = gn.LoadCheckpoint(wPath)
	assert.ErrorContains(t, err, "site 0 is mu [2 1] (real) in the checkpoint and mu [3 1] (real) in the model")
}
