package svi

import (
	"github.com/govi/govi/dist"
)

// Site is a latent variable declared by a model through [M.Sample].
type Site struct {
	Name  string
	Shape []int // shape of one draw in the constrained space ([] for a scalar)
	// Unconstrained is the shape of the unconstrained value a guide draws;
	// it equals Shape except for bijectors that change dimension (a K-simplex
	// is drawn as K−1 reals).
	Unconstrained []int
	Support       dist.Bijector  // map from the unconstrained space onto the support
	Prior         dist.LogProber // the prior, as built in the trace pass (its nodes belong to a scratch graph)
	// Scale is the minibatch factor in force when the site was declared
	// (see M.Scale): 1 for global latents, N/B for local ones. The site's
	// prior term, log-Jacobian and log q are multiplied by it.
	Scale float64
	// States is the number of values each element of a discrete site takes
	// (2 for a Bernoulli prior; K for a Categorical one, whose draws are
	// one-hot rows), and 0 for a continuous site. A discrete site's Support
	// is the identity: guides.Discrete draws its values.
	States int
	// Event is 1 when one draw of a discrete site is a one-hot vector along
	// its last axis (Categorical), 0 otherwise.
	Event int
	// Plate is the length of the first axis of a site declared after
	// M.Plate (its rows, conditionally independent given the global
	// sites); 0 for a global site.
	Plate int
}

// Discrete reports whether the site takes finitely many values.
func (s Site) Discrete() bool { return s.States > 0 }

// Size returns the number of unconstrained elements of the site.
func (s Site) Size() int { return size(s.Unconstrained) }

// unconstrainedShaper is implemented by bijectors that change dimension.
type unconstrainedShaper interface {
	UnconstrainedShape(shape []int) []int
}
