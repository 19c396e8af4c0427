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
