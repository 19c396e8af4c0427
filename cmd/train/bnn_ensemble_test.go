package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBNNCommandLastLayerEnsemble: -guide lastlayer and lastlayer-full fit
// Boston end to end and record the guide; -ensemble 1 writes the same test
// metrics as no -ensemble, -ensemble 2 records K and its compute and
// scores a mixture that differs from one fit; bad values and combinations
// are refused naming the flag.
func TestBNNCommandLastLayerEnsemble(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	common := []string{"bnn", "-data", boston, "-hidden", "8", "-steps", "150", "-lr", "0.01", "-draws", "50", "-diagnostic-draws", "0"}
	for _, g := range []string{"lastlayer", "lastlayer-full"} {
		out := filepath.Join(dir, g)
		_, _, err := runCmd(append(common, "-guide", g, "-rank", "3", "-out", out)...)
		require.NoError(t, err, g)
		rep := readReport(t, out)
		assert.Equal(t, g, rep["guide"])
		assert.Greater(t, rep["test_ll"].(float64), -6.0, "%s: unit mistakes only", g)
	}
	reports := map[string]map[string]any{}
	for name, extra := range map[string][]string{"plain": nil, "k1": {"-ensemble", "1"}, "k2": {"-ensemble", "2"}} {
		out := filepath.Join(dir, name)
		_, _, err := runCmd(append(append(common, extra...), "-out", out)...)
		require.NoError(t, err, name)
		reports[name] = readReport(t, out)
	}
	for _, k := range []string{"test_rmse", "test_ll", "test_coverage95"} {
		assert.Equal(t, reports["plain"][k], reports["k1"][k], "-ensemble 1 is the plain fit: %s", k)
		assert.NotEqual(t, reports["plain"][k], reports["k2"][k], "-ensemble 2 mixes two fits: %s", k)
	}
	assert.Nil(t, reports["k1"]["ensemble"])
	assert.Equal(t, 2.0, reports["k2"]["ensemble"])
	assert.Contains(t, reports["k2"]["compute"], "2× the training compute")
	assert.Equal(t, 2.0, reports["k2"]["per_split"].([]any)[0].(map[string]any)["ensemble"])

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-ensemble", "0"}, "-ensemble must be at least 1, got 0"},
		{[]string{"-ensemble", "2", "-checkpoint", filepath.Join(dir, "ck")}, "-checkpoint and -resume hold one fit; -ensemble 2"},
		{[]string{"-guide", "lastlayers"}, "unknown -guide \"lastlayers\" (want meanfield, fullrank, lowrank, map, lastlayer, lastlayer-full)"},
		{[]string{"-guide", "lastlayer", "-estimator", "dvi"}, "needs the meanfield guide, got lastlayer"},
	} {
		_, _, err := runCmd(append(append(common, tc.args...), "-out", filepath.Join(dir, "bad"))...)
		assert.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}
