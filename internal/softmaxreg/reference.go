package softmaxreg

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/internal/mcmc"
)

// Reference is a posterior computed by HMC: the draws of every chain (in
// θ), their summary and diagnostics.
type Reference struct {
	Chains  *mcmc.Chains
	Summary *mcmc.Summary
}

// Sample runs HMC with settings h on the posterior reparameterized by the
// Laplace approximation la (θ = Mode + L z, so that HMC sees a nearly
// isotropic target), chains chains started from overdispersed points
// z = 2ε, ε ~ N(0, I) seeded by h.Seed, and returns the draws in θ with
// their R̂ and ESS.
func (p *Posterior) Sample(la *Laplace, h mcmc.HMC, chains int) (*Reference, error) {
	if chains < 1 {
		return nil, fmt.Errorf("softmaxreg: need at least one chain, got %d", chains)
	}
	aff, err := mcmc.NewAffine(la.Mode, la.L)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(h.Seed, 0x73746172))
	starts := make([][]float64, chains)
	for c := range starts {
		starts[c] = make([]float64, p.Dim())
		for i := range starts[c] {
			starts[c][i] = 2 * r.NormFloat64()
		}
	}
	ch, err := h.Run(aff.Target(p.LogDensity), starts)
	if err != nil {
		return nil, fmt.Errorf("softmaxreg: %w", err)
	}
	aff.XDraws(ch)
	s, err := mcmc.Summarize(ch)
	if err != nil {
		return nil, err
	}
	return &Reference{Chains: ch, Summary: s}, nil
}

// PredictiveProbs returns the posterior predictive class probabilities
// (rows×K) of the rows of x, averaged over every draw of every chain.
func (p *Posterior) PredictiveProbs(x []float64, ref *Reference) []float64 {
	rows, d := len(x)/p.D, ref.Chains.D
	out := make([]float64, rows*p.K)
	buf := make([]float64, rows*p.K)
	var t int
	for _, dr := range ref.Chains.Draws {
		t += len(dr) / d
	}
	for _, dr := range ref.Chains.Draws {
		for k := 0; k+d <= len(dr); k += d {
			p.Probs(buf, x, dr[k:k+d])
			for i, v := range buf {
				out[i] += v / float64(t)
			}
		}
	}
	return out
}
