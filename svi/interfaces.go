package svi

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
)

// A Guide is a reparameterizable variational family q(z; φ) over a model's
// latent sites. Guides work in the unconstrained space of each site (see
// [Site.Unconstrained]); the trainer maps their draws onto the supports.
//
// Build is the one method a guide must have. What else a guide can do is
// found by type assertion: on the guide, [HostDrawer] (draws outside the
// graph, for Sample and Summarize), [Momenter] (closed-form moments) and
// [VectorGuide] (all particles in one node); on the [Built] value Build
// returns, [Entropier], [Marginaler], [DetachedLogQer] and [PointMasser].
// An estimator that needs a capability the guide lacks is refused by New.
type Guide interface {
	// Build declares the guide's parameters and noise on c and returns
	// its draws of every site for each of c.Particles() particles.
	Build(c *GuideContext, sites []Site) (Built, error)
}

// Built is what a guide adds to one graph: a draw of every site for each
// particle and, unless every site is a point mass, log q of those draws.
type Built interface {
	// Draws returns, for each particle s, the unconstrained draw of every
	// site, with shape site.Unconstrained (a vectorized build returns one
	// map whose nodes have a leading particle axis).
	Draws() []map[string]*G.Node
	// LogQ returns the scalar log q(u_s) of each particle's draw, each
	// site's term multiplied by its minibatch scale; nil when the guide
	// has no density to give (a vectorized build, or point masses only).
	LogQ() []*G.Node
}

// Entropier is a [Built] that knows q's entropy in closed form.
type Entropier interface {
	// Entropy returns the scalar entropy of q, each site's term multiplied
	// by its minibatch scale. Point-mass sites contribute nothing.
	Entropy() (*G.Node, error)
}

// Marginaler is a [Built] whose q factorizes over sites.
type Marginaler interface {
	// Marginals returns q's marginal distribution of each site's
	// unconstrained value (point-mass sites have none).
	Marginals() (map[string]dist.LogProber, error)
}

// DetachedLogQer is a [Built] that can evaluate log q at its own draws with
// its parameters held fixed, so that the gradient flows only through the
// draws: the sticking-the-landing estimator uses it.
type DetachedLogQer interface {
	LogQDetached() ([]*G.Node, error)
}

// PointMasser is a [Built] some of whose sites are point masses (a Delta
// guide): their draws are parameters, and they add nothing to log q, the
// entropy or the log-Jacobian, so for them the objective is the log-joint
// in the constrained space (MAP). When every site is a point mass the
// objective is the log-joint itself, whatever the estimator.
type PointMasser interface {
	PointMass() map[string]bool
}

// VectorGuide is a guide that can draw all S particles of a site as one
// node with a leading particle axis, for [Config.Vectorize].
type VectorGuide interface {
	// BuildVector is Build with one map of draws whose node for each site
	// has shape [S, site.Unconstrained...] ([S] for a scalar site). Its
	// Built must be an Entropier (and a Marginaler for the kl estimator).
	BuildVector(c *GuideContext, sites []Site) (Built, error)
}

// HostDrawer is a guide that can draw from q outside the graph, given its
// parameters: [Trainer.Sample] and [Trainer.Summarize] need it.
type HostDrawer interface {
	// Draw returns n independent draws of each site's unconstrained value
	// from q with parameters p, as n×Size row-major arrays keyed by site.
	Draw(p *Params, sites []Site, r *rand.Rand, n int) (map[string][]float64, error)
}

// Momenter is a guide that knows the mean and standard deviation of each
// site's unconstrained marginal in closed form.
type Momenter interface {
	// Moments returns the mean and standard deviation of each element of
	// sites[i]'s unconstrained value.
	Moments(p *Params, sites []Site, i int) (mean, std []float64, err error)
}

// A Stepper takes one optimization step on a state: [Trainer] is one, and
// [Guard] wraps one.
type Stepper interface {
	Step(st *State, b Batch) (Info, error)
}

// A Recorder receives each step's diagnostics from [Run]; a non-nil error
// stops the run.
type Recorder interface {
	Record(Info) error
}

// RecorderFunc adapts a function to the Recorder interface.
type RecorderFunc func(Info) error

// Record calls f(info).
func (f RecorderFunc) Record(info Info) error { return f(info) }

// A Converger is Run's stopping rule: after every step it judges the state
// (its loss trace, step count) and says whether the run has converged. It
// must be a function of the state alone, so that a resumed run stops where
// the uninterrupted one would.
type Converger interface {
	Converged(st *State) Status
}

// A Schedule gives the learning-rate scale for the next step of st. Run
// multiplies it by the guard's back-off and stores it in st.Opt.LRScale.
// Schedules are functions of the state (its step count and loss trace), so a
// resumed run follows the same schedule.
type Schedule interface {
	Scale(st *State) float64
}

// Discreter is a [Built] that draws discrete sites (guides.Discrete): the
// estimators for discrete sites read q's distribution of each from it. A
// model with discrete sites needs a guide whose Built is a Discreter
// covering all of them; New refuses any other.
type Discreter interface {
	// Discrete returns q's distribution of each discrete site's value, a
	// dist.Bernoulli or dist.Categorical with the guide's logits (shaped
	// as the site's value), the same for every particle.
	Discrete() map[string]dist.LogProber
}
