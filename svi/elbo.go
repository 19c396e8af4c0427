package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// An objective assembles one estimator's negative ELBO from the parts of a
// graph. It checks that the guide gives what the estimator needs (an
// error then stops New, not step 10,000) and works on per-particle and
// vectorized graphs alike, where it can. Each estimator lives in its own
// file (elbo_*.go); adding one is that file, a constant and a line in the
// estimators table (estimator.go).
type objective interface {
	// loss returns the scalar reported as the step's loss (the negative
	// ELBO estimate) and the scalar differentiated for the gradient. They
	// are the same node for every reparameterized estimator; a surrogate
	// differs where the gradient is not the gradient of the estimate.
	loss(p *parts) (report, surrogate *G.Node, err error)
}

// objectiveFor returns the assembler of est on p: the log-joint itself when
// every site is a point mass (MAP), whatever the estimator.
func objectiveFor(est Estimator, p *parts) (objective, error) {
	if p.allPoint {
		return mapObjective{}, nil
	}
	if !est.valid() {
		return nil, fmt.Errorf("svi: unknown estimator %v", est)
	}
	return estimators[est].obj, nil
}

// negate returns −elbo as both the reported and the differentiated loss.
func negate(p *parts, elbo *G.Node) (report, surrogate *G.Node, err error) {
	l := p.b.Neg(elbo)
	if err := p.b.Err(); err != nil {
		return nil, nil, fmt.Errorf("svi: building the ELBO: %w", err)
	}
	return l, l, nil
}
