package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// stlELBO is sticking the landing, [STLELBO]: the trace estimator with
// log q evaluated at parameters held fixed, so that only the path through
// the draws carries gradient.
type stlELBO struct{}

func (stlELBO) loss(p *parts) (report, surrogate *G.Node, err error) {
	d, ok := p.q.(DetachedLogQer)
	if !ok || p.vector {
		return nil, nil, fmt.Errorf("svi: the %s estimator needs a guide that evaluates log q with detached parameters", STLELBO)
	}
	lqd, err := d.LogQDetached()
	if err != nil {
		return nil, nil, fmt.Errorf("svi: the %s estimator needs a guide that evaluates log q with detached parameters: %w", STLELBO, err)
	}
	obj := make([]*G.Node, p.instances())
	for i := range obj {
		obj[i] = p.b.Sub(p.joint(i), lqd[i])
	}
	return negate(p, p.mean(obj))
}
