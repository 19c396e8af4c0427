package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBNNCommandNoHidden: -hidden 0 fits the log-linear model (softmax
// regression on the digits, mean-field and full-rank) and Bayesian linear
// regression (Boston), and reports an empty list of hidden layers.
func TestBNNCommandNoHidden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		// The metric and its bounds. Softmax regression on standardized
		// digits reaches ≈ 95% test accuracy within a few hundred steps
		// (the full-rank guide's 211,575 parameters move more slowly).
		// Linear regression on Boston housing has test RMSE ≈ 4.5–5.5
		// (the target's sd is 9.2); the one-hidden-layer BNN reaches ≈ 3.
		metric   string
		min, max float64
	}{
		{"softmax meanfield", []string{"-data", digits, "-task", "classification", "-steps", "300", "-lr", "0.01"}, "test_accuracy", 0.9, 1},
		{"softmax fullrank", []string{"-data", digits, "-task", "classification", "-guide", "fullrank", "-steps", "100", "-lr", "0.01"}, "test_accuracy", 0.7, 1},
		{"linear regression", []string{"-data", boston, "-steps", "1000", "-lr", "0.01"}, "test_rmse", 3.5, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"bnn", "-hidden", "0", "-draws", "100", "-diagnostic-draws", "0", "-out", dir}, tc.args...)
			_, _, err := runCmd(args...)
			require.NoError(t, err)
			rep := readReport(t, dir)
			assert.Equal(t, []any{}, rep["hidden"], "no hidden layer")
			v, ok := rep[tc.metric].(float64)
			require.True(t, ok, "report lacks %s", tc.metric)
			t.Logf("%s %.4f", tc.metric, v)
			assert.GreaterOrEqual(t, v, tc.min, tc.metric)
			assert.LessOrEqual(t, v, tc.max, tc.metric)
		})
	}
}
