package dist

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// Beta is the beta distribution with concentrations α = Concentration1 (of
// x) and β = Concentration0 (of 1 − x), both nodes and both positive; the
// names follow NumPyro.
//
//	log p(x) = (α − 1) log x + (β − 1) log(1 − x) − log B(α, β),  0 < x < 1
//
// with log B(α, β) = log Γ(α) + log Γ(β) − log Γ(α + β). Support: (0, 1)
// (Support returns UnitInterval). Not reparameterized here.
type Beta struct {
	Concentration1 *G.Node // α > 0
	Concentration0 *G.Node // β > 0
}

// NewBeta returns a Beta with constant concentrations, after checking that
// both are positive and finite.
func NewBeta(g *G.ExprGraph, concentration1, concentration0 float64) (Beta, error) {
	if err := firstErr(checkGraph("Beta", g), positive("Beta", "concentration1", concentration1), positive("Beta", "concentration0", concentration0)); err != nil {
		return Beta{}, err
	}
	return Beta{Concentration1: graph.Scalar(g, concentration1), Concentration0: graph.Scalar(g, concentration0)}, nil
}

// logBeta returns log B(a, c) elementwise.
func logBeta(b *graph.B, a, c *G.Node) *G.Node {
	lg := func(x *G.Node) *G.Node { return b.Apply("Lgamma", ops.Lgamma, x) }
	return b.Sub(b.Add(lg(a), lg(c)), lg(b.Add(a, c)))
}

// LogProb returns the elementwise log-density of x ∈ (0, 1).
func (d Beta) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	one := b.Const(1)
	lp := b.Sub(
		b.Add(b.Mul(b.Sub(d.Concentration1, one), b.Log(x)), b.Mul(b.Sub(d.Concentration0, one), b.Log1p(b.Neg(x)))),
		logBeta(b, d.Concentration1, d.Concentration0))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Beta.LogProb: %w", err)
	}
	return lp, nil
}

// Entropy returns the elementwise entropy
// log B(α, β) − (α − 1)ψ(α) − (β − 1)ψ(β) + (α + β − 2)ψ(α + β).
func (d Beta) Entropy() (*G.Node, error) {
	b := builderFor(d.Concentration1)
	a, c := d.Concentration1, d.Concentration0
	one, two := b.Const(1), b.Const(2)
	psi := func(x *G.Node) *G.Node { return b.Apply("Digamma", ops.Digamma, x) }
	ac := b.Add(a, c)
	h := b.Add(
		b.Sub(logBeta(b, a, c), b.Add(b.Mul(b.Sub(a, one), psi(a)), b.Mul(b.Sub(c, one), psi(c)))),
		b.Mul(b.Sub(ac, two), psi(ac)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Beta.Entropy: %w", err)
	}
	return h, nil
}

// Support returns UnitInterval.
func (Beta) Support() Bijector { return UnitInterval }

// Params returns [Concentration1, Concentration0].
func (d Beta) Params() []*G.Node { return []*G.Node{d.Concentration1, d.Concentration0} }

func (Beta) spec() paramSpec {
	return paramSpec{"Beta", []drawParam{{"concentration1", positive}, {"concentration0", positive}}}
}

// Draw fills dst with draws from Beta(α, β) given the values of
// Concentration1 (α) and Concentration0 (β) (lengths as in [Drawer]); both
// must be positive and finite. A draw is σ(log Gα − log Gβ) with
// Gα ~ Gamma(α, 1) and Gβ ~ Gamma(β, 1) drawn in log space: distuv.Beta's
// Gα/(Gα + Gβ) is 0/0 when both round to 0, as 22% of the draws do
// for α = β = 10⁻³.
func (d Beta) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 {
			la := logGammaVariate(p[0], r)
			return special.Sigmoid(la - logGammaVariate(p[1], r))
		})
}
