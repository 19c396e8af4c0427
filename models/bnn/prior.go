package bnn

import (
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/ops"
)

// The priors of the network's sites as fused log-densities: each LogProb is
// one operation returning the scalar sum of the elementwise log-density
// (svi sums a prior's log-density over the site anyway), with a one-op
// gradient (ops.NormalPriorLogProb, ops.GammaPriorLogProb). The generic
// dist.Normal log-density costs nine operations forward and about fifteen
// backward per site and particle, which dominated the step.

// normalPrior is N(0, σ²) on every element:
//
//	log p(w) = −Σᵢ wᵢ²/(2σ²) − n (log σ + ½ log 2π)
type normalPrior struct{ scale float64 }

func (p normalPrior) LogProb(x *G.Node) (*G.Node, error) {
	return ops.NormalPriorLogProb(x, p.scale)
}

// gammaPrior is Gamma(a, b) (shape a, rate b) on a positive scalar, the
// density of dist.Gamma in one operation (prior_test.go checks the two
// agree):
//
//	log p(τ) = a log b − log Γ(a) + (a − 1) log τ − b τ
type gammaPrior struct{ a, b float64 }

// Support is the positive half-line.
func (p gammaPrior) Support() dist.Bijector { return dist.Positive }

func (p gammaPrior) LogProb(x *G.Node) (*G.Node, error) {
	return ops.GammaPriorLogProb(x, p.a, p.b)
}
