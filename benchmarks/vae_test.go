package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/vae"
	"github.com/govi/govi/svi"
)

// BenchmarkVAEStep is one SVI step of the VAE (models/vae: MLP encoder
// guide and Bernoulli decoder, one hidden layer of 200 ReLU units each,
// closed-form KL estimator, one particle, Adam) on a minibatch of B = 128
// seeded random binary images: D = 64 (the 8×8 digits) and D = 784
// (28×28, Fashion-MNIST), with L = 2 and 10 latent dimensions. It reports
// images/s (= 128 × steps/s), the figure models/vae/RESULTS.md compares
// with PyTorch.
func BenchmarkVAEStep(b *testing.B) {
	const batch = 128
	for _, c := range []struct{ d, l int }{{64, 2}, {64, 10}, {784, 10}} {
		b.Run(fmt.Sprintf("D=%d/L=%d/B=%d", c.d, c.l, batch), func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, uint64(c.d)))
			x := make([]float64, batch*c.d)
			for i := range x {
				if r.Float64() < 0.3 {
					x[i] = 1
				}
			}
			v, err := vae.New(vae.Config{Dim: c.d, Latent: c.l}, batch, 10*batch, 1)
			if err != nil {
				b.Fatal(err)
			}
			tr, err := svi.New(v.Model(), v.Guide(), svi.Config{Estimator: svi.KLELBO})
			if err != nil {
				b.Fatal(err)
			}
			st, err := tr.Init(1)
			if err != nil {
				b.Fatal(err)
			}
			if err := tr.Feed(svi.Batch{vae.DataName: x}); err != nil {
				b.Fatal(err)
			}
			var info svi.Info
			b.ReportAllocs()
			for b.Loop() {
				if info, err = tr.Step(st, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(batch*float64(b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(info.Loss/(10*batch), "loss/datum")
			b.ReportMetric(float64(st.Params.Size()), "params")
		})
	}
}

// BenchmarkVAEStepDType is BenchmarkVAEStep's L = 10 cases at D = 64 and
// D = 784 (one hidden layer of 200 units each side, B = 128, the kl
// estimator) with the training graph in float64 and in float32
// (svi.Config.DType).
func BenchmarkVAEStepDType(b *testing.B) {
	const batch, l = 128, 10
	for _, d := range []int{64, 784} {
		r := rand.New(rand.NewPCG(7, uint64(d)))
		x := make([]float64, batch*d)
		for i := range x {
			if r.Float64() < 0.3 {
				x[i] = 1
			}
		}
		for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
			b.Run(fmt.Sprintf("D=%d/L=%d/B=%d/dtype=%v", d, l, batch, dt), func(b *testing.B) {
				v, err := vae.New(vae.Config{Dim: d, Latent: l}, batch, 10*batch, 1)
				if err != nil {
					b.Fatal(err)
				}
				benchStepCfg(b, v.Model(), v.Guide(), svi.Batch{vae.DataName: x}, svi.Config{Estimator: svi.KLELBO, DType: dt})
				b.ReportMetric(batch*float64(b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
