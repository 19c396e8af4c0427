package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// HalfNormal is the distribution of |Y| for Y ~ N(0, Scale²), with Scale a
// node. Scale must be positive.
//
//	log p(x) = log 2 − x²/(2σ²) − log σ − ½ log 2π,  x ≥ 0
//
// Support: [0, ∞) (Support returns Positive). LogProb assumes x ≥ 0: for
// x < 0 it returns the density of −x rather than −∞. Reparameterized:
// x = Scale⊙|ε| with ε ~ N(0, 1) ([FillStdNormal]).
type HalfNormal struct {
	Scale *G.Node // scale σ > 0 of the underlying normal
}

// NewHalfNormal returns a HalfNormal with a constant scale, after checking
// that it is positive and finite.
func NewHalfNormal(g *G.ExprGraph, scale float64) (HalfNormal, error) {
	if err := firstErr(checkGraph("HalfNormal", g), positive("HalfNormal", "scale", scale)); err != nil {
		return HalfNormal{}, err
	}
	return HalfNormal{Scale: graph.Scalar(g, scale)}, nil
}

// LogProb returns the elementwise log-density of x ≥ 0.
func (d HalfNormal) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	z := b.Div(x, d.Scale)
	lp := b.Sub(b.Neg(b.Mul(b.Const(0.5), b.Square(z))), b.Add(b.Log(d.Scale), b.Const(LogSqrt2Pi-Ln2)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: HalfNormal.LogProb: %w", err)
	}
	return lp, nil
}

// Rsample returns Scale⊙|eps| for eps ~ N(0, 1).
func (d HalfNormal) Rsample(eps *G.Node) (*G.Node, error) {
	b := builderFor(eps)
	x := b.Mul(d.Scale, b.Abs(eps))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: HalfNormal.Rsample: %w", err)
	}
	return x, nil
}

// Entropy returns the elementwise entropy ½ log(πσ²/2) + ½.
func (d HalfNormal) Entropy() (*G.Node, error) {
	b := builderFor(d.Scale)
	h := b.Add(b.Log(d.Scale), b.Const(0.5*(LogPi-Ln2)+0.5))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: HalfNormal.Entropy: %w", err)
	}
	return h, nil
}

// Support returns Positive.
func (HalfNormal) Support() Bijector { return Positive }

// Params returns [Scale].
func (d HalfNormal) Params() []*G.Node { return []*G.Node{d.Scale} }

func (HalfNormal) spec() paramSpec {
	return paramSpec{"HalfNormal", []drawParam{{"scale", positive}}}
}

// Draw fills dst with draws of |Y|, Y ~ N(0, scale²), given the values of
// Scale (lengths as in [Drawer]); scale must be positive and finite. It
// draws scale·|ε| with ε = r.NormFloat64(), as Rsample does (gonum's distuv
// has no half-normal).
func (d HalfNormal) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return p[0] * math.Abs(r.NormFloat64()) })
}
