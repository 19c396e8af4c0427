package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// vimcoBound is [VIMCOBound]. With log weights f_s and the bound
// L = log (1/S) Σ_s e^{f_s}, let L₋ₛ be the bound with f_s replaced by the
// mean of the other log weights; the surrogate
//
//	L + Σ_s stop(L − L₋ₛ)·ℓ_s
//
// (ℓ_s the log-mass of particle s's discrete draws) has value L and the
// VIMCO gradient: the importance-weighted reparameterized gradient of the
// continuous sites plus each discrete score weighted by its particle's
// leave-one-out learning signal (Mnih & Rezende 2016, eq. 10).
//
// When every latent site outside the model's plate is a point mass (or
// there is none), the rows are independent given the global values and
// the bound is taken row by row, as for a data set of i.i.d. points:
// Σₙ log (1/S) Σ_s e^{c_sn} plus the global terms, with c_sn row n's cost
// and each row's learning signals its own. A bound over the whole data
// set's weights would be far looser and its signals far noisier: the
// product of hundreds of rows' weights leaves one particle with all the
// weight.
type vimcoBound struct{}

func (vimcoBound) loss(p *parts) (report, surrogate *G.Node, err error) {
	if p.enum != nil || p.vector {
		return nil, nil, fmt.Errorf("svi: the vimco estimator needs one model instance per particle")
	}
	lw, err := p.logWeightsFor(VIMCOBound)
	if err != nil {
		return nil, nil, err
	}
	S := len(lw)
	if S < 2 {
		return nil, nil, fmt.Errorf("svi: the vimco estimator needs at least 2 particles in a graph, got %d", S)
	}
	if rows, ok := p.rowwiseVIMCO(lw); ok {
		return rows()
	}
	b := p.b
	L := logMeanExp(b, lw)
	sum := sumVectors(b, lw)
	t := L
	for s := range lw {
		g, r, _, _, err := p.discreteLogQ(s)
		if err != nil {
			return nil, nil, err
		}
		if r != nil {
			g = add(b, g, b.Sum(r))
		}
		if g == nil {
			continue
		}
		others := make([]*G.Node, S)
		copy(others, lw)
		others[s] = b.Mul(b.Sub(sum, lw[s]), b.Const(1/float64(S-1)))
		signal := stop(b, b.Sub(L, logMeanExp(b, others)))
		t = b.Add(t, b.Mul(signal, g))
	}
	report, surrogate = b.Neg(L), b.Neg(t)
	if err := b.Err(); err != nil {
		return nil, nil, fmt.Errorf("svi: building the vimco estimator: %w", err)
	}
	return report, surrogate, nil
}

// rowwiseVIMCO returns the row-by-row VIMCO objective when the model has a
// plate and no global site other than point masses.
func (p *parts) rowwiseVIMCO(lw []*G.Node) (func() (report, surrogate *G.Node, err error), bool) {
	if p.plate == 0 || p.rows[0] == nil || p.rowScale <= 0 {
		return nil, false
	}
	for _, s := range p.sites {
		if s.Plate == 0 && !p.point[s.Name] {
			return nil, false
		}
	}
	return func() (*G.Node, *G.Node, error) {
		b := p.b
		S := len(lw)
		cost := make([]*G.Node, S)
		lqRows := make([]*G.Node, S)
		var global *G.Node // the terms outside the plate, averaged
		for s := range lw {
			_, r, _, rScaled, err := p.discreteLogQ(s)
			if err != nil {
				return nil, nil, err
			}
			cost[s], lqRows[s] = p.rows[s], r
			if rScaled != nil {
				cost[s] = b.Sub(p.rows[s], rScaled)
			}
			global = add(b, global, b.Sub(lw[s], b.Sum(cost[s])))
		}
		global = b.Mul(global, b.Const(1/float64(S)))
		// Each row's bound is of its own weights: the minibatch scale
		// multiplies the bound, not the weights.
		sc := p.rowScale
		for s := range cost {
			cost[s] = scaled(b, cost[s], 1/sc)
		}
		L := logMeanExp(b, cost) // [rows]
		sum := sumVectors(b, cost)
		t := b.Add(global, scaled(b, b.Sum(L), sc))
		for s := range cost {
			if lqRows[s] == nil {
				continue
			}
			others := make([]*G.Node, S)
			copy(others, cost)
			others[s] = b.Mul(b.Sub(sum, cost[s]), b.Const(1/float64(S-1)))
			signal := stop(b, scaled(b, b.Sub(L, logMeanExp(b, others)), sc))
			t = b.Add(t, b.Sum(b.Mul(signal, lqRows[s])))
		}
		report := b.Neg(b.Add(global, scaled(b, b.Sum(L), sc)))
		if err := b.Err(); err != nil {
			return nil, nil, fmt.Errorf("svi: building the vimco estimator: %w", err)
		}
		return report, b.Neg(t), nil
	}, true
}
