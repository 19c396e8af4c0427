package dist

import (
	"fmt"
	"math/rand/v2"

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

// Params returns [Concentration].
func (d Dirichlet) Params() []*G.Node { return []*G.Node{d.Concentration} }

func (Dirichlet) spec() paramSpec {
	return paramSpec{"Dirichlet", []drawParam{{"concentration", positive}}}
}

// Draw fills dst, rows of K elements with K the last axis of the
// Concentration node, with independent points of the simplex drawn from
// Dir(α), given the values of Concentration: K values (one row for every
// row of dst) or len(dst) (one per element). Every αₖ must be positive and
// finite. A row is softmax(log G₁, …, log G_K) with Gₖ ~ Gamma(αₖ, 1)
// drawn in log space, so that concentrations far below 1, whose Gₖ round
// to 0, still give a point of the simplex.
func (d Dirichlet) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	k, err := categories("Dirichlet", "concentration", d.Concentration)
	if err != nil {
		return err
	}
	if len(dst)%k != 0 {
		return fmt.Errorf("dist: Dirichlet.Draw: len(dst) = %d is not a multiple of the %d categories", len(dst), k)
	}
	n := len(dst) / k
	strides, err := checkDraw(d.spec(), n, k, params, r)
	if err != nil {
		return err
	}
	for i := range n {
		row, alpha := dst[i*k:(i+1)*k], params[0][i*strides[0]:]
		for j := range row {
			row[j] = logGammaVariate(alpha[j], r)
		}
		softmaxHost(row, row)
	}
	return nil
}
