package trueskill

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlot2 draws each two-player case with the Laplace approximation and
// the moment-matched Gaussian as overlays, and checks that a PNG results.
// Set GOVI_PLOT_DIR to keep the images.
func TestPlot2(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("GOVI_PLOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for k, tc := range TwoPlayerCases() {
		ds, err := tc.Dataset()
		require.NoError(t, err)
		g, err := Exact2(ds, twoPlayerConfig, nil)
		require.NoError(t, err)
		la, err := Laplace(ds, twoPlayerConfig, nil)
		require.NoError(t, err)
		lg, err := Gaussian2Of(la, 0, 1, "Laplace")
		require.NoError(t, err)
		mm := g.Moments
		mm.Label = "moment-matched"
		path := filepath.Join(dir, []string{"five_wins.png", "ten_wins.png", "ten_each.png"}[k])
		require.NoError(t, Plot2(path, g, tc.Name, lg, mm))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")), "PNG signature")
		assert.Greater(t, len(b), 10_000, "a drawn figure, not an empty canvas")
	}
}

func TestPlot2Errors(t *testing.T) {
	t.Parallel()
	ds, err := TwoPlayerCase{Wins: 3}.Dataset()
	require.NoError(t, err)
	g, err := Exact2(ds, twoPlayerConfig, &GridSpec{N: 41})
	require.NoError(t, err)
	dir := t.TempDir()
	assert.Error(t, Plot2(filepath.Join(dir, "a.png"), nil, ""))
	assert.Error(t, Plot2(filepath.Join(dir, "a.png"), &Grid2{X: []float64{0, 1}}, ""))
	bad := Gaussian2{Label: "bad", Cov: [2][2]float64{{1, 2}, {2, 1}}}
	assert.ErrorContains(t, Plot2(filepath.Join(dir, "a.png"), g, "", bad), "not symmetric positive definite")
	assert.Error(t, Plot2(filepath.Join(dir, "a.unknown-format"), g, ""))
	require.NoError(t, Plot2(filepath.Join(dir, "a.svg"), g, "no overlays"))
}
