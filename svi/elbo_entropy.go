package svi

import G "gorgonia.org/gorgonia"

// entropyELBO is [EntropyELBO]: the average of log p(x, z_s) + log|J_s|
// plus q's closed-form entropy.
type entropyELBO struct{}

func (entropyELBO) loss(p *parts) (report, surrogate *G.Node, err error) {
	h, err := p.entropy(EntropyELBO)
	if err != nil {
		return nil, nil, err
	}
	lw := make([]*G.Node, p.instances())
	for i := range lw {
		lw[i] = p.joint(i)
	}
	return negate(p, p.b.Add(p.mean(lw), h))
}
