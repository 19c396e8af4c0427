package benchmarks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/svi"
)

// BenchmarkBNNStep is one SVI step of the 13-50-1 ReLU regression network of
// the UCI protocol on N = 455 rows (the size of a Boston training split):
// full batch and B = 32, with S = 1 and 8 particles. "fused" is models/bnn
// (fused dense layers, likelihood and priors, Gamma prior on the noise
// precision); "generic" is the same network written with generic gorgonia
// operations (the mlp model of svi_test.go: dist.Normal priors, fixed noise
// scale). Both use the mean-field guide and the analytic-entropy ELBO. The
// minibatch is fixed, so only the step is timed. The fused S = 8 cases also
// run with the particles split over two parallel graphs (workers=2).
func BenchmarkBNNStep(b *testing.B) {
	const n, d, h = 455, 13, 50
	x, y := synthetic(n, d, 3)
	init := guides.MeanField{InitScale: 0.01, InitLocFn: func(s svi.Site, dst []float64, r *rand.Rand) {
		if len(s.Shape) == 2 {
			for i := range dst {
				dst[i] = r.NormFloat64() * math.Sqrt(2/float64(s.Shape[0]))
			}
		}
	}}
	for _, graph := range []string{"fused", "generic"} {
		for _, batch := range []int{n, 32} {
			for _, s := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/B=%d/particles=%d", graph, batch, s), func(b *testing.B) {
					var model svi.Model = mlp{batch, d, h}
					if graph == "fused" {
						m, err := bnn.NewModel(bnn.Config{Hidden: []int{h}}, d, batch, n)
						if err != nil {
							b.Fatal(err)
						}
						model = m
					}
					benchStep(b, model, init, svi.Batch{"x": x[:batch*d], "y": y[:batch]}, s)
				})
				if graph == "fused" && s > 1 {
					// All particles in one graph (svi.Config.Vectorize).
					b.Run(fmt.Sprintf("%s/B=%d/particles=%d/vectorized", graph, batch, s), func(b *testing.B) {
						m, err := bnn.NewModel(bnn.Config{Hidden: []int{h}}, d, batch, n)
						if err != nil {
							b.Fatal(err)
						}
						benchStepCfg(b, m, init, svi.Batch{"x": x[:batch*d], "y": y[:batch]},
							svi.Config{Particles: s, Vectorize: true, Estimator: svi.EntropyELBO})
					})
					// The particles split over two graphs run in parallel
					// (svi.Config.Workers), one per core.
					b.Run(fmt.Sprintf("%s/B=%d/particles=%d/workers=2", graph, batch, s), func(b *testing.B) {
						m, err := bnn.NewModel(bnn.Config{Hidden: []int{h}}, d, batch, n)
						if err != nil {
							b.Fatal(err)
						}
						benchStepW(b, m, init, svi.Batch{"x": x[:batch*d], "y": y[:batch]}, s, 2)
					})
				}
			}
		}
	}
}
