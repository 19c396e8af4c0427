package svi

import (
	"fmt"
	"math"
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
	return &OptState{Slots: []*Params{p.ZerosLike(), p.ZerosLike()}, LRScale: 1}
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
	for i := range p.values {
		pv, gv, mv, vv := p.values[i], g.values[i], m.values[i], v.values[i]
		for j, gj := range gv {
			mv[j] = a.Beta1*mv[j] + (1-a.Beta1)*gj
			vv[j] = a.Beta2*vv[j] + (1-a.Beta2)*gj*gj
			pv[j] -= lr * mv[j] / (math.Sqrt(vv[j])*rbc2 + a.Eps)
		}
	}
	return nil
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
