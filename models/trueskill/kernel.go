package trueskill

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused likelihood kernel: one op per particle evaluates
//
//	Σ_g log P(r_g | d_g),  d_g = s[a_g] − s[b_g] (+ η),
//
// over all games with the host-side interval probabilities of
// [Config.LogLik] (normInterval, logisticInterval: stable far into the
// tails), and records the derivatives with respect to s, ε and η as it
// goes. Its gradient ops scale the recorded derivatives by the incoming
// gradient and, for s, have them already scattered into a P-vector. A
// particle's likelihood is then two graph instructions (forward, and one
// per differentiated input backward) instead of a dozen elementwise ops on
// G-vectors, each with its own allocation.
//
// The recorded derivatives belong to the op instance of one particle of one
// graph, written by its forward Do and read by its gradient ops, which take
// the forward output as an input so that the machine runs them after it.
// The gradient ops are not differentiable again.

// gameLik is the state of one fused kernel instance.
type gameLik struct {
	m          *Model
	eps, eta   bool      // whether ε and η are inputs after s
	ds         []float64 // ∂/∂s of the last evaluation
	dEps, dEta float64   // ∂/∂ε, ∂/∂η of the last evaluation
}

// gameLikOp is the forward op: (s [, ε] [, η]) → Σ log P.
type gameLikOp struct{ k *gameLik }

// gameLikGradOp maps (output, ḡ) to ḡ·∂(Σ log P)/∂input for one input:
// which is 0 for s, 1 for ε, 2 for η.
type gameLikGradOp struct {
	k     *gameLik
	which int
}

var (
	_ G.SDOp = gameLikOp{}
	_ G.Op   = gameLikGradOp{}
)

func (op gameLikOp) Arity() int {
	n := 1
	if op.k.eps {
		n++
	}
	if op.k.eta {
		n++
	}
	return n
}

func (op gameLikOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := []hm.Type{G.TensorType{Dims: 1, Of: a}}
	for range op.Arity() - 1 {
		ts = append(ts, a)
	}
	return hm.NewFnType(append(ts, a)...)
}

func (op gameLikOp) ReturnsPtr() bool     { return false }
func (op gameLikOp) CallsExtern() bool    { return false }
func (op gameLikOp) OverwritesInput() int { return -1 }
func (op gameLikOp) String() string {
	return fmt.Sprintf("GameLogLik{%d players}", len(op.k.m.players))
}
func (op gameLikOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/trueskill.GameLogLik(%p)", op.k)
}
func (op gameLikOp) Hashcode() uint32 { return hashOf(op.WriteHash) }

func (op gameLikOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("GameLogLik takes %d inputs, got %d", op.Arity(), len(in))
	}
	if err := checkShape(in[:1], len(op.k.m.players)); err != nil {
		return nil, fmt.Errorf("GameLogLik: skills: %w", err)
	}
	return tensor.ScalarShape(), nil
}

func (op gameLikOp) Do(in ...G.Value) (G.Value, error) {
	k := op.k
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("GameLogLik takes %d inputs, got %d", op.Arity(), len(in))
	}
	s, err := vecValue(in[:1], len(k.m.players))
	if err != nil {
		return nil, fmt.Errorf("GameLogLik: skills: %w", err)
	}
	c := k.m.cfg
	eta := 0.0
	next := 1
	if k.eps {
		if c.Margin, err = scalarValue(in[next]); err != nil {
			return nil, fmt.Errorf("GameLogLik: margin: %w", err)
		}
		next++
	}
	if k.eta {
		if eta, err = scalarValue(in[next]); err != nil {
			return nil, fmt.Errorf("GameLogLik: home advantage: %w", err)
		}
	}
	return G.NewF64(k.eval(c, s, eta)), nil
}

// eval returns Σ_g log P(r_g | d_g) under c (whose Margin is the current ε)
// and records the derivatives.
func (k *gameLik) eval(c Config, s []float64, eta float64) float64 {
	if k.ds == nil {
		k.ds = make([]float64, len(s))
	}
	clear(k.ds)
	k.dEps, k.dEta = 0, 0
	inv := 1 / c.noiseScale()
	lp := 0.0
	if p := k.m.dec; p != nil {
		for g, a := range p.a {
			b, h := p.b[g], k.m.decHome[g]
			// log P(win) = log F(x), x = (d − ε)/c.
			logZ, slope := c.logCDF((s[a] - s[b] + eta*h - c.Margin) * inv)
			lp += logZ
			gd := slope * inv // ∂/∂d; ∂/∂ε = −∂/∂d
			k.ds[a] += gd
			k.ds[b] -= gd
			k.dEta += gd * h
			k.dEps -= gd
		}
	}
	if p := k.m.draw; p != nil {
		for g, a := range p.a {
			b := p.b[g]
			d := s[a] - s[b] + eta
			logZ, gt, _ := c.interval(Draw, d)
			lp += logZ
			gd := gt * inv
			k.ds[a] += gd
			k.ds[b] -= gd
			k.dEta += gd
			if k.eps {
				// Z = F(u) − F(l), u = (ε − d)/c, l = (−ε − d)/c:
				// ∂ log Z/∂ε = (f(u) + f(l))/(c·Z).
				u, l := (c.Margin-d)*inv, (-c.Margin-d)*inv
				k.dEps += (math.Exp(c.logPDF(u)-logZ) + math.Exp(c.logPDF(l)-logZ)) * inv
			}
		}
	}
	return lp
}

// logCDF returns log F(x) and its derivative f(x)/F(x) for the
// standardized noise, each to full relative precision: the same values as
// the one-sided intervals of normInterval and logisticInterval, with one
// evaluation of Φ (or one exponential) instead of two.
func (c Config) logCDF(x float64) (logF, slope float64) {
	if c.Link == Logistic {
		// log σ(x) and σ(−x) from one exponential.
		if x >= 0 {
			e := math.Exp(-x)
			return -math.Log1p(e), e / (1 + e)
		}
		e := math.Exp(x)
		return x - math.Log1p(e), 1 / (1 + e)
	}
	logF = LogNormCDF(x)
	if x < millsSwitch {
		u := -x
		return logF, u + millsTail(u)
	}
	return logF, math.Exp(normLogPDF(x) - logF)
}

// logPDF returns the log-density of the standardized noise at x.
func (c Config) logPDF(x float64) float64 {
	if c.Link == Logistic {
		return LogSigmoid(x) + LogSigmoid(-x)
	}
	return normLogPDF(x)
}

func (op gameLikOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff returns, for each input, the gradient op reading the derivatives
// recorded by the forward evaluation.
func (op gameLikOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	which := []int{0}
	if op.k.eps {
		which = append(which, 1)
	}
	if op.k.eta {
		which = append(which, 2)
	}
	for i := range inputs {
		n, err := G.ApplyOp(gameLikGradOp{k: op.k, which: which[i]}, output, grad)
		if err != nil {
			return nil, fmt.Errorf("trueskill: GameLogLik gradient: %w", err)
		}
		out[i] = n
	}
	return out, nil
}

func (op gameLikGradOp) Arity() int { return 2 }
func (op gameLikGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.which == 0 {
		return hm.NewFnType(a, a, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(a, a, a)
}
func (op gameLikGradOp) ReturnsPtr() bool     { return false }
func (op gameLikGradOp) CallsExtern() bool    { return false }
func (op gameLikGradOp) OverwritesInput() int { return -1 }
func (op gameLikGradOp) String() string {
	return fmt.Sprintf("GameLogLikGrad{%s}", []string{"skill", "margin", "home"}[op.which])
}
func (op gameLikGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/trueskill.GameLogLikGrad(%p,%d)", op.k, op.which)
}
func (op gameLikGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }

func (op gameLikGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("GameLogLikGrad takes 2 inputs, got %d", len(in))
	}
	if op.which == 0 {
		return tensor.Shape{len(op.k.m.players)}, nil
	}
	return tensor.ScalarShape(), nil
}

func (op gameLikGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("GameLogLikGrad takes 2 inputs, got %d", len(in))
	}
	gbar, err := scalarValue(in[1])
	if err != nil {
		return nil, fmt.Errorf("GameLogLikGrad: %w", err)
	}
	k := op.k
	switch op.which {
	case 1:
		return G.NewF64(gbar * k.dEps), nil
	case 2:
		return G.NewF64(gbar * k.dEta), nil
	}
	out := tensor.New(tensor.WithShape(len(k.ds)), tensor.Of(tensor.Float64))
	x := out.Data().([]float64)
	for i, v := range k.ds {
		x[i] = gbar * v
	}
	return out, nil
}

// scalarValue returns the value of a scalar (or one-element) float64 value.
func scalarValue(v G.Value) (float64, error) {
	switch t := v.(type) {
	case *G.F64:
		return float64(*t), nil
	case *tensor.Dense:
		if t.Dtype() != tensor.Float64 {
			return 0, fmt.Errorf("dtype %v, want float64", t.Dtype())
		}
		if t.IsScalar() {
			return t.ScalarValue().(float64), nil
		}
		if d := t.Data().([]float64); len(d) == 1 {
			return d[0], nil
		}
		return 0, fmt.Errorf("shape %v, want a scalar", t.Shape())
	}
	return 0, fmt.Errorf("value %T, want a float64 scalar", v)
}
