package benchmarks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/blr"
	"github.com/govi/govi/svi"
)

func synthetic(n, d int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x = make([]float64, n*d)
	y = make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range y {
		for j := 0; j < d; j++ {
			y[i] += x[i*d+j] * float64(j%3-1)
		}
		y[i] += 0.5 * r.NormFloat64()
	}
	return x, y
}

func benchStep(b *testing.B, model svi.Model, guide svi.Guide, batch svi.Batch, particles int) {
	benchStepW(b, model, guide, batch, particles, 1)
}

func benchStepW(b *testing.B, model svi.Model, guide svi.Guide, batch svi.Batch, particles, workers int) {
	benchStepCfg(b, model, guide, batch, svi.Config{Particles: particles, Workers: workers, Estimator: svi.EntropyELBO})
}

func benchStepCfg(b *testing.B, model svi.Model, guide svi.Guide, batch svi.Batch, cfg svi.Config) {
	tr, err := svi.New(model, guide, cfg)
	if err != nil {
		b.Fatal(err)
	}
	st, err := tr.Init(1)
	if err != nil {
		b.Fatal(err)
	}
	if err := tr.Feed(batch); err != nil {
		b.Fatal(err)
	}
	// One untimed step: the first allocates the trainer's scratch state
	// (the backup of the parameters and moments, the ops' buffers), which
	// weighs on a large network timed over few steps.
	info, err := tr.Step(st, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if info, err = tr.Step(st, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(info.Loss, "loss")
	b.ReportMetric(float64(st.Params.Size()), "params")
}

// BenchmarkBLRStep is one SVI step of Bayesian linear regression, N = 500,
// D = 13, mean-field guide; for S > 1 also with the particles in one graph
// (svi.Config.Vectorize).
func BenchmarkBLRStep(b *testing.B) {
	const n, d = 500, 13
	x, y := synthetic(n, d, 1)
	for _, s := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("particles=%d", s), func(b *testing.B) {
			benchStep(b, blr.Model{Alpha: 1, Beta: 4, N: n, D: d}, guides.MeanField{}, svi.Batch{"phi": x, "y": y}, s)
		})
		if s > 1 {
			// All particles in one graph (svi.Config.Vectorize).
			b.Run(fmt.Sprintf("particles=%d/vectorized", s), func(b *testing.B) {
				benchStepCfg(b, blr.Model{Alpha: 1, Beta: 4, N: n, D: d}, guides.MeanField{}, svi.Batch{"phi": x, "y": y},
					svi.Config{Particles: s, Vectorize: true, Estimator: svi.EntropyELBO})
			})
		}
	}
}

// mlp is a 13-50-1 ReLU network with N(0, 1) priors on every weight and a
// Gaussian likelihood of fixed scale, written in plain gorgonia: the
// network-sized graph of the generic path.
type mlp struct{ n, d, h int }

func (p mlp) Build(m *svi.M) error {
	prior := dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}
	w1 := m.Sample("w1", prior, p.d, p.h)
	b1 := m.Sample("b1", prior, 1, p.h)
	w2 := m.Sample("w2", prior, p.h)
	b2 := m.Sample("b2", prior)
	x := m.Data("x", p.n, p.d)
	y := m.Data("y", p.n)
	if m.Err() != nil {
		return m.Err()
	}
	a, err := G.Mul(x, w1)
	if err != nil {
		return err
	}
	if a, err = G.BroadcastAdd(a, b1, nil, []byte{0}); err != nil {
		return err
	}
	if a, err = G.Rectify(a); err != nil {
		return err
	}
	out, err := G.Mul(a, w2)
	if err != nil {
		return err
	}
	if out, err = G.Add(out, b2); err != nil {
		return err
	}
	m.Observe("y", dist.Normal{Loc: out, Scale: m.Const(0.5)}, y)
	return m.Err()
}

// BenchmarkMLPGraphStep is one SVI step of the 13-50-1 network built from
// generic gorgonia ops, N = 500 full batch.
func BenchmarkMLPGraphStep(b *testing.B) {
	const n, d, h = 500, 13, 50
	x, y := synthetic(n, d, 2)
	init := guides.MeanField{InitScale: 0.01, InitLocFn: func(s svi.Site, dst []float64, r *rand.Rand) {
		for i := range dst {
			dst[i] = r.NormFloat64() * math.Sqrt(2/float64(d))
		}
	}}
	for _, c := range []struct{ s, w int }{{1, 1}, {8, 1}, {8, 2}} {
		b.Run(fmt.Sprintf("particles=%d/workers=%d", c.s, c.w), func(b *testing.B) {
			benchStepW(b, mlp{n, d, h}, init, svi.Batch{"x": x, "y": y}, c.s, c.w)
		})
	}
}
