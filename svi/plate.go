package svi

import (
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// Plate declares that the latent sites and observations that follow are
// conditionally independent across their first axis, of length n: the
// rows of the data (a minibatch's B rows, after Scale(N/B)). Declare the
// global sites first, then call Plate once, then the local sites and the
// observations, each with the returned number of rows on its first axis
// (an error otherwise).
//
// Plate returns n, except in the training graph of the enum estimator,
// which evaluates every row in each of the R joint states of its discrete
// sites at once: it returns R·n, and the plate's sites, data arrays (M.Data
// with R·n rows gets the batch's n rows repeated R times) and observations
// have R·n rows, block r holding every row in state r. A model that sizes
// its plate arrays by the returned value works with every estimator.
//
// Nothing changes for continuous sites. For discrete sites it is what lets
// the estimators work row by row: the score-function estimator weighs the
// score of row n's draw by row n's cost alone (Rao–Blackwellization, as
// Pyro's TraceGraph_ELBO does for plates), and enumeration sums each row's
// states out separately, so a site of n rows of K bits costs 2^K model
// evaluations, not 2^(nK).
func (m *M) Plate(n int) int {
	if m.err != nil {
		return n
	}
	switch {
	case n < 1:
		m.Fail(fmt.Errorf("svi: Plate(%d): the number of rows must be at least 1", n))
		return n
	case m.plate != 0 && m.plate != n:
		m.Fail(fmt.Errorf("svi: Plate(%d) after Plate(%d): a model has one plate", n, m.plate))
		return n
	}
	m.plate = n
	return m.rows()
}

// rows returns the plate's rows in this graph: R·plate when expanded.
func (m *M) rows() int { return m.plate * max(m.expand, 1) }

// tiledData declares the data array name of the expanded plate: an input of
// the given shape fed with the batch's array repeated m.expand times.
func (m *M) tiledData(name string, shape []int) *G.Node {
	key := name + "#expanded"
	if n, ok := m.data[key]; ok {
		return n
	}
	node, val := input(m.g, "data/"+key, shape)
	m.data[key] = node
	*m.dataDecl = append(*m.dataDecl, dataDecl{name: name, shape: slices.Clone(shape), node: node, value: val, tile: m.expand})
	return node
}

// newSite checks a latent site's declaration and returns it.
func (m *M) newSite(name string, prior dist.LogProber, support dist.Bijector, shape []int) (Site, error) {
	site := Site{Name: name, Shape: slices.Clone(shape), Prior: prior, Scale: m.scale, Plate: m.plate}
	if m.plate > 0 && (len(shape) == 0 || shape[0] != m.rows()) {
		return site, fmt.Errorf("svi: latent site %q has shape %v inside Plate(%d): its first axis must be the %d rows Plate returned", name, shape, m.plate, m.rows())
	}
	if m.plate > 0 {
		site.Shape[0] = m.plate // the site as the guide sees it
		shape = site.Shape
	}
	if d, ok := prior.(dist.Discrete); ok {
		k, event, err := d.States()
		if err != nil {
			return site, fmt.Errorf("svi: prior of site %q: %w", name, err)
		}
		if k == 0 {
			return site, fmt.Errorf("svi: latent site %q: its %T prior takes infinitely many values, which no guide can draw or enumerate", name, prior)
		}
		if support != nil {
			return site, fmt.Errorf("svi: latent site %q is discrete (%T prior) and takes no support bijector", name, prior)
		}
		if event == 1 && (len(shape) == 0 || shape[len(shape)-1] != k) {
			return site, fmt.Errorf("svi: latent site %q has shape %v: a %T draw is one-hot, so the last axis must be its %d categories", name, shape, prior, k)
		}
		site.States, site.Event = k, event
		site.Support, site.Unconstrained = dist.Real, slices.Clone(shape)
		return site, nil
	}
	site.Support = support
	if site.Support == nil {
		site.Support = dist.SupportOf(prior)
	}
	site.Unconstrained = slices.Clone(shape)
	if us, ok := site.Support.(unconstrainedShaper); ok {
		site.Unconstrained = us.UnconstrainedShape(shape)
	}
	return site, nil
}

// rowSums returns the sums of x over every axis but the first, which must
// have n elements: a [n] vector.
func rowSums(b *graph.B, x *G.Node, n int) (*G.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("nil log-density")
	}
	s := x.Shape()
	if x.IsScalar() || s.Dims() == 0 || s[0] != n {
		return nil, fmt.Errorf("inside Plate(%d) a log-density must have the %d rows on its first axis, got shape %v (declare global terms before Plate)", n, n, s)
	}
	for x.Shape().Dims() > 1 {
		x = b.Apply("ReduceSum", func(x *G.Node) (*G.Node, error) { return ops.ReduceSum(x, -1) }, x)
		if b.Err() != nil {
			return nil, b.Err()
		}
	}
	return x, nil
}
