package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// checkDiscrete checks that the guide draws every discrete site as one
// (a Gaussian draw fed to a Bernoulli log-mass would be silently wrong)
// and records q's distributions of them.
func (p *parts) checkDiscrete() error {
	var names []string
	for _, s := range p.sites {
		if s.Discrete() {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	d, ok := p.q.(Discreter)
	if !ok {
		return fmt.Errorf("svi: site %q is discrete, and the guide (%T) draws no discrete site: use guides.Discrete for it (with guides.Join for the others)", names[0], p.q)
	}
	p.disc = d.Discrete()
	for _, n := range names {
		if p.disc[n] == nil {
			return fmt.Errorf("svi: site %q is discrete, and the guide draws it as a continuous value: use guides.Discrete for it (with guides.Join for the others)", n)
		}
	}
	return nil
}

// hasDiscrete reports whether the model has discrete sites.
func (p *parts) hasDiscrete() bool { return len(p.disc) > 0 }

// discreteLogQ returns, for model instance i, log q of its discrete
// values, not multiplied by the sites' scales: the sum over the global
// discrete sites (a scalar, nil when there are none) and the row sums over
// the plate's discrete sites (a [plate] vector, nil when none); and the
// same two scaled as they enter the ELBO.
func (p *parts) discreteLogQ(i int) (global, rows, globalScaled, rowsScaled *G.Node, err error) {
	return p.discreteLogQOf(p.values[i])
}

// discreteLogQOf is discreteLogQ at the values of the discrete sites in
// vals (the others are left out).
func (p *parts) discreteLogQOf(vals map[string]*G.Node) (global, rows, globalScaled, rowsScaled *G.Node, err error) {
	b := p.b
	for _, s := range p.sites {
		if !s.Discrete() || vals[s.Name] == nil {
			continue
		}
		lp, err := p.disc[s.Name].LogProb(vals[s.Name])
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("svi: log q of discrete site %q: %w", s.Name, err)
		}
		if s.Plate > 0 {
			r, err := rowSums(b, lp, s.Plate)
			if err != nil {
				return nil, nil, nil, nil, fmt.Errorf("svi: log q of discrete site %q: %w", s.Name, err)
			}
			rows = add(b, rows, r)
			rowsScaled = add(b, rowsScaled, scaled(b, r, s.Scale))
			continue
		}
		t := b.Sum(lp)
		global = add(b, global, t)
		globalScaled = add(b, globalScaled, scaled(b, t, s.Scale))
	}
	return global, rows, globalScaled, rowsScaled, b.Err()
}

func scaled(b interface {
	Mul(x, y *G.Node) *G.Node
	Const(float64) *G.Node
}, x *G.Node, s float64) *G.Node {
	if s == 1 {
		return x
	}
	return b.Mul(x, b.Const(s))
}

// needsDiscreteEstimator refuses the estimators whose gradient ignores
// how the discrete draws depend on q's parameters.
func needsDiscreteEstimator(p *parts, est Estimator) error {
	if !p.hasDiscrete() || estimators[est].discrete {
		return nil
	}
	for _, s := range p.sites {
		if s.Discrete() {
			return fmt.Errorf("svi: site %q is discrete: the %s estimator has no gradient through discrete draws; train with score, vimco, enum or concrete", s.Name, est)
		}
	}
	return nil
}
