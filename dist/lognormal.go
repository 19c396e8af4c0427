package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// LogNormal is the distribution of exp(Y) for Y ~ N(Loc, Scale²), with
// parameters that are nodes of one graph. Scale must be positive.
//
//	log p(x) = −(log x − μ)²/(2σ²) − log σ − ½ log 2π − log x
//
// Support: (0, ∞) (Support returns Positive). Reparameterized:
// x = exp(Loc + Scale⊙ε) with ε ~ N(0, 1) ([FillStdNormal]).
type LogNormal struct {
	Loc   *G.Node // mean μ of log x
	Scale *G.Node // standard deviation σ > 0 of log x
}

// NewLogNormal returns a LogNormal with constant parameters, after checking
// that loc is finite and scale positive and finite.
func NewLogNormal(g *G.ExprGraph, loc, scale float64) (LogNormal, error) {
	if err := firstErr(checkGraph("LogNormal", g), finite("LogNormal", "loc", loc), positive("LogNormal", "scale", scale)); err != nil {
		return LogNormal{}, err
	}
	return LogNormal{Loc: graph.Scalar(g, loc), Scale: graph.Scalar(g, scale)}, nil
}

// LogProb returns the elementwise log-density of x > 0.
func (d LogNormal) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	lx := b.Log(x)
	z := b.Div(b.Sub(lx, d.Loc), d.Scale)
	lp := b.Sub(b.Neg(b.Mul(b.Const(0.5), b.Square(z))), b.Add(b.Add(b.Log(d.Scale), b.Const(LogSqrt2Pi)), lx))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: LogNormal.LogProb: %w", err)
	}
	return lp, nil
}

// Rsample returns exp(Loc + Scale⊙eps) for eps ~ N(0, 1).
func (d LogNormal) Rsample(eps *G.Node) (*G.Node, error) {
	b := builderFor(eps)
	x := b.Exp(b.Add(d.Loc, b.Mul(d.Scale, eps)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: LogNormal.Rsample: %w", err)
	}
	return x, nil
}

// Entropy returns the elementwise entropy μ + ½ + ½ log 2π + log σ.
func (d LogNormal) Entropy() (*G.Node, error) {
	b := builderFor(d.Scale)
	h := b.Add(d.Loc, b.Add(b.Log(d.Scale), b.Const(0.5+LogSqrt2Pi)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: LogNormal.Entropy: %w", err)
	}
	return h, nil
}

// Support returns Positive.
func (LogNormal) Support() Bijector { return Positive }

// Params returns [Loc, Scale].
func (d LogNormal) Params() []*G.Node { return []*G.Node{d.Loc, d.Scale} }

func (LogNormal) spec() paramSpec {
	return paramSpec{"LogNormal", []drawParam{{"loc", finite}, {"scale", positive}}}
}

// Draw fills dst with draws of exp(Y), Y ~ N(loc, scale²), given the values
// of Loc and Scale (lengths as in [Drawer]); loc must be finite and scale
// positive and finite. It draws with distuv.LogNormal.
func (d LogNormal) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 { return distuv.LogNormal{Mu: p[0], Sigma: p[1], Src: r}.Rand() })
}
