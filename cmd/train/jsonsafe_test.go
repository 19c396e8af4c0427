package main

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestMarshalReportNonFinite: a report holding NaN and ±Inf values (in a
// field, a slice, a map, an embedded struct) is written with those values
// as null and a warning naming each, and the finite values kept; a report
// without them is encoded exactly as encoding/json would.
func TestMarshalReportNonFinite(t *testing.T) {
	type inner struct {
		LL float64 `json:"test_ll"`
	}
	type report struct {
		inner
		Name    string             `json:"name"`
		RMSE    float64            `json:"rmse"`
		Trace   []float64          `json:"trace"`
		PerCase map[string]float64 `json:"per_case"`
		Skip    float64            `json:"-"`
		Empty   float64            `json:"empty,omitempty"`
		Diag    *svi.Diagnostics   `json:"diagnostics"`
	}
	rep := report{inner: inner{LL: math.NaN()}, Name: "x", RMSE: 1.5, Trace: []float64{1, math.Inf(-1)},
		PerCase: map[string]float64{"a": math.Inf(1)}, Skip: math.NaN(), Diag: &svi.Diagnostics{Draws: 3, KHat: math.NaN()}}
	b, err := marshalReport(rep)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Nil(t, got["test_ll"])
	assert.Equal(t, "x", got["name"])
	assert.Equal(t, 1.5, got["rmse"])
	assert.Equal(t, []any{1.0, nil}, got["trace"])
	assert.Equal(t, map[string]any{"a": nil}, got["per_case"])
	assert.NotContains(t, got, "Skip")
	assert.NotContains(t, got, "empty")
	assert.Nil(t, got["diagnostics"].(map[string]any)["khat"])
	assert.ElementsMatch(t, []any{"test_ll is NaN, written as null", "trace[1] is -Inf, written as null", "per_case.a is +Inf, written as null"}, got["warnings"])

	rep = report{Name: "y", Trace: []float64{2}}
	b, err = marshalReport(rep)
	require.NoError(t, err)
	want, err := json.MarshalIndent(rep, "", "  ")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(b))
}
