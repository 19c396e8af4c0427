package blr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestVectorizedMatchesCopies: trained with svi.Config.Vectorize (w is
// [S, D] and the means are w·Φᵀ) the model gives, step by step, the losses
// and parameters of the default graph with one copy per particle, since
// the mean-field guide draws the same noise in both modes (tolerance: the
// order of the sums, 1e-9 relative).
func TestVectorizedMatchesCopies(t *testing.T) {
	const n, d = 60, 4
	r := rand.New(rand.NewPCG(4, 4))
	phi, y := make([]float64, n*d), make([]float64, n)
	for i := range phi {
		phi[i] = r.NormFloat64()
	}
	for i := range y {
		y[i] = phi[i*d] - 0.5*phi[i*d+2] + 0.3*r.NormFloat64()
	}
	m := Model{Alpha: 1, Beta: 10, N: n, D: d}
	run := func(vec bool) ([]float64, *svi.Params) {
		tr, err := svi.New(m, guides.MeanField{}, svi.Config{Particles: 8, Vectorize: vec, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.05}})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"phi": phi, "y": y}))
		st, err := tr.Init(9)
		require.NoError(t, err)
		for i := 0; i < 200; i++ {
			_, err := tr.Step(st, nil)
			require.NoError(t, err)
		}
		return st.Trace, st.Params
	}
	la, pa := run(false)
	lb, pb := run(true)
	for i := range la {
		require.InDelta(t, la[i], lb[i], 1e-9*math.Abs(la[i]), "loss %d", i)
	}
	for k, name := range pa.Names() {
		for j, v := range pa.At(k) {
			require.InDelta(t, v, pb.At(k)[j], 1e-8*math.Max(1, math.Abs(v)), "%s[%d]", name, j)
		}
	}
}
