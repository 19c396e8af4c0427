package svi

import G "gorgonia.org/gorgonia"

// mapObjective is the objective when every site is a point mass (a Delta
// guide): the average log-joint log p(x, z) in the constrained space, whose
// maximum is the MAP estimate.
type mapObjective struct{}

func (mapObjective) loss(p *parts) (report, surrogate *G.Node, err error) {
	lw := make([]*G.Node, p.instances())
	for i := range lw {
		lw[i] = p.joint(i)
	}
	return negate(p, p.mean(lw))
}
