package dist

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// StudentT is Student's t distribution with ν = DF degrees of freedom,
// location Loc and scale Scale, all nodes; DF and Scale must be positive.
//
//	log p(x) = log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log σ
//	           − (ν+1)/2 · log(1 + ((x − μ)/σ)²/ν)
//
// Support: ℝ. Not reparameterized here: a draw needs a χ²_ν variate, whose
// distribution depends on ν.
type StudentT struct {
	DF    *G.Node // degrees of freedom ν > 0
	Loc   *G.Node // location μ
	Scale *G.Node // scale σ > 0
}

// NewStudentT returns a StudentT with constant parameters, after checking
// that df and scale are positive and finite and loc finite.
func NewStudentT(g *G.ExprGraph, df, loc, scale float64) (StudentT, error) {
	if err := firstErr(checkGraph("StudentT", g), positive("StudentT", "df", df), finite("StudentT", "loc", loc), positive("StudentT", "scale", scale)); err != nil {
		return StudentT{}, err
	}
	return StudentT{DF: graph.Scalar(g, df), Loc: graph.Scalar(g, loc), Scale: graph.Scalar(g, scale)}, nil
}

// LogProb returns the elementwise log-density of x.
func (d StudentT) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	half := b.Const(0.5)
	nu := d.DF
	hp := b.Mul(half, b.Add(nu, b.Const(1))) // (ν+1)/2
	z := b.Div(b.Sub(x, d.Loc), d.Scale)
	// log Γ((ν+1)/2) − log Γ(ν/2) by ops.LgammaHalfDiff, which does not
	// cancel at large ν as the difference of two Lgamma nodes does.
	norm := b.Sub(
		b.Apply("LgammaHalfDiff", ops.LgammaHalfDiff, b.Mul(half, nu)),
		b.Add(b.Mul(half, b.Add(b.Log(nu), b.Const(LogPi))), b.Log(d.Scale)))
	lp := b.Sub(norm, b.Mul(hp, b.Log1p(b.Div(b.Square(z), nu))))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: StudentT.LogProb: %w", err)
	}
	return lp, nil
}

// Params returns [DF, Loc, Scale].
func (d StudentT) Params() []*G.Node { return []*G.Node{d.DF, d.Loc, d.Scale} }

func (StudentT) spec() paramSpec {
	return paramSpec{"StudentT", []drawParam{{"df", positive}, {"loc", finite}, {"scale", positive}}}
}

// Draw fills dst with draws from Student's t given the values of DF, Loc
// and Scale (lengths as in [Drawer]); df and scale must be positive and
// finite and loc finite. It draws with distuv.StudentsT.
func (d StudentT) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	return drawElems(d.spec(), dst, params, r,
		func(p []float64, r *rand.Rand) float64 {
			return distuv.StudentsT{Nu: p[0], Mu: p[1], Sigma: p[2], Src: r}.Rand()
		})
}
