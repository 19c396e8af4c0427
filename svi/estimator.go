package svi

import "fmt"

// Estimator selects the Monte Carlo estimator of the ELBO used for training.
// All are unbiased for the ELBO (or, for IWAE, for the importance-weighted
// bound) and differ in variance and in what they ask of guide and model.
type Estimator int

const (
	// TraceELBO averages log p(x, z_s) + log|J_s| − log q(u_s) over the S
	// particles: the plain reparameterized estimator.
	TraceELBO Estimator = iota
	// EntropyELBO averages log p(x, z_s) + log|J_s| and adds q's closed-form
	// entropy. New fails if the guide has no closed-form entropy.
	EntropyELBO
	// KLELBO averages the log-likelihood log p(x | z_s) and subtracts the
	// closed-form KL(q‖p) of every site. New fails unless every site is
	// real-valued with a prior and guide marginal that have a closed-form KL
	// (dist.KL; for example Normal‖Normal), or Config.KLFallback lets the
	// other sites contribute Monte Carlo prior terms and q's entropy.
	KLELBO
	// STLELBO is sticking the landing (Roeder, Wu & Duvenaud 2017): the
	// trace estimator with log q evaluated at parameters held fixed, which
	// drops the score term whose expectation is zero. Its gradient variance
	// vanishes as q approaches the posterior. New fails if the guide cannot
	// evaluate log q with detached parameters.
	STLELBO
	// IWAEBound trains on the importance-weighted bound of Burda, Grosse &
	// Salakhutdinov (2016) with K = S particles:
	// log (1/K) Σₖ p(x, z_k)/q(z_k), which is tighter than the ELBO.
	IWAEBound
	// ScoreELBO is the score-function (REINFORCE) estimator for models
	// with discrete sites: continuous sites keep their reparameterized
	// gradient, and each discrete draw's score ∇log q(z) is weighted by
	// its cost minus a baseline (Config.Baseline), the surrogate loss of
	// Schulman et al. (2015) as in Pyro's TraceGraph_ELBO. Inside a plate
	// each row's score is weighted by that row's cost alone.
	ScoreELBO
	// VIMCOBound trains the importance-weighted bound with K = S ≥ 2
	// particles by VIMCO (Mnih & Rezende 2016): each particle's score is
	// weighted by the bound minus the bound with that particle replaced by
	// the geometric mean of the others.
	VIMCOBound
	// EnumELBO sums the discrete sites out exactly: the model is built once
	// per joint state of the global discrete sites and of one row of the
	// plate's discrete sites, weighted by q's probability of the state
	// (Pyro's TraceEnum_ELBO). No variance from the discrete sites; the
	// cost grows with the number of states (MaxEnumerated).
	EnumELBO
	// ConcreteELBO replaces each discrete draw by its Concrete (Gumbel-
	// softmax) relaxation at temperature Config.Temperature (Maddison, Mnih
	// & Teh 2017; Jang, Gu & Poole 2017) and differentiates through it.
	// The model and q's log-mass are evaluated at the relaxed values as
	// written (both are linear in a Bernoulli or one-hot value), so the
	// objective is biased: it tends to the discrete ELBO as the
	// temperature falls, while the gradient's variance grows.
	ConcreteELBO
)

// estimators names each Estimator and gives its assembler (elbo_*.go).
// discrete marks the estimators that train discrete sites.
var estimators = [...]struct {
	name     string
	obj      objective
	discrete bool
}{
	TraceELBO:    {"trace", traceELBO{}, false},
	EntropyELBO:  {"entropy", entropyELBO{}, false},
	KLELBO:       {"kl", klELBO{}, false},
	STLELBO:      {"stl", stlELBO{}, false},
	IWAEBound:    {"iwae", iwaeBound{}, false},
	ScoreELBO:    {"score", scoreELBO{}, true},
	VIMCOBound:   {"vimco", vimcoBound{}, true},
	EnumELBO:     {"enum", enumELBO{}, true},
	ConcreteELBO: {"concrete", traceELBO{}, true},
}

func (e Estimator) valid() bool { return e >= 0 && int(e) < len(estimators) }

func (e Estimator) String() string {
	if e.valid() {
		return estimators[e].name
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// ParseEstimator returns the estimator named s: trace, entropy, kl, stl,
// iwae, score, vimco, enum or concrete.
func ParseEstimator(s string) (Estimator, error) {
	for i, est := range estimators {
		if est.name == s {
			return Estimator(i), nil
		}
	}
	return 0, fmt.Errorf("svi: unknown estimator %q (want trace, entropy, kl, stl, iwae, score, vimco, enum or concrete)", s)
}
