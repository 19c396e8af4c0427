package svi

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/vec"
)

// An Optimizer updates parameters in place from their gradients. Its state
// lives in an OptState the caller owns, keyed by parameter name, so a
// [State] holds everything that changes between steps.
type Optimizer interface {
	// Init returns a fresh optimizer state for parameters laid out as p.
	Init(p *Params) *OptState
	// Update takes one descent step on p, with gradient g of the loss.
	Update(s *OptState, p, g *Params) error
}

// OptState is an optimizer's evolving state.
type OptState struct {
	Step  int       // updates taken
	Slots []*Params // per-parameter accumulators, laid out as the parameters
	// LRScale multiplies the optimizer's learning rate (1 by default); the
	// divergence guard and learning-rate schedules change it.
	LRScale float64
	// Backoff is the factor by which the divergence guard has cut the
	// learning rate (1, or 0 meaning 1, until it acts).
	Backoff float64
	// vouched holds Adam's (β₁, β₂) when the moments are known to have
	// been built by its updates from zeros (or checked to obey their
	// bound, see Adam.finiteStep); zero otherwise.
	vouched [2]float64
}

func (o *OptState) backoff() float64 {
	if o.Backoff == 0 {
		return 1
	}
	return o.Backoff
}

// Adam is the Adam optimizer (Kingma & Ba 2015) with bias correction. The
// zero value uses LearnRate 1e-3, Beta1 0.9, Beta2 0.999, Eps 1e-8.
type Adam struct {
	LearnRate, Beta1, Beta2, Eps float64
}

func (a Adam) withDefaults() Adam {
	if a.LearnRate == 0 {
		a.LearnRate = 1e-3
	}
	if a.Beta1 == 0 {
		a.Beta1 = 0.9
	}
	if a.Beta2 == 0 {
		a.Beta2 = 0.999
	}
	if a.Eps == 0 {
		a.Eps = 1e-8
	}
	return a
}

// Validate reports a setting outside its range.
func (a Adam) Validate() error {
	a = a.withDefaults()
	switch {
	case !(a.LearnRate > 0) || math.IsInf(a.LearnRate, 0):
		return fmt.Errorf("svi: Adam learning rate must be positive and finite, got %v", a.LearnRate)
	case !(a.Beta1 >= 0 && a.Beta1 < 1), !(a.Beta2 >= 0 && a.Beta2 < 1):
		return fmt.Errorf("svi: Adam betas must lie in [0, 1), got %v, %v", a.Beta1, a.Beta2)
	case !(a.Eps > 0):
		return fmt.Errorf("svi: Adam eps must be positive, got %v", a.Eps)
	}
	return nil
}

// Init returns zero first and second moments.
func (a Adam) Init(p *Params) *OptState {
	a = a.withDefaults()
	return &OptState{Slots: []*Params{p.ZerosLike(), p.ZerosLike()}, LRScale: 1, vouched: [2]float64{a.Beta1, a.Beta2}}
}

// Update takes one Adam step.
func (a Adam) Update(s *OptState, p, g *Params) error {
	a = a.withDefaults()
	if len(s.Slots) != 2 {
		return fmt.Errorf("svi: Adam needs 2 moment slots, the state has %d", len(s.Slots))
	}
	s.Step++
	t := float64(s.Step)
	// The update of PyTorch's torch.optim.Adam: ε is added to √v̂.
	lr := a.LearnRate * s.LRScale / (1 - math.Pow(a.Beta1, t))
	rbc2 := 1 / math.Sqrt(1-math.Pow(a.Beta2, t))
	m, v := s.Slots[0], s.Slots[1]
	c := vec.AdamConst{B1: a.Beta1, C1: 1 - a.Beta1, B2: a.Beta2, C2: 1 - a.Beta2, LR: lr, RBC2: rbc2, Eps: a.Eps}
	for i, gv := range g.values {
		vec.Adam(p.values[i], m.values[i], v.values[i], gv, c)
	}
	return nil
}

// finiteStepper is an Optimizer that can prove its next Update leaves
// finite parameters finite, given the state and a bound on the gradient's
// magnitude; Trainer.Step then skips its backup of the state. vouch checks
// a state it did not build (a loaded checkpoint's) for the same proof.
type finiteStepper interface {
	finiteStep(s *OptState, gmax float64) bool
	vouch(s *OptState)
}

// momentBound returns C with m² ≤ C·v for moments built from zeros by
// Adam's updates: m = (1−β₁)Σβ₁ᵏgₖ and v = (1−β₂)Σβ₂ᵏgₖ² give, by
// Cauchy–Schwarz, C = (1−β₁)²/((1−β₂)(1 − β₁²/β₂)) when β₁² < β₂
// (53 for the defaults); 0 when there is no such bound.
func (a Adam) momentBound() float64 {
	if !(a.Beta1 >= 0 && a.Beta1 < 1 && a.Beta2 > 0 && a.Beta2 < 1 && a.Beta1*a.Beta1 < a.Beta2) {
		return 0
	}
	return (1 - a.Beta1) * (1 - a.Beta1) / ((1 - a.Beta2) * (1 - a.Beta1*a.Beta1/a.Beta2))
}

// finiteStep: with |g| < 1e150 the moments stay finite (g² < 1e300), and
// with m² ≤ C·v the step |m̂|/(√v̂ + ε) is at most √C/(1−β₁) (73 for the
// defaults) times the learning rate (where g² underflows, v = 0 and
// |m| < 1e-150, the step is below 1e-142 rates), so a rate below 1e100 cannot carry a
// finite parameter to ±Inf. The bound holds for moments Init and Update
// built with these β's, or that vouch checked.
func (a Adam) finiteStep(s *OptState, gmax float64) bool {
	a = a.withDefaults()
	lr := a.LearnRate * s.LRScale
	return gmax < 1e150 && a.Eps > 0 && math.Abs(lr) < 1e100 && a.momentBound() > 0 &&
		s.vouched == [2]float64{a.Beta1, a.Beta2}
}

// vouch marks s's moments as Adam's when they obey m² ≤ C·v (with a
// margin for rounding), v ≥ 0 and both finite.
func (a Adam) vouch(s *OptState) {
	a = a.withDefaults()
	s.vouched = [2]float64{}
	c := a.momentBound()
	if c == 0 || len(s.Slots) != 2 {
		return
	}
	for i, mv := range s.Slots[0].values {
		vv := s.Slots[1].values[i]
		for j, m := range mv {
			v := vv[j]
			// |m| < 1e-150: g² underflowed to v = 0 while m did not; the
			// step lr·m/ε is then below 1e-142 learning rates.
			if !(v >= 0 && v < 1e300 && (m*m <= c*v*(1+1e-6) || math.Abs(m) < 1e-150)) {
				return
			}
		}
	}
	s.vouched = [2]float64{a.Beta1, a.Beta2}
}

// SGD is plain gradient descent with optional momentum. The zero value uses
// LearnRate 1e-3 and no momentum.
type SGD struct {
	LearnRate, Momentum float64
}

// Init returns a zero velocity.
func (o SGD) Init(p *Params) *OptState {
	return &OptState{Slots: []*Params{p.ZerosLike()}, LRScale: 1}
}

// Update takes one step.
func (o SGD) Update(s *OptState, p, g *Params) error {
	lr := o.LearnRate
	if lr == 0 {
		lr = 1e-3
	}
	lr *= s.LRScale
	s.Step++
	vel := s.Slots[0]
	for i := range p.values {
		pv, gv, vv := p.values[i], g.values[i], vel.values[i]
		for j, gj := range gv {
			vv[j] = o.Momentum*vv[j] + gj
			pv[j] -= lr * vv[j]
		}
	}
	return nil
}
