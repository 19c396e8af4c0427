package trueskill

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// BenchmarkSVIStep is one SVI step (mean-field guide, analytic entropy) of
// the probit and logistic models on a synthetic league of the 4F13 data's
// size (107 players, 1,801 games), with the fused kernel and with the
// composed likelihood under each way of gathering the skills.
func BenchmarkSVIStep(b *testing.B) {
	ds, _ := synthLeague(rand.New(rand.NewPCG(1, 1)), 107, 1801, Config{Sigma0: 1, Beta: 1})
	for _, v := range []struct {
		name string
		o    Options
	}{{"fused", Options{}}, {"composed-pairs", Options{Composed: true}}, {"composed-rows", Options{Composed: true, Gather: GatherRows}}} {
		for _, link := range []Link{Probit, Logistic} {
			for _, s := range []int{1, 16} {
				b.Run(fmt.Sprintf("%s/%s/particles=%d", v.name, link, s), func(b *testing.B) {
					m, err := NewModel(ds, Config{Sigma0: 1, Beta: 1, Link: link}, v.o)
					if err != nil {
						b.Fatal(err)
					}
					tr, err := svi.New(m, guides.MeanField{}, svi.Config{Particles: s, Estimator: svi.EntropyELBO})
					if err != nil {
						b.Fatal(err)
					}
					st, err := tr.Init(1)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					for b.Loop() {
						if _, err := tr.Step(st, nil); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
				})
			}
		}
	}
}

// BenchmarkSVIStepFullRank is one SVI step with the full-rank guide on the
// same league (107 × 107 covariance factor).
func BenchmarkSVIStepFullRank(b *testing.B) {
	c := Config{Sigma0: 1, Beta: 1}
	ds, _ := synthLeague(rand.New(rand.NewPCG(1, 1)), 107, 1801, c)
	for _, s := range []int{1, 4} {
		b.Run(fmt.Sprintf("particles=%d", s), func(b *testing.B) {
			m, err := NewModel(ds, c, Options{})
			if err != nil {
				b.Fatal(err)
			}
			tr, err := svi.New(m, guides.FullRank{}, svi.Config{Particles: s, Estimator: svi.EntropyELBO})
			if err != nil {
				b.Fatal(err)
			}
			st, _ := tr.Init(1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.Step(st, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
