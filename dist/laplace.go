package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// Laplace is the Laplace (double exponential) distribution with location Loc
// and scale Scale, both nodes; Scale must be positive.
//
//	log p(x) = −log 2b − |x − μ|/b
//
// Support: ℝ. Reparameterized from uniform noise: for u ~ U(−½, ½)
// ([FillCenteredUniform]), x = μ − b·sgn(u)·log(1 − 2|u|), the inverse
// distribution function at u + ½.
type Laplace struct {
	Loc   *G.Node // location μ
	Scale *G.Node // scale b > 0
}

// NewLaplace returns a Laplace with constant parameters, after checking
// that loc is finite and scale positive and finite.
func NewLaplace(g *G.ExprGraph, loc, scale float64) (Laplace, error) {
	if err := firstErr(checkGraph("Laplace", g), finite("Laplace", "loc", loc), positive("Laplace", "scale", scale)); err != nil {
		return Laplace{}, err
	}
	return Laplace{Loc: graph.Scalar(g, loc), Scale: graph.Scalar(g, scale)}, nil
}

// LogProb returns the elementwise log-density of x.
func (d Laplace) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	lp := b.Neg(b.Add(b.Add(b.Log(d.Scale), b.Const(Ln2)), b.Div(b.Abs(b.Sub(x, d.Loc)), d.Scale)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Laplace.LogProb: %w", err)
	}
	return lp, nil
}

// laplaceICDF maps u ∈ (−½, ½) to a standard Laplace variate
// −sgn(u)·log(1 − 2|u|); its derivative 2/(1 − 2|u|) is not needed for
// gradients with respect to the parameters but makes the op complete.
var laplaceICDF = &ops.UnaryFn{
	Name: "laplace_icdf",
	F: func(u float64) float64 {
		if u < 0 {
			return math.Log1p(2 * u)
		}
		return -math.Log1p(-2 * u)
	},
	Deriv: &ops.UnaryFn{Name: "laplace_icdf′", F: func(u float64) float64 { return 2 / (1 - 2*math.Abs(u)) }},
}

// Rsample returns Loc + Scale⊙s(u) for u ~ U(−½, ½), where
// s(u) = −sgn(u)·log(1 − 2|u|) is a standard Laplace variate.
func (d Laplace) Rsample(u *G.Node) (*G.Node, error) {
	b := builderFor(u)
	x := b.Add(d.Loc, b.Mul(d.Scale, b.Apply("laplace_icdf", laplaceICDF.Apply, u)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Laplace.Rsample: %w", err)
	}
	return x, nil
}

// Entropy returns the elementwise entropy 1 + log 2b.
func (d Laplace) Entropy() (*G.Node, error) {
	b := builderFor(d.Scale)
	h := b.Add(b.Log(d.Scale), b.Const(1+Ln2))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Laplace.Entropy: %w", err)
	}
	return h, nil
}

// Params returns [Loc, Scale].
func (d Laplace) Params() []*G.Node { return []*G.Node{d.Loc, d.Scale} }

func (Laplace) spec() paramSpec {
	return paramSpec{"Laplace", []drawParam{{"loc", finite}, {"scale", positive}}}
}

// Draw fills dst with draws from the Laplace distribution given the values
// of Loc and Scale (lengths as in [Drawer]); loc must be finite and scale
// positive and finite. It draws as Rsample does from [FillCenteredUniform]
// noise: distuv.Laplace maps a uniform 0 to −∞.
func (d Laplace) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return p[0] + p[1]*laplaceICDF.F(openUniform(r)-0.5) })
}
