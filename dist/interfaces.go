package dist

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
)

// LogProber builds the elementwise log-density (or log-mass) of x.
type LogProber interface {
	LogProb(x *G.Node) (*G.Node, error)
}

// Rsampler builds a reparameterized draw from standard noise eps, whose
// distribution is given by the implementation (standard normal for Normal).
type Rsampler interface {
	Rsample(eps *G.Node) (*G.Node, error)
}

// RsampleLogProber is a reparameterizable distribution with a density.
type RsampleLogProber interface {
	LogProber
	Rsampler
}

// Supporter is implemented by distributions whose support is not the whole
// real line; Support returns the bijector from ℝ onto the support.
type Supporter interface {
	Support() Bijector
}

// Entropier is implemented by distributions with a closed-form entropy; the
// returned node is elementwise, like LogProb.
type Entropier interface {
	Entropy() (*G.Node, error)
}

// SupportOf returns d's support bijector, or Real when d does not implement
// Supporter.
func SupportOf(d any) Bijector {
	if s, ok := d.(Supporter); ok {
		return s.Support()
	}
	return Real
}

// Drawer is a distribution that can draw outside the graph from the values
// its parameter nodes took in a run of the graph: svi's posterior
// predictive uses it to draw the observed sites.
type Drawer interface {
	// Params returns the distribution's parameter nodes, in the order in
	// which Draw takes their values.
	Params() []*G.Node
	// Draw fills dst with independent draws, one per element of the value
	// the distribution describes, from r. params[i] holds the values of
	// Params()[i], row-major: one value (broadcast to every element) or
	// one per element of dst (K per element for a K-category
	// distribution's logits, whose one row of K also broadcasts; Dirichlet,
	// whose value has rows of K, takes one row of K or len(dst)). Other
	// lengths are an error.
	Draw(dst []float64, params [][]float64, r *rand.Rand) error
}

// Discrete is implemented by distributions over a countable set of values.
// A latent site with a Discrete prior has no bijector: it is drawn by a
// discrete guide (guides.Discrete) and trained with an estimator for
// discrete sites (svi's score, vimco, enum or concrete).
type Discrete interface {
	// States returns the number of values one draw takes (0 when there
	// are infinitely many, as for Poisson) and the number of trailing axes
	// that make one draw: 0 when every element is a draw (Bernoulli's 0 or
	// 1), 1 for a one-hot vector along the last axis (Categorical).
	States() (states, eventDims int, err error)
}
