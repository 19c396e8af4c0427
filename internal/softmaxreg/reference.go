package softmaxreg

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/internal/mcmc"
)

// Reference is a posterior computed by HMC: the draws of every chain (in
// θ), their summary and diagnostics, and those of the pilot run, if any.
type Reference struct {
	Chains  *mcmc.Chains
	Summary *mcmc.Summary
	Pilot   *mcmc.Summary // nil without a pilot run
}

// Sample runs HMC with settings h on the posterior reparameterized as
// θ = m + L z, so that HMC sees a nearly isotropic target, with chains
// chains started from overdispersed points z = 2ε, ε ~ N(0, I) seeded by
// h.Seed, and returns the draws in θ with their R̂ and ESS. Without a
// pilot (pilot = 0), m and L are the Laplace approximation's mode and
// covariance factor. With one, a first run of pilot draws a chain (after
// h.Warmup) in the Laplace coordinates gives the pooled mean m and the
// negative Hessian averaged over 32 of its draws, H̄, and L L ᵀ = H̄⁻¹
// preconditions the final run: better than the Laplace factor when the
// curvature at the mode is not typical of the posterior (near-separable
// classes: the fitted probabilities at the mode are extreme, so its
// curvature is low).
func (p *Posterior) Sample(la *Laplace, h mcmc.HMC, chains, pilot int) (*Reference, error) {
	if chains < 1 || pilot < 0 {
		return nil, fmt.Errorf("softmaxreg: need at least one chain and a non-negative pilot, got %d and %d", chains, pilot)
	}
	aff, err := mcmc.NewAffine(la.Mode, la.L)
	if err != nil {
		return nil, err
	}
	var pilotSum *mcmc.Summary
	if pilot > 0 {
		ph := h
		ph.Draws = pilot
		pr, err := p.run(aff, ph, chains)
		if err != nil {
			return nil, err
		}
		if aff, err = p.hessAffine(pr.Chains); err != nil {
			return nil, err
		}
		pilotSum = pr.Summary
	}
	ref, err := p.run(aff, h, chains)
	if err != nil {
		return nil, err
	}
	ref.Pilot = pilotSum
	return ref, nil
}

// run is one HMC run in the coordinates of aff.
func (p *Posterior) run(aff *mcmc.Affine, h mcmc.HMC, chains int) (*Reference, error) {
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

// hessAffine returns the map θ = m + L z with m the pooled mean of the
// chains' draws and L L ᵀ = H̄⁻¹, H̄ the negative Hessian averaged over 32
// draws spread evenly over the pooled draws: an estimate of the
// posterior's expected curvature, well conditioned from few draws.
func (p *Posterior) hessAffine(ch *mcmc.Chains) (*mcmc.Affine, error) {
	d := ch.D
	var rows []float64
	for _, dr := range ch.Draws {
		rows = append(rows, dr...)
	}
	n := len(rows) / d
	m := make([]float64, d)
	for i := range n {
		for j := range d {
			m[j] += rows[i*d+j] / float64(n)
		}
	}
	const k = 32
	h := mat.NewSymDense(d, nil)
	for i := range k {
		r := i * n / k
		h.AddSym(h, p.NegHessian(rows[r*d:(r+1)*d]))
	}
	h.ScaleSym(1.0/k, h)
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil, fmt.Errorf("softmaxreg: the averaged negative Hessian is not positive definite")
	}
	cov := mat.NewSymDense(d, nil)
	if err := chol.InverseTo(cov); err != nil {
		return nil, fmt.Errorf("softmaxreg: %w", err)
	}
	if !chol.Factorize(cov) {
		return nil, fmt.Errorf("softmaxreg: the inverse averaged Hessian is not positive definite")
	}
	l := mat.NewTriDense(d, mat.Lower, nil)
	chol.LTo(l)
	return mcmc.NewAffine(m, l)
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

// WeightedProbs returns the predictive class probabilities (rows×K) of
// the rows of x averaged over the row-major draws (S×Dim), with the
// normalized log weights logw, or equal weights when logw is nil.
func (p *Posterior) WeightedProbs(x, draws, logw []float64) []float64 {
	n := p.Dim()
	s := len(draws) / n
	out := make([]float64, len(x)/p.D*p.K)
	buf := make([]float64, len(out))
	for k := range s {
		w := 1 / float64(s)
		if logw != nil {
			w = math.Exp(logw[k])
		}
		p.Probs(buf, x, draws[k*n:(k+1)*n])
		for i, v := range buf {
			out[i] += w * v
		}
	}
	return out
}
