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

// BenchmarkBNNStepDType is one SVI step of models/bnn in each training
// dtype (svi.Config.DType), mean-field guide, analytic-entropy ELBO, one
// particle, the minibatch fixed:
//
//   - uci: the 13-50-1 ReLU regression network on N = 500 synthetic rows
//     full batch, the size of the PyTorch peer's synthetic problem;
//   - mnist: the 784-400-400-10 ReLU classification network on a
//     minibatch of B = 128 seeded random images (60,000 rows in all, for
//     the likelihood's scale), the size of Blundell et al.'s MNIST
//     network.
//
// Run with -cpu 1 to compare with a single-threaded peer.
func BenchmarkBNNStepDType(b *testing.B) {
	init := guides.MeanField{InitScale: 0.01, InitLocFn: func(s svi.Site, dst []float64, r *rand.Rand) {
		if len(s.Shape) == 2 {
			for i := range dst {
				dst[i] = r.NormFloat64() * math.Sqrt(2/float64(s.Shape[0]))
			}
		}
	}}
	const n, d = 500, 13 // the peer's synthetic problem: N = 500, D = 13
	x, y := synthetic(n, d, 3)
	const bm, dm = 128, 784
	xm, ym := syntheticClasses(bm, dm, 10, 4)
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		cfg := svi.Config{Particles: 1, Estimator: svi.EntropyELBO, DType: dt}
		b.Run(fmt.Sprintf("uci/dtype=%v", dt), func(b *testing.B) {
			m, err := bnn.NewModel(bnn.Config{Hidden: []int{50}}, d, n, n)
			if err != nil {
				b.Fatal(err)
			}
			benchStepCfg(b, m, init, svi.Batch{"x": x, "y": y}, cfg)
		})
		b.Run(fmt.Sprintf("mnist/dtype=%v", dt), func(b *testing.B) {
			m, err := bnn.NewModel(bnn.Config{Hidden: []int{400, 400}, Task: bnn.Classification, Classes: 10}, dm, bm, 60000)
			if err != nil {
				b.Fatal(err)
			}
			benchStepCfg(b, m, init, svi.Batch{"x": xm, "y": ym}, cfg)
		})
	}
}

// syntheticClasses returns n seeded rows of d standard normal inputs and
// uniformly drawn labels 0…k−1.
func syntheticClasses(n, d, k int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 2))
	x = make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	y = make([]float64, n)
	for i := range y {
		y[i] = float64(r.IntN(k))
	}
	return x, y
}
