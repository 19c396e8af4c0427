package mcmc

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Target is a log-density: it returns log π(x) up to a constant and
// writes its gradient into grad (len(x) values).
type Target func(grad, x []float64) float64

// Defaults of the zero HMC fields.
const (
	DefaultLeapfrog     = 16   // most leapfrog steps of a trajectory
	DefaultTargetAccept = 0.8  // acceptance rate the warm-up aims at
	DefaultStepSize     = 0.1  // initial step size ε
	DefaultWarmup       = 500  // warm-up iterations per chain
	DefaultDraws        = 1000 // kept draws per chain
)

// HMC configures a Hamiltonian Monte Carlo run. The zero value is valid:
// a zero field means the default named beside it.
type HMC struct {
	Leapfrog     int     // trajectories take 1…Leapfrog steps, uniformly; 0 means DefaultLeapfrog
	StepSize     float64 // initial ε; 0 means DefaultStepSize
	TargetAccept float64 // warm-up's target acceptance rate; 0 means DefaultTargetAccept
	Warmup       int     // warm-up iterations per chain (draws discarded); 0 means DefaultWarmup
	Draws        int     // kept draws per chain; 0 means DefaultDraws
	Seed         uint64  // chain c uses the PCG stream (Seed, c)
}

// Chains holds the draws of several chains: Draws[c] is chain c's
// Draws×D row-major array.
type Chains struct {
	D      int
	Draws  [][]float64
	Accept []float64 // mean acceptance probability of each chain's kept draws
	Step   []float64 // each chain's step size after the warm-up
}

// Run draws from target on ℝᴰ with one chain per starting point in starts
// (each of D values), the chains in parallel goroutines. A non-finite
// log-density proposal is rejected; a non-finite start is an error.
func (h HMC) Run(target Target, starts [][]float64) (*Chains, error) {
	h = h.withDefaults()
	switch {
	case target == nil:
		return nil, errors.New("mcmc: nil target")
	case len(starts) == 0:
		return nil, errors.New("mcmc: need at least one chain's starting point")
	case h.Leapfrog < 1 || h.Warmup < 0 || h.Draws < 1 || !(h.StepSize > 0) || !(h.TargetAccept > 0 && h.TargetAccept < 1):
		return nil, fmt.Errorf("mcmc: invalid settings %+v", h)
	}
	d := len(starts[0])
	ch := &Chains{D: d, Draws: make([][]float64, len(starts)), Accept: make([]float64, len(starts)), Step: make([]float64, len(starts))}
	errs := make([]error, len(starts))
	var wg sync.WaitGroup
	for c, x0 := range starts {
		if len(x0) != d || d == 0 {
			return nil, fmt.Errorf("mcmc: chain %d starts at %d values, want %d > 0", c, len(x0), d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch.Draws[c], ch.Accept[c], ch.Step[c], errs[c] = h.chain(target, x0, rand.New(rand.NewPCG(h.Seed, uint64(c))))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return ch, nil
}

func (h HMC) withDefaults() HMC {
	if h.Leapfrog == 0 {
		h.Leapfrog = DefaultLeapfrog
	}
	if h.StepSize == 0 {
		h.StepSize = DefaultStepSize
	}
	if h.TargetAccept == 0 {
		h.TargetAccept = DefaultTargetAccept
	}
	if h.Warmup == 0 {
		h.Warmup = DefaultWarmup
	}
	if h.Draws == 0 {
		h.Draws = DefaultDraws
	}
	return h
}

// chain runs one chain from x0: the warm-up with dual averaging of log ε,
// then Draws iterations at the averaged ε. It returns the draws, their
// mean acceptance probability and the step size used for them.
func (h HMC) chain(target Target, x0 []float64, r *rand.Rand) ([]float64, float64, float64, error) {
	d := len(x0)
	s := &leapState{x: append([]float64(nil), x0...), g: make([]float64, d),
		x1: make([]float64, d), g1: make([]float64, d), p: make([]float64, d)}
	s.lp = target(s.g, s.x)
	if math.IsNaN(s.lp) || math.IsInf(s.lp, 0) {
		return nil, 0, 0, fmt.Errorf("mcmc: log-density %v at the starting point", s.lp)
	}
	da := newDualAverage(h.StepSize, h.TargetAccept)
	eps := h.StepSize
	out := make([]float64, 0, h.Draws*d)
	var acc float64
	for it := 0; it < h.Warmup+h.Draws; it++ {
		if it < h.Warmup {
			eps = da.step()
		} else if it == h.Warmup && h.Warmup > 0 {
			eps = da.final()
		}
		a := s.transition(target, eps, 1+r.IntN(h.Leapfrog), r)
		if it < h.Warmup {
			da.update(a)
		} else {
			acc += a
			out = append(out, s.x...)
		}
	}
	return out, acc / float64(h.Draws), eps, nil
}

// leapState is a chain's position x with its log-density lp and gradient
// g, and scratch for the proposal.
type leapState struct {
	x, g, x1, g1, p []float64
	lp              float64
}

// transition takes one HMC step of n leapfrog steps of size eps and
// returns the acceptance probability; s holds the new position.
func (s *leapState) transition(target Target, eps float64, n int, r *rand.Rand) float64 {
	var k0 float64
	for i := range s.p {
		s.p[i] = r.NormFloat64()
		k0 += s.p[i] * s.p[i] / 2
	}
	copy(s.x1, s.x)
	copy(s.g1, s.g)
	lp := s.lp
	for l := 0; l < n; l++ {
		for i := range s.p {
			s.p[i] += eps / 2 * s.g1[i]
			s.x1[i] += eps * s.p[i]
		}
		lp = target(s.g1, s.x1)
		if math.IsNaN(lp) || math.IsInf(lp, 0) {
			return 0
		}
		for i := range s.p {
			s.p[i] += eps / 2 * s.g1[i]
		}
	}
	var k1 float64
	for _, v := range s.p {
		k1 += v * v / 2
	}
	logA := lp - k1 - s.lp + k0
	a := math.Min(1, math.Exp(logA))
	if math.IsNaN(a) {
		return 0
	}
	if r.Float64() < a {
		s.x, s.x1 = s.x1, s.x
		s.g, s.g1 = s.g1, s.g
		s.lp = lp
	}
	return a
}

// dualAverage adapts log ε by the dual averaging of Hoffman & Gelman
// (2014, §3.2) with their constants γ = 0.05, t₀ = 10, κ = 0.75.
type dualAverage struct {
	mu, target, hBar, logEps, logEpsBar float64
	t                                   int
}

func newDualAverage(eps0, target float64) *dualAverage {
	return &dualAverage{mu: math.Log(10 * eps0), target: target, logEps: math.Log(eps0)}
}

func (d *dualAverage) step() float64  { return math.Exp(d.logEps) }
func (d *dualAverage) final() float64 { return math.Exp(d.logEpsBar) }

func (d *dualAverage) update(accept float64) {
	const gamma, t0, kappa = 0.05, 10.0, 0.75
	d.t++
	t := float64(d.t)
	d.hBar = (1-1/(t+t0))*d.hBar + (d.target-accept)/(t+t0)
	d.logEps = d.mu - math.Sqrt(t)/gamma*d.hBar
	w := math.Pow(t, -kappa)
	d.logEpsBar = w*d.logEps + (1-w)*d.logEpsBar
}
