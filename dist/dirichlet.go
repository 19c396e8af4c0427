package dist

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/ops"
)

// Dirichlet is the Dirichlet distribution on the K-simplex with
// concentrations α = Concentration along the last axis of a node; every αₖ
// must be positive.
//
//	log p(x) = Σₖ (αₖ − 1) log xₖ + log Γ(Σₖ αₖ) − Σₖ log Γ(αₖ)
//
// Shapes: Concentration [..., K] and the value x [..., K] broadcast against
// each other; LogProb drops the last axis ([..., K] → [...]). Support: the
// open simplex xₖ > 0, Σₖ xₖ = 1 (Support returns Simplex, which maps
// [..., K−1] reals onto it); LogProb does not check that x lies on it. Not
// reparameterized here.
type Dirichlet struct {
	Concentration *G.Node // α, last axis = categories, each αₖ > 0
}

// NewDirichlet returns a Dirichlet with constant concentrations (K ≥ 2),
// after checking that they are positive and finite.
func NewDirichlet(g *G.ExprGraph, concentration []float64) (Dirichlet, error) {
	if err := firstErr(checkGraph("Dirichlet", g), checkVector("Dirichlet", "concentration", concentration, 2, positive)); err != nil {
		return Dirichlet{}, err
	}
	return Dirichlet{Concentration: vectorConst(g, concentration)}, nil
}

// LogProb returns the log-density of x on the simplex, shape [...].
func (d Dirichlet) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	a := d.Concentration
	if b.Err() == nil && (a == nil || a.IsScalar()) {
		b.Fail(fmt.Errorf("concentration must have a category axis"))
	}
	lg := func(x *G.Node) *G.Node { return b.Apply("Lgamma", ops.Lgamma, x) }
	lp := b.Add(
		sumLast(b, b.Mul(b.Sub(a, b.Const(1)), b.Log(x))),
		b.Sub(lg(sumLast(b, a)), sumLast(b, lg(a))))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Dirichlet.LogProb: %w", err)
	}
	return lp, nil
}

// Support returns Simplex.
func (Dirichlet) Support() Bijector { return Simplex }
