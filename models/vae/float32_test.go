package vae

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestFloat32Step trains the VAE (64 binary pixels, 2 latents, B = 128,
// the closed-form KL estimator) in float64 and float32 from the same state
// and noise: the first losses agree to float32 rounding, and after 300
// steps the mean loss of the last 50 agrees to within 1%.
func TestFloat32Step(t *testing.T) {
	t.Parallel()
	const batch, dim = 128, 64
	r := rand.New(rand.NewPCG(7, 64))
	x := make([]float64, batch*dim)
	for i := range x {
		if r.Float64() < 0.3 {
			x[i] = 1
		}
	}
	first, late := map[svi.DType]float64{}, map[svi.DType]float64{}
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		v, err := New(Config{Dim: dim, Latent: 2}, batch, 10*batch, 1)
		require.NoError(t, err)
		tr, err := svi.New(v.Model(), v.Guide(), svi.Config{Estimator: svi.KLELBO, Optimizer: svi.Adam{LearnRate: 1e-3}, DType: dt})
		require.NoError(t, err)
		st, err := tr.Init(1)
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{DataName: x}))
		for range 300 {
			_, err := tr.Step(st, nil)
			require.NoError(t, err)
		}
		first[dt] = st.Trace[0]
		for _, l := range st.Trace[250:] {
			late[dt] += l / 50
		}
	}
	t.Logf("first loss: %.6f (float64), %.6f (float32); last 50: %.4f, %.4f", first[svi.Float64], first[svi.Float32], late[svi.Float64], late[svi.Float32])
	// The first loss is a sum of 128·64 Bernoulli terms of order 1 (a
	// loss of order 1e4 for 10·128 rows): float32 inputs and products
	// move it by about 1e-6 relative; 1e-4 still catches a wrong term.
	assert.NotEqual(t, first[svi.Float64], first[svi.Float32], "float32 arithmetic must show")
	assert.InDelta(t, first[svi.Float64], first[svi.Float32], 1e-4*math.Abs(first[svi.Float64]))
	// Later losses: the same noise, so only rounding separates the runs;
	// 1% is far below the fifth the loss falls over these steps.
	assert.InDelta(t, late[svi.Float64], late[svi.Float32], 0.01*math.Abs(late[svi.Float64]))
}
