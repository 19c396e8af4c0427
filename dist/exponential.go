package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// Exponential is the exponential distribution with rate λ = Rate, a node.
// Rate must be positive.
//
//	log p(x) = log λ − λx,  x ≥ 0
//
// Support: [0, ∞) (Support returns Positive). LogProb assumes x ≥ 0.
// Reparameterized: x = ε/Rate with ε ~ Exp(1) ([FillStdExponential]).
type Exponential struct {
	Rate *G.Node // rate λ > 0 (mean 1/λ)
}

// NewExponential returns an Exponential with a constant rate, after checking
// that it is positive and finite.
func NewExponential(g *G.ExprGraph, rate float64) (Exponential, error) {
	if err := firstErr(checkGraph("Exponential", g), positive("Exponential", "rate", rate)); err != nil {
		return Exponential{}, err
	}
	return Exponential{Rate: graph.Scalar(g, rate)}, nil
}

// LogProb returns the elementwise log-density of x ≥ 0.
func (d Exponential) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	lp := b.Sub(b.Log(d.Rate), b.Mul(d.Rate, x))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Exponential.LogProb: %w", err)
	}
	return lp, nil
}

// Rsample returns eps/Rate for eps ~ Exp(1).
func (d Exponential) Rsample(eps *G.Node) (*G.Node, error) {
	b := builderFor(eps)
	x := b.Div(eps, d.Rate)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Exponential.Rsample: %w", err)
	}
	return x, nil
}

// Entropy returns the elementwise entropy 1 − log λ.
func (d Exponential) Entropy() (*G.Node, error) {
	b := builderFor(d.Rate)
	h := b.Sub(b.Const(1), b.Log(d.Rate))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Exponential.Entropy: %w", err)
	}
	return h, nil
}

// Support returns Positive.
func (Exponential) Support() Bijector { return Positive }

// Params returns [Rate].
func (d Exponential) Params() []*G.Node { return []*G.Node{d.Rate} }

func (Exponential) spec() paramSpec {
	return paramSpec{"Exponential", []drawParam{{"rate", positive}}}
}

// Draw fills dst with draws from the exponential distribution given the
// values of Rate (lengths as in [Drawer]); rate must be positive and
// finite. It draws with distuv.Exponential.
func (d Exponential) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return distuv.Exponential{Rate: p[0], Src: r}.Rand() })
}
