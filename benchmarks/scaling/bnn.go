package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/svi"
)

// inputs is D, the number of input columns (Boston housing's 13).
const inputs = 13

// bnnPoint is one network size: N rows (full batch), H hidden units and
// S particles, as graph copies or vectorized (svi.Config.Vectorize).
type bnnPoint struct {
	n, h, s int
	vec     bool
}

// nominalFlops is the conventional count of the dense layers' matrix
// products per step, 3 × 2·N·(D·H + H·1) per particle: the forward
// products x·W₁ and h·W₂, and backward twice as many (gradients with
// respect to the weights and to the layer's input).
func (p bnnPoint) nominalFlops() float64 {
	return float64(p.s) * 6 * float64(p.n) * float64(inputs*p.h+p.h)
}

// gemmFlops counts the products models/bnn actually runs per step,
// 2·N·H·(2D + 3) per particle: forward 2·N·D·H + 2·N·H; backward, for the
// first layer only ∂W₁ = xᵀ·δ₁ (2·N·D·H; x is data and gets no gradient),
// for the output layer ∂W₂ = hᵀ·δ₂ and ∂h = δ₂·W₂ᵀ (2·N·H each).
func (p bnnPoint) gemmFlops() float64 {
	return float64(p.s) * 2 * float64(p.n) * float64(p.h) * float64(2*inputs+3)
}

// bnnSweeps holds the points of each BNN sweep and the varying quantity.
var bnnSweeps = map[string]struct {
	title, axis string
	points      []bnnPoint
	x           func(bnnPoint) int
}{
	"n": {"BNN SVI step against N (13-50-1, S = 1, full batch)", "N (rows)",
		[]bnnPoint{{100, 50, 1, false}, {1000, 50, 1, false}, {10000, 50, 1, false}, {100000, 50, 1, false}},
		func(p bnnPoint) int { return p.n }},
	"width": {"BNN SVI step against hidden width H (N = 455, S = 1, full batch)", "H (hidden units)",
		[]bnnPoint{{455, 10, 1, false}, {455, 30, 1, false}, {455, 100, 1, false}, {455, 300, 1, false}, {455, 1000, 1, false}},
		func(p bnnPoint) int { return p.h }},
	"particles": {"BNN SVI step against particles S (N = 455, 13-50-1, full batch)", "S (particles)",
		[]bnnPoint{{455, 50, 1, false}, {455, 50, 2, false}, {455, 50, 4, false}, {455, 50, 8, false}, {455, 50, 16, false}, {455, 50, 32, false}, {455, 50, 64, false}},
		func(p bnnPoint) int { return p.s }},
	"vparticles": {"BNN SVI step against particles S, vectorized (N = 455, 13-50-1, full batch)", "S (particles)",
		[]bnnPoint{{455, 50, 1, true}, {455, 50, 2, true}, {455, 50, 4, true}, {455, 50, 8, true}, {455, 50, 16, true}, {455, 50, 32, true}, {455, 50, 64, true}},
		func(p bnnPoint) int { return p.s }},
}

// standardized returns N rows of D standard normal inputs and targets
// y = Σⱼ xⱼ·((j mod 3) − 1) + 0.5·ε scaled to mean 0 and sd 1, the
// synthetic regression of benchmarks/svi_test.go.
func standardized(n, d int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x = make([]float64, n*d)
	y = make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	var mean, ss float64
	for i := range y {
		for j := range d {
			y[i] += x[i*d+j] * float64(j%3-1)
		}
		y[i] += 0.5 * r.NormFloat64()
		mean += y[i]
	}
	mean /= float64(n)
	for _, v := range y {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(n))
	for i := range y {
		y[i] = (y[i] - mean) / sd
	}
	return x, y
}

// bnnTrainer builds the SVI trainer of p, fed with the full batch, and an
// initialized state, as benchmarks/bnn_test.go does: mean-field guide with
// He-scaled initial locations of the weight matrices and scale 0.01.
func bnnTrainer(p bnnPoint, seed uint64) (*svi.Trainer, *svi.State, error) {
	x, y := standardized(p.n, inputs, seed)
	model, err := bnn.NewModel(bnn.Config{Hidden: []int{p.h}}, inputs, p.n, p.n)
	if err != nil {
		return nil, nil, err
	}
	guide := guides.MeanField{InitScale: 0.01, InitLocFn: func(s svi.Site, dst []float64, r *rand.Rand) {
		if len(s.Shape) == 2 {
			for i := range dst {
				dst[i] = r.NormFloat64() * math.Sqrt(2/float64(s.Shape[0]))
			}
		}
	}}
	tr, err := svi.New(model, guide, svi.Config{Particles: p.s, Vectorize: p.vec, Estimator: svi.EntropyELBO})
	if err != nil {
		return nil, nil, err
	}
	st, err := tr.Init(seed)
	if err != nil {
		return nil, nil, err
	}
	if err := tr.Feed(svi.Batch{"x": x, "y": y}); err != nil {
		return nil, nil, err
	}
	return tr, st, nil
}

// bnnSweep times the SVI step at every point of the named sweep, prints
// its table and writes its plot and CSV file.
func bnnSweep(ctx context.Context, w io.Writer, o options, name string) error {
	sw := bnnSweeps[name]
	tb := &table{
		title: sw.title,
		cols: []string{"N", "H", "S", "steps×blocks", "ms/step", "range ms", "steps/s",
			"allocs/step", "KB/step", "MFLOP/step", "GFLOP/s", "GEMM GFLOP/s"},
	}
	var xs, ys []float64
	for _, p := range sw.points {
		tr, st, err := bnnTrainer(p, o.seed)
		if err != nil {
			return fmt.Errorf("scaling: BNN N=%d H=%d S=%d: %w", p.n, p.h, p.s, err)
		}
		t, err := measure(ctx, o, func() error {
			_, err := tr.Step(st, nil)
			return err
		})
		if err != nil {
			return fmt.Errorf("scaling: BNN N=%d H=%d S=%d: %w", p.n, p.h, p.s, err)
		}
		med := t.median()
		lo, hi := t.spread()
		sec := med.Seconds()
		tb.add(p.n, p.h, p.s, fmt.Sprintf("%d×%d", t.calls, o.reps),
			f3(ms(med)), f3(ms(lo))+"–"+f3(ms(hi)), f3(1/sec),
			fmt.Sprintf("%.0f", t.allocs), fmt.Sprintf("%.0f", t.bytes/1024),
			f3(p.nominalFlops()/1e6), f3(p.nominalFlops()/sec/1e9), f3(p.gemmFlops()/sec/1e9))
		xs = append(xs, float64(sw.x(p)))
		ys = append(ys, ms(med))
	}
	if err := tb.write(w, o, "bnn_"+name); err != nil {
		return err
	}
	if o.figures == "" {
		return nil
	}
	return linePlot(plotSpec{
		file:  "bnn_" + name + ".png",
		title: sw.title,
		xAxis: sw.axis, yAxis: "ms per SVI step (median)",
		logX: true, logY: true,
		ref: "proportional to " + map[string]string{"n": "N", "width": "H", "particles": "S", "vparticles": "S"}[name],
	}, o.figures, xs, ys)
}

// f3 formats v with three significant digits, or as an integer from 1,000
// up, never in exponent notation.
func f3(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.001 || a == 0:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
