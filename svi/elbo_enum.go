package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/ops"
)

// enumELBO is [EnumELBO]. The graph holds one model instance per particle
// s and joint state g of the global discrete sites, each with its plate
// expanded to all R joint states of a row's discrete sites (see
// enumerate). With q(g) and q_n(r) the guide's probabilities, G_sg the
// instance's terms outside the plate (log-joint minus its row terms, plus
// log|J|) and R_sg,rn its row terms, particle s's ELBO is
//
//	Σ_g q(g)·[G_sg − log q(g) + Σₙ Σ_r q_n(r)·(R_sg,rn − log q_n(r))] − log q(u_s)
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
	gw := make([]*G.Node, e.G)  // q(g)
	glq := make([]*G.Node, e.G) // scaled log q(g)
	for g, vals := range e.gVals {
		lq, _, lqScaled, _, err := p.discreteLogQOf(vals)
		if err != nil {
			return nil, nil, err
		}
		if lq != nil {
			gw[g], glq[g] = b.Exp(lq), lqScaled
		}
	}
	rw, rlq, err := p.rowWeights()
	if err != nil {
		return nil, nil, err
	}
	contLogQ, err := p.continuousLogQ()
	if err != nil {
		return nil, nil, err
	}
	elbos := make([]*G.Node, e.S)
	for s := range elbos {
		var total *G.Node
		for g := range e.G {
			i := s*e.G + g
			t := p.joint(i)
			if rw != nil && p.rows[i] != nil {
				t = b.Add(b.Sub(t, b.Sum(p.rows[i])), b.Sum(b.Mul(rw, b.Sub(p.rows[i], rlq))))
			}
			if gw[g] != nil {
				t = b.Mul(gw[g], b.Sub(t, glq[g]))
			}
			total = add(b, total, t)
		}
		if contLogQ != nil {
			total = b.Sub(total, contLogQ[s])
		}
		elbos[s] = total
	}
	return negate(p, p.mean(elbos))
}

// rowWeights returns q_n(r) and its scaled log over the expanded plate
// ([R·n] vectors, block r for state r), or nils without plate discrete
// sites.
func (p *parts) rowWeights() (w, lqScaled *G.Node, err error) {
	e := p.enum
	if len(e.rows) == 0 {
		return nil, nil, nil
	}
	b := p.b
	var lq *G.Node
	for _, s := range e.rows {
		q, err := tiledQ(p, p.disc[s.Name], e.R)
		if err != nil {
			return nil, nil, fmt.Errorf("svi: enumerating site %q: %w", s.Name, err)
		}
		lp, err := q.LogProb(e.rVals[s.Name])
		if err != nil {
			return nil, nil, fmt.Errorf("svi: enumerating site %q: %w", s.Name, err)
		}
		r, err := rowSums(b, lp, e.R*e.n)
		if err != nil {
			return nil, nil, fmt.Errorf("svi: enumerating site %q: %w", s.Name, err)
		}
		lq = add(b, lq, r)
		lqScaled = add(b, lqScaled, scaled(b, r, s.Scale))
	}
	return b.Exp(lq), lqScaled, b.Err()
}

// tiledQ returns q with its logits repeated over the R blocks of the
// expanded plate.
func tiledQ(p *parts, q dist.LogProber, R int) (dist.LogProber, error) {
	tile := func(l *G.Node) *G.Node {
		return p.b.Apply("TileRows", func(x *G.Node) (*G.Node, error) { return ops.TileRows(x, R) }, l)
	}
	switch q := q.(type) {
	case dist.Bernoulli:
		return dist.Bernoulli{Logits: tile(q.Logits)}, p.b.Err()
	case dist.Categorical:
		return dist.Categorical{Logits: tile(q.Logits)}, p.b.Err()
	}
	return nil, fmt.Errorf("the guide's q is a %T; enumeration knows Bernoulli and Categorical", q)
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
