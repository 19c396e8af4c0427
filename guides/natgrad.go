package guides

import (
	"fmt"
	"math"
	"strings"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// NaturalGradient is an optimizer for the [MeanField] guide: it takes
// natural-gradient steps on each site's Gaussian factors, and hands every
// other parameter to Other. For a factor N(μ, σ²) with precision Λ = 1/σ²
// and a loss L = −ELBO it sets
//
//	Λ' = Λ + 2β ∂L/∂σ²,     μ' = μ − β ∂L/∂μ / Λ',
//
// the conjugate-computation update of Khan & Lin (2017), which is a step of
// size β along the natural gradient in the Gaussian's natural parameters
// (natural-gradient descent on the mean parameters). With the prior's
// precision Λ₀ and the expected log-likelihood E, Λ' = (1−β)Λ + β(Λ₀ − 2∂E/∂σ²):
// a step of β = 1 on a conjugate model with exact gradients lands on the
// posterior. The gradients are the Monte Carlo ones of the estimator, so a
// step below 1 averages their noise; Λ' is kept at least max(1−β, 0.01)·Λ,
// which only acts on a draw of ∂L/∂σ² with the wrong sign.
//
// With Decay τ > 0 the step at update t is β/(1 + t/τ), a Robbins–Monro
// sequence: the parameters then settle instead of jittering at the noise
// floor a constant step leaves. The learning-rate scale of the optimizer
// state (divergence guard, schedules) multiplies β as it does Other's
// learning rate.
// The mean's step is a damped Jacobi sweep over the factors: it is fast
// where the posterior's coupling is weak (TrueSkill on 4F13: the peer's
// stopping rule is met in 400 / 500 steps against Adam's 800 / 1,200) and
// slow along directions that couple many factors (a shift of all skills,
// fixed only by the prior; strongly correlated regression weights). A
// trust region keeps each mean within one old sd per step.
type NaturalGradient struct {
	// Step is β in (0, 1]; 0 means 0.1.
	Step float64
	// Decay is τ, in updates; 0 keeps the step constant.
	Decay float64
	// Momentum γ in [0, 1) carries the mean's steps over: v ← γv + Δμ.
	Momentum float64
	// Other updates every parameter that is not a MeanField loc/rho pair;
	// nil means svi.Adam with LearnRate 0.01.
	Other svi.Optimizer
}

func (o NaturalGradient) other() svi.Optimizer {
	if o.Other == nil {
		return svi.Adam{LearnRate: 0.01}
	}
	return o.Other
}

// Validate reports a step outside (0, 1].
func (o NaturalGradient) Validate() error {
	if o.Step != 0 && !(o.Step > 0 && o.Step <= 1) {
		return fmt.Errorf("guides: NaturalGradient step must lie in (0, 1], got %v", o.Step)
	}
	if !(o.Momentum >= 0 && o.Momentum < 1) {
		return fmt.Errorf("guides: NaturalGradient momentum must lie in [0, 1), got %v", o.Momentum)
	}
	if !(o.Decay >= 0) || math.IsInf(o.Decay, 0) {
		return fmt.Errorf("guides: NaturalGradient decay must be zero or positive and finite, got %v", o.Decay)
	}
	if v, ok := o.other().(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// Init returns Other's state with two more slots: the means' velocity, and
// a copy of the Gaussian factors' values kept while Other steps.
func (o NaturalGradient) Init(p *svi.Params) *svi.OptState {
	s := o.other().Init(p)
	s.Slots = append(s.Slots, p.ZerosLike(), p.ZerosLike())
	return s
}

// Update takes one step: Other's on every parameter, then the natural
// gradient one on each loc/rho pair from the values before Other's.
func (o NaturalGradient) Update(s *svi.OptState, p, g *svi.Params) error {
	if len(s.Slots) < 2 {
		return fmt.Errorf("guides: NaturalGradient state has %d slots, want at least 2", len(s.Slots))
	}
	beta := o.Step
	if beta == 0 {
		beta = 0.1
	}
	if o.Decay > 0 {
		beta /= 1 + float64(s.Step)/o.Decay
	}
	beta = min(beta*s.LRScale, 1)
	n := len(s.Slots)
	vel, keep := s.Slots[n-2], s.Slots[n-1]
	// Keep the loc/rho pairs' values from before Other's step.
	pairs := meanFieldPairs(p)
	for _, loc := range pairs {
		for _, name := range []string{loc, strings.TrimSuffix(loc, "/loc") + "/rho"} {
			src, _ := p.Get(name)
			dst, ok := keep.Get(name)
			if !ok || len(dst) != len(src) {
				return fmt.Errorf("guides: NaturalGradient state does not hold %s", name)
			}
			copy(dst, src)
		}
	}
	inner := *s
	inner.Slots = s.Slots[:n-2]
	if err := o.other().Update(&inner, p, g); err != nil {
		return err
	}
	s.Step, s.LRScale, s.Backoff = inner.Step, inner.LRScale, inner.Backoff
	for _, loc := range pairs {
		rhoName := strings.TrimSuffix(loc, "/loc") + "/rho"
		mu0, _ := keep.Get(loc)
		rho0, _ := keep.Get(rhoName)
		mu, _ := p.Get(loc)
		rho, _ := p.Get(rhoName)
		gmu, _ := g.Get(loc)
		grho, _ := g.Get(rhoName)
		v, _ := vel.Get(loc)
		naturalStep(factor{mu, rho, mu0, rho0, gmu, grho, v}, beta, o.Momentum)
	}
	return nil
}

// meanFieldPairs returns the names of p's MeanField locations
// ("guides/<site>/loc") that have a rho of the same size beside them.
func meanFieldPairs(p *svi.Params) []string {
	var out []string
	for _, name := range p.Names() {
		site, ok := strings.CutSuffix(name, "/loc")
		if !ok || !strings.HasPrefix(site, "guides/") {
			continue
		}
		mu, _ := p.Get(name)
		if rho, ok := p.Get(site + "/rho"); ok && len(rho) == len(mu) {
			out = append(out, name)
		}
	}
	return out
}

// factor is one site's Gaussian factors: new values (mu, rho), old values
// (mu0, rho0), the loss gradients and the means' velocity.
type factor struct{ mu, rho, mu0, rho0, gmu, grho, vel []float64 }

// naturalStep writes the natural-gradient update of the factors with step
// beta and momentum gamma.
func naturalStep(f factor, beta, gamma float64) {
	for j := range f.mu0 {
		sigma := special.SoftplusGorgonia(f.rho0[j])
		lam := 1 / (sigma * sigma)
		// ops.SoftplusReparam's gradient takes dσ/dρ = sigmoid(ρ).
		dvar := f.grho[j] / special.Sigmoid(f.rho0[j]) / (2 * sigma) // ∂L/∂σ²
		lam1 := max(lam+2*beta*dvar, max(1-beta, 0.01)*lam)
		// A trust region: the mean moves at most one old sd per step, so
		// that coupled factors (a Jacobi-like sweep) cannot overshoot.
		f.vel[j] = max(-sigma, min(sigma, gamma*f.vel[j]+beta*f.gmu[j]/lam1))
		f.mu[j] = f.mu0[j] - f.vel[j]
		s1 := 1 / math.Sqrt(lam1)
		if s1 > 16 {
			f.rho[j] = s1
		} else {
			f.rho[j] = special.InverseSoftplus(s1)
		}
	}
}
