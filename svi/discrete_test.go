package svi_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// constMat returns a constant [r, c] node.
func constMat(g *G.ExprGraph, r, c int, v []float64) *G.Node {
	return constOf(g, v, r, c)
}

// constOf returns an input node of the given shape holding a copy of v,
// of the graph's dtype (float32, rounded, in a float32 training graph).
// Each gets its own name: gorgonia merges unnamed inputs of one shape.
func constOf(g *G.ExprGraph, v []float64, shape ...int) *G.Node {
	var backing any = append([]float64(nil), v...)
	dt := graph.Dtype(g)
	if dt == tensor.Float32 {
		v32 := make([]float32, len(v))
		for i, x := range v {
			v32[i] = float32(x)
		}
		backing = v32
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
	name := fmt.Sprintf("const%d", len(g.AllNodes()))
	return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithValue(t), G.WithName(name))
}

// bitsModel is a global site of K bits with a Bernoulli(σ(a_j)) prior and
// one observation x ~ N(zW + c, σ²I) of D outputs (W is K×D).
type bitsModel struct {
	a     []float64 // prior logits
	w     []float64 // K×D
	c     []float64 // D
	x     []float64 // D
	sigma float64
}

func (bm bitsModel) k() int { return len(bm.a) }
func (bm bitsModel) d() int { return len(bm.c) }

func (bm bitsModel) Build(m *svi.M) error {
	k, d := bm.k(), bm.d()
	g := m.Graph()
	a := constOf(g, bm.a, k)
	z := m.Sample("z", dist.Bernoulli{Logits: a}, k)
	mean := m.Add(m.MatMul(m.Reshape(z, 1, k), constMat(g, k, d, bm.w)), constMat(g, 1, d, bm.c))
	x := m.Data("x", 1, d)
	m.Observe("x", dist.Normal{Loc: mean, Scale: m.Const(bm.sigma)}, x)
	return m.Err()
}

// logJoint is log p(x, z) for the bits z, computed directly.
func (bm bitsModel) logJoint(z []float64) float64 {
	lp := 0.0
	for j, zj := range z {
		lp += zj*bm.a[j] - special.Softplus(bm.a[j])
	}
	for e := range bm.d() {
		mu := bm.c[e]
		for j, zj := range z {
			mu += zj * bm.w[j*bm.d()+e]
		}
		r := (bm.x[e] - mu) / bm.sigma
		lp += -0.5*r*r - math.Log(bm.sigma) - 0.5*math.Log(2*math.Pi)
	}
	return lp
}

// states returns every z in {0, 1}^k with its log q under logits l.
func states(l []float64) (zs [][]float64, lq []float64) {
	k := len(l)
	for s := range 1 << k {
		z := make([]float64, k)
		q := 0.0
		for j := range k {
			if s>>j&1 == 1 {
				z[j] = 1
			}
			q += z[j]*l[j] - special.Softplus(l[j])
		}
		zs, lq = append(zs, z), append(lq, q)
	}
	return zs, lq
}

// elbo is the exact ELBO Σ_z q(z)[log p(x, z) − log q(z)] by enumeration.
func (bm bitsModel) elbo(l []float64) float64 {
	zs, lq := states(l)
	e := 0.0
	for i, z := range zs {
		e += math.Exp(lq[i]) * (bm.logJoint(z) - lq[i])
	}
	return e
}

// iwae is the exact S-particle bound E[log (1/S) Σ_s p(x, z_s)/q(z_s)],
// enumerating all (2^K)^S tuples of draws.
func (bm bitsModel) iwae(l []float64, S int) float64 {
	zs, lq := states(l)
	n := len(zs)
	lw := make([]float64, n)
	for i, z := range zs {
		lw[i] = bm.logJoint(z) - lq[i]
	}
	total := 0.0
	idx := make([]int, S)
	for {
		lqt, ws := 0.0, make([]float64, S)
		for s, i := range idx {
			lqt += lq[i]
			ws[s] = lw[i]
		}
		total += math.Exp(lqt) * special.LogMeanExp(ws)
		s := 0
		for ; s < S; s++ {
			idx[s]++
			if idx[s] < n {
				break
			}
			idx[s] = 0
		}
		if s == S {
			return total
		}
	}
}

// fdGrad returns the central-difference gradient of f at l (h = 1e-5).
func fdGrad(f func([]float64) float64, l []float64) []float64 {
	g := make([]float64, len(l))
	for i := range l {
		lp, lm := append([]float64(nil), l...), append([]float64(nil), l...)
		lp[i] += 1e-5
		lm[i] -= 1e-5
		g[i] = (f(lp) - f(lm)) / 2e-5
	}
	return g
}

var bits = bitsModel{
	a:     []float64{-0.4, 0.2, 0.7},
	w:     []float64{1.0, -0.5, 0.3, 0.8, -1.2, 0.6, 0.4, 0.9, -0.7, 1.1, 0.5, -0.3},
	c:     []float64{0.1, -0.2, 0.3, 0.0},
	x:     []float64{0.9, 0.4, -0.6, 1.3},
	sigma: 0.8,
}

var bitsLogits = []float64{0.3, -0.5, 1.0}

// gradStats builds a trainer of bits with a Discrete guide at bitsLogits
// and estimates its gradient n times.
func gradStats(t *testing.T, cfg svi.Config, n int) *svi.GradientStats {
	t.Helper()
	return gradStatsAfter(t, cfg, n, nil)
}

// gradStatsAfter is gradStats from a state whose loss trace is trace, as
// if those steps had been taken: the running-average baseline reads it.
func gradStatsAfter(t *testing.T, cfg svi.Config, n int, trace []float64) *svi.GradientStats {
	t.Helper()
	tr, err := svi.New(bits, guides.Discrete{InitLogits: map[string][]float64{"z": bitsLogits}}, cfg)
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	st.Trace, st.Iter = trace, len(trace)
	gs, err := tr.GradientVariance(st, svi.Batch{"x": bits.x}, n, 7)
	require.NoError(t, err)
	return gs
}

// within4SE asserts that the mean estimate of each element is within four
// standard errors (plus tol) of want.
func within4SE(t *testing.T, blk *svi.GradientBlock, n int, want []float64, tol float64) {
	t.Helper()
	require.NotNil(t, blk)
	for j, m := range blk.Mean {
		se := math.Sqrt(blk.Var[j] / float64(n))
		assert.InDelta(t, want[j], m, 4*se+tol, "%s[%d]: mean %v ± %v, want %v", blk.Name, j, m, se, want[j])
	}
}

// The gradient of the loss is −∇ELBO.
func negated(g []float64) []float64 {
	out := make([]float64, len(g))
	for i, v := range g {
		out[i] = -v
	}
	return out
}

func TestEnumIsExact(t *testing.T) {
	gs := gradStats(t, svi.Config{Estimator: svi.EnumELBO}, 2)
	want := negated(fdGrad(bits.elbo, bitsLogits))
	blk := gs.Block("guides/z/logits")
	for j := range want {
		assert.InDelta(t, want[j], blk.Mean[j], 1e-7)
		assert.InDelta(t, 0, blk.Var[j], 1e-20)
	}
	assert.InDelta(t, -bits.elbo(bitsLogits), gs.Loss, 1e-10)
	assert.InDelta(t, 0, gs.LossVar, 1e-18)
}

func TestScoreFunctionIsUnbiased(t *testing.T) {
	const n = 4000
	want := negated(fdGrad(bits.elbo, bitsLogits))
	vars := map[svi.Baseline]float64{}
	for _, c := range []struct {
		baseline svi.Baseline
		S        int
	}{{svi.BaselineNone, 4}, {svi.BaselineLOO, 4}, {svi.BaselineAvg, 1}, {svi.BaselineNone, 1}} {
		gs := gradStats(t, svi.Config{Estimator: svi.ScoreELBO, Baseline: c.baseline, Particles: c.S}, n)
		within4SE(t, gs.Block("guides/z/logits"), n, want, 1e-9)
		// The reported loss is an unbiased estimate of −ELBO.
		assert.InDelta(t, -bits.elbo(bitsLogits), gs.Loss, 4*math.Sqrt(gs.LossVar/n))
		if c.S == 4 {
			vars[c.baseline] = gs.TotalVar
		}
	}
	t.Logf("score gradient variance at S = 4: none %.4g, leave-one-out %.4g (×%.1f lower)",
		vars[svi.BaselineNone], vars[svi.BaselineLOO], vars[svi.BaselineNone]/vars[svi.BaselineLOO])
	assert.Less(t, vars[svi.BaselineLOO], vars[svi.BaselineNone]/2)
}

// TestRunningAverageBaselineIsUnbiased: at Init the loss trace is empty, so
// the running average is 0 and BaselineAvg is plain REINFORCE (the case of
// TestScoreFunctionIsUnbiased). Here the state carries a trace, so the
// baseline is the trace's weighted mean: one near the ELBO and one 20 nats
// off. The gradient stays unbiased for the enumerated one with either, and
// the near one lowers the variance (S = 1) against no baseline.
func TestRunningAverageBaselineIsUnbiased(t *testing.T) {
	const n = 4000
	want := negated(fdGrad(bits.elbo, bitsLogits))
	loss := -bits.elbo(bitsLogits)
	none := gradStats(t, svi.Config{Estimator: svi.ScoreELBO, Baseline: svi.BaselineNone, Particles: 1}, n)
	for _, c := range []struct {
		name  string
		trace []float64
	}{
		{"near the ELBO", []float64{loss + 0.3, loss - 0.2, loss + 0.1}},
		{"20 nats off", []float64{loss + 20, loss + 20}},
	} {
		gs := gradStatsAfter(t, svi.Config{Estimator: svi.ScoreELBO, Baseline: svi.BaselineAvg, Particles: 1}, n, c.trace)
		within4SE(t, gs.Block("guides/z/logits"), n, want, 1e-9)
		assert.InDelta(t, loss, gs.Loss, 4*math.Sqrt(gs.LossVar/n), c.name)
		t.Logf("running average %s: gradient variance %.4g, none %.4g (×%.2f)", c.name, gs.TotalVar, none.TotalVar, none.TotalVar/gs.TotalVar)
		if c.name == "near the ELBO" {
			assert.Less(t, gs.TotalVar, none.TotalVar/2, "a baseline near the ELBO lowers the variance")
		} else {
			assert.Greater(t, gs.TotalVar, none.TotalVar, "a baseline 20 nats off raises it: the trace was read")
		}
	}
}

func TestVIMCOIsUnbiasedForTheIWAEBound(t *testing.T) {
	const n, S = 4000, 3
	gs := gradStats(t, svi.Config{Estimator: svi.VIMCOBound, Particles: S}, n)
	bound := func(l []float64) float64 { return bits.iwae(l, S) }
	within4SE(t, gs.Block("guides/z/logits"), n, negated(fdGrad(bound, bitsLogits)), 1e-8)
	assert.InDelta(t, -bits.iwae(bitsLogits, S), gs.Loss, 4*math.Sqrt(gs.LossVar/n))
	assert.Greater(t, bits.iwae(bitsLogits, S), bits.elbo(bitsLogits), "the bound is tighter than the ELBO")
}

func TestConcreteTendsToTheDiscreteELBO(t *testing.T) {
	const n = 4000
	exact := bits.elbo(bitsLogits)
	prev := math.Inf(1)
	for _, tau := range []float64{1, 0.3, 0.03} {
		gs := gradStats(t, svi.Config{Estimator: svi.ConcreteELBO, Temperature: tau, Particles: 1}, n)
		gap := math.Abs(-gs.Loss - exact)
		t.Logf("τ = %v: relaxed ELBO %.4f ± %.4f, discrete %.4f", tau, -gs.Loss, math.Sqrt(gs.LossVar/n), exact)
		assert.Less(t, gap, prev+4*math.Sqrt(gs.LossVar/n))
		prev = gap
	}
	assert.Less(t, prev, 0.01+4*0.0303, "at τ = 0.03 the relaxed ELBO is within Monte Carlo error of the discrete one")
}
