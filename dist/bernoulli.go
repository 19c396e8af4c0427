package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// Bernoulli is the distribution on {0, 1} with P(x = 1) = σ(Logits), the
// logits being a node.
//
//	log p(x) = x·l − log(1 + eˡ),  x ∈ {0, 1}
//
// which equals log σ(l) for x = 1 and log σ(−l) for x = 0, exact to rounding
// for any l (ops.Softplus, unlike gorgonia's, does not truncate above 16).
// For x outside {0, 1} the formula is evaluated as written. The support is
// discrete, so Bernoulli implements no Supporter and no Rsampler: it serves
// as a likelihood.
type Bernoulli struct {
	Logits *G.Node // log-odds l = log(p/(1 − p))
}

// NewBernoulli returns a Bernoulli with a constant logit, after checking
// that it is finite.
func NewBernoulli(g *G.ExprGraph, logit float64) (Bernoulli, error) {
	if err := firstErr(checkGraph("Bernoulli", g), finite("Bernoulli", "logit", logit)); err != nil {
		return Bernoulli{}, err
	}
	return Bernoulli{Logits: graph.Scalar(g, logit)}, nil
}

// LogProb returns the elementwise log-mass of x ∈ {0, 1}.
func (d Bernoulli) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	lp := b.Sub(b.Mul(x, d.Logits), b.Apply("Softplus", ops.Softplus, d.Logits))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Bernoulli.LogProb: %w", err)
	}
	return lp, nil
}

// Entropy returns the elementwise entropy log(1 + eˡ) − l·σ(l).
func (d Bernoulli) Entropy() (*G.Node, error) {
	b := builderFor(d.Logits)
	h := b.Sub(b.Apply("Softplus", ops.Softplus, d.Logits), b.Mul(d.Logits, b.Sigmoid(d.Logits)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Bernoulli.Entropy: %w", err)
	}
	return h, nil
}

// Params returns [Logits].
func (d Bernoulli) Params() []*G.Node { return []*G.Node{d.Logits} }

func (Bernoulli) spec() paramSpec {
	return paramSpec{"Bernoulli", []drawParam{{"logits", finite}}}
}

// Draw fills dst with 0/1 draws with P(1) = σ(logit) given the values of
// Logits (lengths as in [Drawer]); logits must be finite, as for
// [NewBernoulli]. It draws with distuv.Bernoulli.
func (d Bernoulli) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 {
			return distuv.Bernoulli{P: special.Sigmoid(p[0]), Src: r}.Rand()
		})
}

// States returns 2 values per element.
func (Bernoulli) States() (int, int, error) { return 2, 0, nil }
