package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// Poisson is the Poisson distribution with mean λ = Rate, a node; Rate must
// be positive.
//
//	log p(k) = k log λ − λ − log Γ(k + 1),  k = 0, 1, 2, …
//
// Counts are float64 nodes; a non-integer k is evaluated as written (the
// continuous extension). Discrete: no Supporter, no Rsampler.
type Poisson struct {
	Rate *G.Node // mean λ > 0
}

// NewPoisson returns a Poisson with a constant rate, after checking that it
// is positive and finite.
func NewPoisson(g *G.ExprGraph, rate float64) (Poisson, error) {
	if err := firstErr(checkGraph("Poisson", g), positive("Poisson", "rate", rate)); err != nil {
		return Poisson{}, err
	}
	return Poisson{Rate: graph.Scalar(g, rate)}, nil
}

// LogProb returns the elementwise log-mass of the counts k.
func (d Poisson) LogProb(k *G.Node) (*G.Node, error) {
	b := builderFor(k)
	lp := b.Sub(
		b.Sub(b.Mul(k, b.Log(d.Rate)), d.Rate),
		b.Apply("Lgamma", ops.Lgamma, b.Add(k, b.Const(1))))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Poisson.LogProb: %w", err)
	}
	return lp, nil
}

// Params returns [Rate].
func (d Poisson) Params() []*G.Node { return []*G.Node{d.Rate} }

func (Poisson) spec() paramSpec {
	return paramSpec{"Poisson", []drawParam{{"rate", positive}}}
}

// Draw fills dst with counts drawn from the Poisson distribution given the
// values of Rate (lengths as in [Drawer]); rate must be positive and finite.
// It draws with distuv.Poisson.
func (d Poisson) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return distuv.Poisson{Lambda: p[0], Src: r}.Rand() })
}

// States returns 0: a Poisson variable takes infinitely many values, so it
// cannot be enumerated or drawn by a discrete guide.
func (Poisson) States() (int, int, error) { return 0, 0, nil }
