package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/lfm"
	"github.com/govi/govi/svi"
)

// BenchmarkLFMStep is one SVI step of the binary latent factor model
// (models/lfm.SVIModel, given parameters, Gaussian outputs) with the
// mean-field guides.Discrete over all N rows, for each estimator of
// discrete sites: the data benchmarks/peers/lfm_torch.py --data bars
// builds (lfm.Bars and lfm.Generate from rand.NewPCG(1, 2)), K = 10 and
// N = 500 as the peer's defaults, S = 8 for score (leave-one-out) and
// vimco, S = 1 for concrete (τ = 0.5); enum at N = 50 (its expanded plate
// has 2^K·N rows: see models/lfm/RESULTS.md). It reports steps/s.
func BenchmarkLFMStep(b *testing.B) {
	for _, c := range []struct {
		est  svi.Estimator
		s, n int
	}{{svi.ScoreELBO, 8, 500}, {svi.VIMCOBound, 8, 500}, {svi.ConcreteELBO, 1, 500}, {svi.EnumELBO, 1, 50}} {
		b.Run(fmt.Sprintf("%v/K=10/N=%d/S=%d", c.est, c.n, c.s), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			p, err := lfm.Bars(10, r)
			if err != nil {
				b.Fatal(err)
			}
			_, x, err := lfm.Generate(p, c.n, r)
			if err != nil {
				b.Fatal(err)
			}
			flat := make([]float64, 0, c.n*p.D())
			for _, row := range x {
				flat = append(flat, row...)
			}
			tr, err := svi.New(lfm.SVIModel{P: p, Rows: c.n}, guides.Discrete{},
				svi.Config{Estimator: c.est, Particles: c.s, Optimizer: svi.Adam{LearnRate: 0.05}})
			if err != nil {
				b.Fatal(err)
			}
			st, err := tr.Init(1)
			if err != nil {
				b.Fatal(err)
			}
			batch := svi.Batch{"x": flat}
			for range 5 {
				if _, err := tr.Step(st, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := tr.Step(st, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
