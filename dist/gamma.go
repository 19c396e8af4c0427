package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// Gamma is the gamma distribution with shape α = Concentration and rate
// β = Rate, both nodes; both must be positive.
//
//	log p(x) = α log β + (α − 1) log x − βx − log Γ(α),  x > 0
//
// Support: (0, ∞) (Support returns Positive). Not reparameterized here
// (drawing Gamma variates needs implicit reparameterization).
type Gamma struct {
	Concentration *G.Node // shape α > 0
	Rate          *G.Node // rate β > 0 (mean α/β)
}

// NewGamma returns a Gamma with constant parameters, after checking that
// both are positive and finite.
func NewGamma(g *G.ExprGraph, concentration, rate float64) (Gamma, error) {
	if err := firstErr(checkGraph("Gamma", g), positive("Gamma", "concentration", concentration), positive("Gamma", "rate", rate)); err != nil {
		return Gamma{}, err
	}
	return Gamma{Concentration: graph.Scalar(g, concentration), Rate: graph.Scalar(g, rate)}, nil
}

// LogProb returns the elementwise log-density of x > 0.
func (d Gamma) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	a := d.Concentration
	lp := b.Sub(
		b.Add(b.Mul(a, b.Log(d.Rate)), b.Mul(b.Sub(a, b.Const(1)), b.Log(x))),
		b.Add(b.Mul(d.Rate, x), b.Apply("Lgamma", ops.Lgamma, a)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Gamma.LogProb: %w", err)
	}
	return lp, nil
}

// Entropy returns the elementwise entropy α − log β + log Γ(α) + (1 − α)ψ(α).
func (d Gamma) Entropy() (*G.Node, error) {
	b := builderFor(d.Concentration)
	a := d.Concentration
	h := b.Add(
		b.Sub(a, b.Log(d.Rate)),
		b.Add(b.Apply("Lgamma", ops.Lgamma, a), b.Mul(b.Sub(b.Const(1), a), b.Apply("Digamma", ops.Digamma, a))))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Gamma.Entropy: %w", err)
	}
	return h, nil
}

// Support returns Positive.
func (Gamma) Support() Bijector { return Positive }

// Params returns [Concentration, Rate].
func (d Gamma) Params() []*G.Node { return []*G.Node{d.Concentration, d.Rate} }

func (Gamma) spec() paramSpec {
	return paramSpec{"Gamma", []drawParam{{"concentration", positive}, {"rate", positive}}}
}

// Draw fills dst with draws from Gamma(concentration, rate) given the values
// of Concentration and Rate (lengths as in [Drawer]); both must be positive
// and finite. It draws with distuv.Gamma; for a concentration far below 1 a
// draw may round to 0.
func (d Gamma) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return distuv.Gamma{Alpha: p[0], Beta: p[1], Src: r}.Rand() })
}
