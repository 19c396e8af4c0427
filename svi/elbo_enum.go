package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// enumELBO is [EnumELBO]. The graph holds one model instance per particle
// s, joint state g of the global discrete sites and joint state r of one
// row of the plate's discrete sites (see enumerate). With q(g) and q_n(r)
// the guide's probabilities, G_sg the instance's terms outside the plate
// (log-joint minus its row terms, plus log|J|) and R_sgr,n its row terms,
// particle s's ELBO is
//
//	Σ_g q(g)·[G_sg − log q(g) + Σₙ Σ_r q_n(r)·(R_sgr,n − log q_n(r))] − log q(u_s)
//
// with u_s the continuous draws; log q terms carry their sites' scales.
// It is differentiable in the logits through the weights: exact, with no
// variance from the discrete sites.
type enumELBO struct{}

func (enumELBO) loss(p *parts) (report, surrogate *G.Node, err error) {
	e := p.enum
	if e == nil {
		return nil, nil, fmt.Errorf("svi: the enum estimator's graph was built without enumeration")
	}
	b := p.b
	type weighted struct{ w, lq *G.Node }
	gs := make([]weighted, e.G)
	for g, vals := range e.gVals {
		lq, _, lqScaled, _, err := p.discreteLogQOf(vals)
		if err != nil {
			return nil, nil, err
		}
		if lq != nil {
			gs[g] = weighted{b.Exp(lq), lqScaled}
		}
	}
	rs := make([]weighted, e.R)
	for r, vals := range e.rVals {
		_, lq, _, lqScaled, err := p.discreteLogQOf(vals)
		if err != nil {
			return nil, nil, err
		}
		if lq != nil {
			rs[r] = weighted{b.Exp(lq), lqScaled}
		}
	}
	contLogQ, err := p.continuousLogQ()
	if err != nil {
		return nil, nil, err
	}
	elbos := make([]*G.Node, e.S)
	for s := range elbos {
		var total *G.Node
		for g := range gs {
			i0 := (s*e.G + g) * e.R
			glob := p.joint(i0)
			if p.rows[i0] != nil {
				glob = b.Sub(glob, b.Sum(p.rows[i0]))
			}
			if gs[g].lq != nil {
				glob = b.Sub(glob, gs[g].lq)
			}
			for r := range rs {
				rows := p.rows[i0+r]
				if rows == nil {
					continue
				}
				if rs[r].w == nil {
					glob = b.Add(glob, b.Sum(rows))
					continue
				}
				glob = b.Add(glob, b.Sum(b.Mul(rs[r].w, b.Sub(rows, rs[r].lq))))
			}
			if gs[g].w != nil {
				glob = b.Mul(gs[g].w, glob)
			}
			total = add(b, total, glob)
		}
		if contLogQ != nil {
			total = b.Sub(total, contLogQ[s])
		}
		elbos[s] = total
	}
	return negate(p, p.mean(elbos))
}

// continuousLogQ returns each particle's log q of its continuous draws:
// the guide's log q less that of its discrete draws (nil when the guide
// gives no log q because every continuous site is a point mass, or when
// there is no continuous site).
func (p *parts) continuousLogQ() ([]*G.Node, error) {
	lq := p.q.LogQ()
	if lq == nil {
		return nil, nil
	}
	draws := p.q.Draws()
	out := make([]*G.Node, len(lq))
	for s := range lq {
		_, _, g, r, err := p.discreteLogQOf(draws[s])
		if err != nil {
			return nil, err
		}
		out[s] = lq[s]
		if g != nil {
			out[s] = p.b.Sub(out[s], g)
		}
		if r != nil {
			out[s] = p.b.Sub(out[s], p.b.Sum(r))
		}
	}
	return out, p.b.Err()
}
