package dist

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// KL returns the elementwise Kullback–Leibler divergence
// KL(q‖p) = E_q[log q(z) − log p(z)] in closed form, or an error wrapping
// ErrNoAnalyticKL when the pair has none. Parameters broadcast as in
// LogProb. Supported pairs (values or pointers):
//
//	Normal‖Normal: log(σp/σq) + (σq² + (μq − μp)²)/(2σp²) − ½
func KL(q, p any) (*G.Node, error) {
	switch q := deref(q).(type) {
	case Normal:
		if p, ok := deref(p).(Normal); ok {
			return klNormalNormal(q, p)
		}
	}
	return nil, fmt.Errorf("%w: %T‖%T", ErrNoAnalyticKL, q, p)
}

// deref turns a pointer to a supported distribution into its value.
func deref(d any) any {
	if n, ok := d.(*Normal); ok && n != nil {
		return *n
	}
	return d
}

func klNormalNormal(q, p Normal) (*G.Node, error) {
	b := builderFor(q.Loc, q.Scale, p.Loc, p.Scale)
	ratio := b.Div(q.Scale, p.Scale)
	diff := b.Div(b.Sub(q.Loc, p.Loc), p.Scale)
	kl := b.Sub(b.Mul(b.Const(0.5), b.Add(b.Square(ratio), b.Square(diff))), b.Add(b.Log(ratio), b.Const(0.5)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: KL(Normal‖Normal): %w", err)
	}
	return kl, nil
}
