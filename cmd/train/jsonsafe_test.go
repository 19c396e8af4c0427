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

// TestMarshalReportEmbeddedPointer: the fields of an embedded pointer to a
// struct (bnnReport's *bnn.SplitsResult) are promoted, as encoding/json
// does, also when a non-finite value sends the report through jsonSafe
// (a resumed fit that takes no step has +Inf steps a second); a nil one
// writes none.
func TestMarshalReportEmbeddedPointer(t *testing.T) {
	type Inner struct {
		RMSE  float64 `json:"test_rmse"`
		Speed float64 `json:"steps_per_second"`
	}
	type report struct {
		*Inner
		Name string `json:"name"`
	}
	b, err := marshalReport(report{Inner: &Inner{RMSE: 7.5, Speed: math.Inf(1)}, Name: "x"})
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, 7.5, got["test_rmse"])
	assert.Contains(t, got, "steps_per_second")
	assert.Nil(t, got["steps_per_second"])
	assert.NotContains(t, got, "Inner")
	assert.Equal(t, []any{"steps_per_second is +Inf, written as null"}, got["warnings"])
	b, err = marshalReport(report{Name: "y"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name": "y"}`, string(b))
}
