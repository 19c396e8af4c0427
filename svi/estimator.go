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
)

// estimators names each Estimator and gives its assembler (elbo_*.go).
var estimators = [...]struct {
	name string
	obj  objective
}{
	TraceELBO:   {"trace", traceELBO{}},
	EntropyELBO: {"entropy", entropyELBO{}},
	KLELBO:      {"kl", klELBO{}},
	STLELBO:     {"stl", stlELBO{}},
	IWAEBound:   {"iwae", iwaeBound{}},
}

func (e Estimator) valid() bool { return e >= 0 && int(e) < len(estimators) }

func (e Estimator) String() string {
	if e.valid() {
		return estimators[e].name
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// ParseEstimator returns the estimator named s: trace, entropy, kl, stl or iwae.
func ParseEstimator(s string) (Estimator, error) {
	for i, est := range estimators {
		if est.name == s {
			return Estimator(i), nil
		}
	}
	return 0, fmt.Errorf("svi: unknown estimator %q (want trace, entropy, kl, stl or iwae)", s)
}
