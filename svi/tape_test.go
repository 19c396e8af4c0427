package svi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestRunTapeMatchesRunAll: running the tape directly (svi's default) and
// through gorgonia's RunAll give the same losses and parameters, bit for
// bit, over 60 steps of a model with a constrained site and two workers.
// Not parallel: it switches a package-level setting.
func TestRunTapeMatchesRunAll(t *testing.T) {
	fit := func(runAll bool) ([]float64, *svi.Params) {
		*svi.UseRunAll = runAll
		defer func() { *svi.UseRunAll = false }()
		tr, err := svi.New(posModel(), guides.MeanField{InitScale: 0.3}, svi.Config{Particles: 4, Workers: 2, Estimator: svi.EntropyELBO})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": []float64{0.3, -1.1, 2.0}}))
		st, err := tr.Init(7)
		require.NoError(t, err)
		for i := 0; i < 60; i++ {
			_, err := tr.Step(st, nil)
			require.NoError(t, err)
		}
		return st.Trace, st.Params
	}
	la, pa := fit(false)
	lb, pb := fit(true)
	assert.Equal(t, lb, la)
	for i, name := range pa.Names() {
		assert.Equal(t, pb.At(i), pa.At(i), name)
	}
}
