package trueskill

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/svi"
)

// TestVectorizedMatchesCopies: trained with svi.Config.Vectorize (one
// fused kernel over all S particles, spread over goroutines), the model
// gives, step by step, the losses and parameters of the default graph with
// one kernel per particle. The mean-field guide draws the same noise in
// both modes, so this checks the batched kernel's values and gradients
// against the per-particle kernel, whose gradient TestModelLearnedSites
// checks by finite differences. Tolerances: the order of the sums, 1e-9
// relative on losses, 1e-8 on parameters after 60 Adam steps. Both links,
// a fixed margin and the learned margin with home advantage; S = 5 on 1
// and 3 workers, which must agree to the bit.
func TestVectorizedMatchesCopies(t *testing.T) {
	t.Parallel()
	c := Config{Sigma0: 1, Beta: 1, Margin: 0.3}
	ds, _ := synthLeague(rand.New(rand.NewPCG(4, 2)), 12, 80, c)
	for _, link := range []Link{Probit, Logistic} {
		for _, o := range []Options{{}, {LearnMargin: true, HomeAdvantage: true}} {
			c := c
			c.Link = link
			run := func(vec bool, workers int) ([]float64, *svi.Params, *svi.Trainer) {
				o := o
				o.Workers = workers
				m, err := NewModel(ds, c, o)
				require.NoError(t, err)
				tr, err := svi.New(m, guides.MeanField{InitScale: 0.3}, svi.Config{Particles: 5, Vectorize: vec, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.02}})
				require.NoError(t, err)
				st, err := tr.Init(7)
				require.NoError(t, err)
				for range 60 {
					_, err := tr.Step(st, nil)
					require.NoError(t, err)
				}
				return st.Trace, st.Params, tr
			}
			la, pa, _ := run(false, 1)
			lb, pb, tr := run(true, 1)
			lc, pc, _ := run(true, 3)
			for i := range la {
				require.InDelta(t, la[i], lb[i], 1e-9*math.Abs(la[i]), "%v %+v: loss %d", link, o, i)
				require.Equal(t, lb[i], lc[i], "%v %+v: loss %d, 1 and 3 workers", link, o, i)
			}
			for k, name := range pa.Names() {
				for j, v := range pa.At(k) {
					require.InDelta(t, v, pb.At(k)[j], 1e-8*math.Max(1, math.Abs(v)), "%v %+v: %s[%d]", link, o, name, j)
					require.Equal(t, pb.At(k)[j], pc.At(k)[j], "%v %+v: %s[%d], 1 and 3 workers", link, o, name, j)
				}
			}

			// The vectorized gradient against central differences of its
			// loss with the last step's noise held fixed. Tolerance: step
			// 1e-6 on a loss of ~10², rounding ~1e-8, relative 1e-5.
			p := pb.Clone()
			_, g, err := tr.LossGrad(p)
			require.NoError(t, err)
			for k, name := range p.Names() {
				fd := fdcheck.Grad(func([]float64) float64 {
					l, _, err := tr.LossGrad(p)
					require.NoError(t, err)
					return l
				}, p.At(k), 1e-6)
				for j, v := range fd {
					require.InDelta(t, v, g.At(k)[j], 1e-5*math.Max(1, math.Abs(v)), "%v %+v: ∂/∂%s[%d]", link, o, name, j)
				}
			}
		}
	}
}

// TestVectorizeRefusesComposed: the composed likelihood is written one
// particle at a time, so svi refuses to vectorize it, naming the reason.
func TestVectorizeRefusesComposed(t *testing.T) {
	ds, _ := synthLeague(rand.New(rand.NewPCG(4, 3)), 6, 20, Config{Sigma0: 1, Beta: 1})
	m, err := NewModel(ds, Config{Sigma0: 1, Beta: 1}, Options{Composed: true})
	require.NoError(t, err)
	_, err = svi.New(m, guides.MeanField{}, svi.Config{Particles: 4, Vectorize: true, Estimator: svi.EntropyELBO})
	require.ErrorContains(t, err, "cannot be vectorized")
	_, err = NewModel(ds, Config{Sigma0: 1, Beta: 1}, Options{Workers: -1})
	require.ErrorContains(t, err, "Options.Workers")
}
