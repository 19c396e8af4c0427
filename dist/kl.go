package dist

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// KL returns the elementwise Kullback–Leibler divergence KL(q‖p) in closed
// form, or ErrNoAnalyticKL when the pair has none. Supported pairs:
//
//	Normal‖Normal: log(σp/σq) + (σq² + (μq − μp)²)/(2σp²) − ½
func KL(q, p any) (*G.Node, error) {
	switch q := q.(type) {
	case Normal:
		if p, ok := p.(Normal); ok {
			return klNormalNormal(q, p)
		}
	}
	return nil, fmt.Errorf("%w: %T‖%T", ErrNoAnalyticKL, q, p)
}

func klNormalNormal(q, p Normal) (*G.Node, error) {
	b := graph.New(q.Loc.Graph())
	ratio := b.Div(q.Scale, p.Scale)
	diff := b.Div(b.Sub(q.Loc, p.Loc), p.Scale)
	kl := b.Sub(b.Mul(b.Const(0.5), b.Add(b.Square(ratio), b.Square(diff))), b.Add(b.Log(ratio), b.Const(0.5)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: KL(Normal‖Normal): %w", err)
	}
	return kl, nil
}
