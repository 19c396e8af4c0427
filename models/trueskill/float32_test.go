package trueskill

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestFloat32MatchesFloat64 fits the ten-each two-player case with a
// learned margin and a home advantage in float32 and float64 from the same
// seed, with the fused kernel (float64 inside on the widened skills) and
// with the composed likelihood (ops.PairDiff, LogNormCDF, Log1mExp in
// float32): the guide's parameters agree within f32ParamTol.
func TestFloat32MatchesFloat64(t *testing.T) {
	t.Parallel()
	ds, err := TwoPlayerCases()[2].Dataset()
	require.NoError(t, err)
	// Same noise in both dtypes; float32 rounds parameters and gradients
	// (1e-7 relative) each step, and the log-concave likelihood keeps the
	// trajectories together: differences of about 1e-8 seen; 1e-5 leaves
	// a wide margin and is 1e-4 of the posterior sds.
	const f32ParamTol = 1e-5
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"fused", Options{LearnMargin: true, HomeAdvantage: true}},
		{"composed", Options{LearnMargin: true, HomeAdvantage: true, Composed: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(ds, twoPlayerConfig, tc.opt)
			require.NoError(t, err)
			params := map[svi.DType]*svi.Params{}
			for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
				tr, err := svi.New(m, guides.MeanField{}, svi.Config{Particles: 4, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.02}, DType: dt})
				require.NoError(t, err)
				st, err := tr.Init(5)
				require.NoError(t, err)
				_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 500})
				require.NoError(t, err)
				params[dt] = st.Params
			}
			for k, name := range params[svi.Float64].Names() {
				for j, v := range params[svi.Float64].At(k) {
					assert.InDelta(t, v, params[svi.Float32].At(k)[j], f32ParamTol, "%s[%d]", name, j)
				}
			}
		})
	}
}
