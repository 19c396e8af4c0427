package svi

import (
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// iwaeBound is [IWAEBound], the importance-weighted bound with K = S:
// log (1/K) Σₖ w_k with log w_k = log p(x, z_k) + log|J_k| − log q(u_k).
type iwaeBound struct{}

func (iwaeBound) loss(p *parts) (report, surrogate *G.Node, err error) {
	lw, err := p.logWeightsFor(IWAEBound)
	if err != nil {
		return nil, nil, err
	}
	return negate(p, logMeanExp(p.b, lw))
}

// logMeanExp returns log (1/n) Σᵢ exp(xᵢ) of scalar nodes as
// m + log Σᵢ exp(xᵢ − m) − log n, with m = maxᵢ xᵢ built from the scalar
// identity max(a, b) = (a + b + |a − b|)/2. The gradient is exact: the
// contributions through m cancel. It stays with scalar operations because
// gorgonia v0.9.18 mis-computes graphs that gather many scalars into a
// vector (Reshape's gradient from a scalar is mis-typed, and a long chain of
// scalar-times-unit-vector sums gave wrong values for 10 or more terms).
func logMeanExp(b *graph.B, xs []*G.Node) *G.Node {
	m := xs[0]
	half := b.Const(0.5)
	for _, x := range xs[1:] {
		m = b.Mul(half, b.Add(b.Add(m, x), b.Abs(b.Sub(m, x))))
	}
	var sum *G.Node
	for _, x := range xs {
		sum = add(b, sum, b.Exp(b.Sub(x, m)))
	}
	return b.Sub(b.Add(m, b.Log(sum)), b.Const(math.Log(float64(len(xs)))))
}
