package vae

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// loadDriver resumes from the checkpoint at path and runs like plain.
type loadDriver struct {
	plain
	path string
}

func (d loadDriver) Start(t *svi.Trainer) (*svi.State, error) { return t.LoadCheckpoint(d.path) }

// TestResumeRefusedIssue14: the checkpoint of a fit is refused when the
// driver resumes it onto other images or another network, naming the
// difference, and loads for the same data and network.
func TestResumeRefusedIssue14(t *testing.T) {
	t.Parallel()
	d, err := ReadDigits(digitsPath)
	require.NoError(t, err)
	train := d.Binarize(0.5).Head(100)
	cfg := Config{Dim: 64, Hidden: []int{8}}
	s := Settings{Steps: 4, Batch: 20, Estimator: svi.KLELBO, Seed: 3}
	fit, err := Fit(context.Background(), cfg, train, s)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "fit.ckpt")
	require.NoError(t, fit.Trainer.SaveCheckpoint(path, fit.State))

	res := s
	res.Steps, res.Driver = 8, loadDriver{path: path}
	other := d.Binarize(0.4).Head(100)
	latent3 := cfg
	latent3.Latent = 3
	for _, tc := range []struct {
		name  string
		cfg   Config
		train *Dataset
		want  string
	}{
		{"other binarization", cfg, other, `data is "100 rows, sha256 `},
		{"other latent size", latent3, train, `model.Latent is "2" in the checkpoint and "3" in this run`},
	} {
		_, err := Fit(context.Background(), tc.cfg, tc.train, res)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	resumed, err := Fit(context.Background(), cfg, train, res)
	require.NoError(t, err)
	assert.Equal(t, 8, resumed.State.Iter)
}
