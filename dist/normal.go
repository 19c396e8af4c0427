package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// Normal is the normal distribution N(Loc, Scale²) whose parameters are nodes
// of one graph. Scale must be positive; guides obtain it as Softplus(ρ).
//
//	log p(x) = −(x − μ)²/(2σ²) − log σ − ½ log 2π
//
// Support: ℝ. Reparameterized: x = Loc + Scale⊙ε with ε ~ N(0, 1).
type Normal struct {
	Loc   *G.Node // mean μ
	Scale *G.Node // standard deviation σ > 0
}

// NewNormal returns N(loc, scale²) with constant parameters, after checking
// that loc is finite and scale positive and finite.
func NewNormal(g *G.ExprGraph, loc, scale float64) (Normal, error) {
	if err := firstErr(checkGraph("Normal", g), finite("Normal", "loc", loc), positive("Normal", "scale", scale)); err != nil {
		return Normal{}, err
	}
	return Normal{Loc: graph.Scalar(g, loc), Scale: graph.Scalar(g, scale)}, nil
}

// LogProb returns the elementwise log-density of x.
func (d Normal) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	z := b.Div(b.Sub(x, d.Loc), d.Scale)
	lp := b.Sub(b.Neg(b.Mul(b.Const(0.5), b.Square(z))), b.Add(b.Log(d.Scale), b.Const(LogSqrt2Pi)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Normal.LogProb: %w", err)
	}
	return lp, nil
}

// Rsample returns Loc + Scale⊙eps for eps ~ N(0, 1).
func (d Normal) Rsample(eps *G.Node) (*G.Node, error) {
	b := builderFor(eps)
	x := b.Add(d.Loc, b.Mul(d.Scale, eps))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Normal.Rsample: %w", err)
	}
	return x, nil
}

// Entropy returns the elementwise entropy ½ + ½ log 2π + log σ.
func (d Normal) Entropy() (*G.Node, error) {
	b := builderFor(d.Scale)
	h := b.Add(b.Log(d.Scale), b.Const(0.5+LogSqrt2Pi))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Normal.Entropy: %w", err)
	}
	return h, nil
}

// Params returns [Loc, Scale].
func (d Normal) Params() []*G.Node { return []*G.Node{d.Loc, d.Scale} }

func (Normal) spec() paramSpec {
	return paramSpec{"Normal", []drawParam{{"loc", finite}, {"scale", positive}}}
}

// Draw fills dst with draws from N(loc, scale²) given the values of Loc and
// Scale (lengths as in [Drawer]); loc must be finite and scale positive and
// finite. It draws with distuv.Normal, as Rsample with [FillStdNormal]
// noise from the same r would.
func (d Normal) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return distuv.Normal{Mu: p[0], Sigma: p[1], Src: r}.Rand() })
}
