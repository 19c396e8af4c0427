package svi

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
)

// A Guide is a reparameterizable variational family q(z; φ) over a model's
// latent sites. Guides work in the unconstrained space of each site (see
// [Site.Unconstrained]); the trainer maps their draws onto the supports.
type Guide interface {
	// Build declares the guide's parameters and noise on c and returns, for
	// each of c.Particles() particles, a draw of every site and log q.
	Build(c *GuideContext, sites []Site) (*GuideGraph, error)
	// Draw returns n independent draws of each site's unconstrained value
	// from q with parameters p, as n×Size row-major arrays keyed by site.
	Draw(p *Params, sites []Site, r *rand.Rand, n int) (map[string][]float64, error)
}

// GuideGraph is what a guide adds to the training graph.
type GuideGraph struct {
	// Draws[s][site] is particle s's unconstrained draw of site, with shape
	// site.Unconstrained.
	Draws []map[string]*G.Node
	// LogQ[s] is the scalar log q(u_s) of particle s's draw. It may be nil
	// when Entropy is set and the estimator does not need it.
	LogQ []*G.Node
	// Entropy is the scalar closed-form entropy of q, or nil.
	Entropy *G.Node
	// LogQDetached[s] is log q(u_s) evaluated with the guide's parameters
	// held fixed (fed through GuideContext.Detached), so that its gradient
	// flows only through u_s: the sticking-the-landing estimator uses it.
	// Nil when the guide does not provide it.
	LogQDetached []*G.Node
	// Marginals maps each site to q's marginal distribution of its
	// unconstrained value when q factorizes over sites (nil otherwise); the
	// closed-form KL estimator uses them.
	Marginals map[string]dist.LogProber
	// PointMass names the sites drawn as point masses (a Delta guide):
	// their draws are parameters, they add nothing to log q and no
	// log-Jacobian, so for them the objective is the log-joint in the
	// constrained space (MAP). When every site is a point mass the
	// objective is the log-joint itself, whatever the estimator.
	PointMass map[string]bool
}

// Momenter is implemented by guides that know the mean and standard
// deviation of each site's unconstrained marginal in closed form.
type Momenter interface {
	// Moments returns the mean and standard deviation of each element of
	// sites[i]'s unconstrained value.
	Moments(p *Params, sites []Site, i int) (mean, std []float64, err error)
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
