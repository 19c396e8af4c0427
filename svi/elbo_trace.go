package svi

import G "gorgonia.org/gorgonia"

// traceELBO is the plain reparameterized estimator [TraceELBO]: the
// average over the particles of log p(x, z_s) + log|J_s| − log q(u_s).
type traceELBO struct{}

func (traceELBO) loss(p *parts) (report, surrogate *G.Node, err error) {
	lw, err := p.logWeightsFor(TraceELBO)
	if err != nil {
		return nil, nil, err
	}
	return negate(p, p.mean(lw))
}
