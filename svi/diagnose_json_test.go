package svi_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestDiagnosticsJSON: a report with quantities that could not be
// estimated encodes them as null with a warning, and a full report keeps
// every field.
func TestDiagnosticsJSON(t *testing.T) {
	d := svi.Diagnostics{Draws: 10, ELBO: -3.5, ELBOStdErr: 0.1, IWAE: -3.2, KHat: math.NaN(), ESS: math.Inf(1),
		Steps: 7, Verdict: "too few draws for PSIS"}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Nil(t, got["khat"])
	assert.Nil(t, got["ess"])
	assert.Equal(t, -3.5, got["elbo"])
	assert.Equal(t, 7.0, got["steps"])
	assert.Len(t, got["warnings"], 2)
	assert.Contains(t, got["warnings"].([]any)[0], "khat is NaN (too few draws for PSIS)")

	d.KHat, d.ESS, d.KThreshold, d.StopReason = 0.3, 9, 0.5, "converged"
	b, err = json.Marshal(d)
	require.NoError(t, err)
	got = nil
	require.NoError(t, json.Unmarshal(b, &got))
	for _, k := range []string{"draws", "elbo", "elbo_stderr", "iwae", "khat", "khat_threshold", "ess", "steps", "stop_reason", "verdict"} {
		assert.Contains(t, got, k)
	}
	assert.NotContains(t, got, "warnings")
}
