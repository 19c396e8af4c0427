package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKLCommand runs train kl briefly and reads the report back: every
// solution has a mean, a covariance and both divergences; the moment-
// matched Gaussian is the mixture's mean and covariance; the closed forms
// agree with the quadrature; both plots are written.
func TestKLCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("SVI fits")
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"kl", "-separation", "5", "-correlation", "0.6", "-starts", "2", "-steps", "300", "-seed", "2", "-out", dir}, &out, &errb), errb.String())
	b, err := os.ReadFile(filepath.Join(dir, reportName))
	require.NoError(t, err)
	var rep klReport
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Len(t, rep.Mixture.Solutions, 3)
	require.Len(t, rep.Correlated.Solutions, 3)
	mm := rep.Mixture.Solutions[0]
	assert.Equal(t, [2][2]float64{{1 + 25.0/4, 0}, {0, 1}}, mm.Q.Cov)
	assert.Equal(t, [2]float64{0, 0}, mm.Q.Mean)
	for _, s := range append(rep.Mixture.Solutions, rep.Correlated.Solutions...) {
		assert.False(t, math.IsNaN(s.Quadrature.PQ) || math.IsNaN(s.Quadrature.QP), s.Name)
		assert.GreaterOrEqual(t, s.Quadrature.PQ, 0.0, s.Name)
		assert.GreaterOrEqual(t, s.Quadrature.QP, 0.0, s.Name)
		if s.ClosedPQ != nil {
			// Tolerance: the quadrature's own error bound.
			assert.InDelta(t, *s.ClosedPQ, s.Quadrature.PQ, s.Quadrature.PQError, s.Name)
			assert.InDelta(t, *s.ClosedQP, s.Quadrature.QP, s.Quadrature.QPError, s.Name)
		}
	}
	for _, name := range []string{"kl_mixture.png", "kl_correlated.png"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Greater(t, fi.Size(), int64(1000))
	}
}
