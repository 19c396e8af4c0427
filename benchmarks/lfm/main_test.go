package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The comparison runs end to end on a tiny bars problem and prints both
// tables with one row per estimator; bad flags are refused.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-data", "bars", "-k", "3", "-rows", "20", "-steps", "5", "-seconds", "0.05", "-batch", "10", "-hidden", "4"}, &out))
	s := out.String()
	for _, want := range []string{"| enum |", "| score, leave-one-out, S = 8 |", "| vimco, S = 8 |", "| concrete τ = 0.1, S = 1 |", "amortization gap per row", "| score, nvil, S = 1 |"} {
		assert.Contains(t, s, want)
	}
	assert.Equal(t, 2, strings.Count(s, "| estimator |"))
	assert.ErrorContains(t, run([]string{"-data", "nope"}, &out), "-data")
}

func TestStepsToWithin(t *testing.T) {
	trace := []float64{-10, -5, -2, -1.5, -1}
	// Running means −10, −7.5, −5.67, −4.625, −3.9: first within 1 of −4.5
	// at step 4, never within 1 of 0.
	assert.Equal(t, 4, stepsToWithin(trace, -4.5))
	assert.Equal(t, -1, stepsToWithin(trace, 0))
}

// -to-target runs the chosen estimators, vimco among them, and refuses an
// unknown one naming the flag.
func TestToTargetEstimators(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-data", "bars", "-k", "3", "-rows", "10", "-to-target", "3", "-to-target-estimators", "vimco,score"}, &out))
	s := out.String()
	assert.Contains(t, s, "vimco (S = 8): steps to within 1 nat")
	assert.Contains(t, s, "score (S = 8): steps to within 1 nat")
	assert.NotContains(t, s, "enum (S")
	assert.ErrorContains(t, run([]string{"-data", "bars", "-k", "3", "-rows", "10", "-to-target", "3", "-to-target-estimators", "nope"}, &out), "-to-target-estimators")
}
