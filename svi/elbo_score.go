package svi

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/ops"
)

// scoreELBO is [ScoreELBO]. For particle s with log weight
// f_s = log p(x, z_s) + log|J_s| − log q(z_s), global discrete log-mass
// ℓ_s and, inside the plate, row costs c_s (the row's model terms minus
// its discrete sites' log q) and row log-masses ℓ_sn, the surrogate is
//
//	f_s + stop(f_s − b_s)·ℓ_s + Σₙ stop(c_sn − b_sn)·ℓ_sn
//
// averaged over the particles: its value is the ELBO estimate and its
// gradient is the reparameterized gradient of the continuous sites plus
// the score-function gradient of the discrete ones.
type scoreELBO struct{}

func (scoreELBO) loss(p *parts) (report, surrogate *G.Node, err error) {
	if p.enum != nil || p.vector {
		return nil, nil, fmt.Errorf("svi: the score estimator needs one model instance per particle")
	}
	lw, err := p.logWeightsFor(ScoreELBO)
	if err != nil {
		return nil, nil, err
	}
	b := p.b
	S := len(lw)
	glob := make([]*G.Node, S) // unscaled log q of the global discrete draws
	lqRows := make([]*G.Node, S)
	cost := make([]*G.Node, S) // row costs
	for s := range lw {
		g, r, _, rScaled, err := p.discreteLogQ(s)
		if err != nil {
			return nil, nil, err
		}
		glob[s], lqRows[s] = g, r
		if r != nil {
			cost[s] = b.Sub(p.rows[s], rScaled)
		}
	}
	base, err := newBaselines(p, lw, cost)
	if err != nil {
		return nil, nil, err
	}
	terms := make([]*G.Node, S)
	if base.net != nil {
		terms[0] = base.loss()
	}
	for s := range lw {
		t := lw[s]
		if glob[s] != nil {
			t = b.Add(t, b.Mul(stop(b, b.Sub(lw[s], base.global(s))), glob[s]))
		}
		if lqRows[s] != nil {
			t = b.Add(t, b.Sum(b.Mul(stop(b, b.Sub(cost[s], base.rows(s))), lqRows[s])))
		}
		terms[s] = add(b, terms[s], t)
	}
	report = b.Neg(p.mean(lw))
	surrogate = b.Neg(p.mean(terms))
	if err := b.Err(); err != nil {
		return nil, nil, fmt.Errorf("svi: building the score estimator: %w", err)
	}
	return report, surrogate, nil
}

// stop returns x with its gradient stopped.
func stop(b interface {
	Apply(string, func(*G.Node) (*G.Node, error), *G.Node) *G.Node
}, x *G.Node) *G.Node {
	return b.Apply("StopGradient", ops.StopGradient, x)
}

// baselines gives each particle's baseline for its global cost f_s and
// its row costs c_s.
type baselines struct {
	p        *parts
	kind     Baseline
	lw, cost []*G.Node
	sumLW    *G.Node
	sumCost  *G.Node
	avg      *G.Node // the running average, an input
	net      *G.Node // nvil: b_ψ(x_n), a [rows] vector
}

func newBaselines(p *parts, lw, cost []*G.Node) (*baselines, error) {
	bl := &baselines{p: p, kind: p.cfg.Baseline, lw: lw, cost: cost}
	b := p.b
	switch bl.kind {
	case BaselineLOO:
		if len(lw) < 2 {
			return nil, fmt.Errorf("svi: the leave-one-out baseline needs at least 2 particles in a graph, got %d", len(lw))
		}
		bl.sumLW = sumVectors(b, lw)
		if cost[0] != nil {
			bl.sumCost = sumVectors(b, cost)
		}
	case BaselineAvg, BaselineNVIL:
		gc := p.gc
		bl.avg = gc.Derived("svi/baseline/avg", []int{1}, func(_ *Params, dst []float64) { dst[0] = gc.avgBaseline })
		bl.avg = b.Sum(bl.avg)
		if bl.kind == BaselineNVIL && cost[0] != nil {
			net, err := nvilNet(p)
			if err != nil {
				return nil, err
			}
			bl.net = net
		}
	}
	return bl, b.Err()
}

// nvilNet builds NVIL's network b_ψ(x) = tanh(xW₁ + b₁)w₂ + b₂ on the
// plate's data array: one output per row. Its parameters start
// Glorot-uniform (W₁, w₂) and at zero (biases), so the baseline starts at
// the running average.
func nvilNet(p *parts) (*G.Node, error) {
	name, h := p.cfg.BaselineInput, p.cfg.BaselineHidden
	x := p.gc.data[name]
	if x == nil || x.Shape().Dims() != 2 || x.Shape()[0] != p.plate {
		return nil, fmt.Errorf("svi: the nvil baseline's input %q must be a data array of the plate's %d rows", name, p.plate)
	}
	d := x.Shape()[1]
	glorot := func(in, out int) func([]float64, *rand.Rand) {
		a := math.Sqrt(6 / float64(in+out))
		return func(dst []float64, r *rand.Rand) {
			for i := range dst {
				dst[i] = a * (2*r.Float64() - 1)
			}
		}
	}
	gc := p.gc
	w1 := gc.Param("svi/baseline/w1", []int{d, h}, glorot(d, h))
	b1 := gc.Param("svi/baseline/b1", []int{h}, nil)
	w2 := gc.Param("svi/baseline/w2", []int{h, 1}, glorot(h, 1))
	b2 := gc.Param("svi/baseline/b2", []int{1}, nil)
	if err := gc.Err(); err != nil {
		return nil, err
	}
	b := p.b
	dense := func(x, w, bias *G.Node, act ops.Activation) *G.Node {
		return b.Apply("Dense", func(x *G.Node) (*G.Node, error) { return ops.Dense(x, w, bias, act) }, x)
	}
	out := dense(dense(x, w1, b1, ops.Tanh), w2, b2, ops.Identity)
	return b.Reshape(out, p.plate), b.Err()
}

// loss returns NVIL's regression loss −Σ_s Σₙ (c_sn − baseline_sn)², as a
// term of the surrogate (whose negated mean over the particles is
// minimized, so the squares are): its gradient reaches only the network.
func (bl *baselines) loss() *G.Node {
	b := bl.p.b
	var l *G.Node
	for s := range bl.cost {
		d := b.Sub(stop(b, bl.cost[s]), bl.rows(s))
		l = add(b, l, b.Sum(b.Square(d)))
	}
	return b.Neg(l)
}

// global returns particle s's baseline for f_s.
func (bl *baselines) global(s int) *G.Node {
	b := bl.p.b
	switch bl.kind {
	case BaselineLOO:
		return b.Mul(b.Sub(bl.sumLW, bl.lw[s]), b.Const(1/float64(len(bl.lw)-1)))
	case BaselineAvg, BaselineNVIL:
		return bl.avg
	}
	return b.Const(0)
}

// rows returns particle s's baselines for its row costs.
func (bl *baselines) rows(s int) *G.Node {
	b := bl.p.b
	switch bl.kind {
	case BaselineLOO:
		return b.Mul(b.Sub(bl.sumCost, bl.cost[s]), b.Const(1/float64(len(bl.cost)-1)))
	case BaselineAvg:
		return b.Mul(bl.avg, b.Const(1/float64(bl.p.plate)))
	case BaselineNVIL:
		r := b.Mul(bl.avg, b.Const(1/float64(bl.p.plate)))
		if bl.net != nil {
			r = b.Add(bl.net, r)
		}
		return r
	}
	return b.Const(0)
}
