package kl

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// Config sets up [Run]. The zero value is not valid: Starts must be ≥ 1.
type Config struct {
	Separation  float64 // the mixture's separation D (see Mixture)
	Correlation float64 // the correlated Gaussian's ρ (see NewCorrelated)
	Starts      int     // seeded starts of the reverse-KL full-rank fit, ≥ 1
	Seed        uint64  // seeds the starts and the SVI noise
	// MixtureFit and MeanFieldFit are the SVI settings of the mixture's
	// full-rank fits and of the correlated case's mean-field fit; see
	// DefaultMeanFieldFit for the latter's zero value.
	MixtureFit, MeanFieldFit FitSettings
}

// DefaultMeanFieldFit replaces a zero Config.MeanFieldFit: 8,192
// particles built at once (svi.Config.Vectorize) and plain SGD. The
// averaged iterate's error is the gradient noise over S·steps draws: at
// 64 particles and 4,000 steps it stays ≈ 3e−3 off the variances 1/Λ_ii
// (Adam or SGD); at 8,192 particles it is ≈ 2e−4 (ρ = 0.8, measured).
var DefaultMeanFieldFit = FitSettings{Particles: 8192, SGD: true, Vectorize: true}

// Solution is one approximation q with both divergences from p.
type Solution struct {
	Name string `json:"name"`
	// Minimizes is the divergence the solution minimizes: "KL(p‖q)" or
	// "KL(q‖p)".
	Minimizes string   `json:"minimizes"`
	Q         Gaussian `json:"q"`
	// Quadrature holds both divergences on the grid, with error bounds.
	Quadrature Divergences `json:"quadrature"`
	// ClosedPQ and ClosedQP are the closed forms where p is Gaussian.
	ClosedPQ *float64 `json:"closed_kl_pq,omitempty"`
	ClosedQP *float64 `json:"closed_kl_qp,omitempty"`
	// Fit is the SVI fit behind the solution, if any.
	Fit *Fit `json:"svi,omitempty"`
	// Found says which part of the mixture an SVI fit covers: "left
	// component", "right component" or "middle".
	Found string `json:"found,omitempty"`
}

// MixtureReport is the mixture half of a [Report].
type MixtureReport struct {
	Separation float64     `json:"separation"`
	Components [2]Gaussian `json:"components"`
	Solutions  []Solution  `json:"solutions"`
}

// CorrelatedReport is the correlated-Gaussian half of a [Report].
type CorrelatedReport struct {
	Correlation float64    `json:"correlation"`
	P           Gaussian   `json:"p"`
	Solutions   []Solution `json:"solutions"`
}

// Report is the outcome of [Run].
type Report struct {
	Mixture    MixtureReport    `json:"mixture"`
	Correlated CorrelatedReport `json:"correlated"`
}

// Validate reports the first setting out of range, naming it.
func (c Config) Validate() error {
	if _, err := NewMixture(c.Separation); err != nil {
		return err
	}
	if _, err := NewCorrelated(c.Correlation); err != nil {
		return err
	}
	if c.Starts < 1 {
		return fmt.Errorf("kl: starts %d: need at least one start", c.Starts)
	}
	if _, err := c.MixtureFit.withDefaults(); err != nil {
		return err
	}
	_, err := c.MeanFieldFit.withDefaults()
	return err
}

// Run projects both targets both ways and measures every solution.
func Run(ctx context.Context, c Config) (*Report, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	mix, err := RunMixture(ctx, c)
	if err != nil {
		return nil, err
	}
	cor, err := RunCorrelated(ctx, c)
	if err != nil {
		return nil, err
	}
	return &Report{Mixture: *mix, Correlated: *cor}, nil
}

// StartLoc returns the initial location of start k: a draw of
// N((0, 0), diag((D/2 + 1)², 1)) from a PCG seeded with (seed, k).
func StartLoc(d float64, seed uint64, k int) [2]float64 {
	r := rand.New(rand.NewPCG(seed, uint64(k)))
	return [2]float64{(d/2 + 1) * r.NormFloat64(), r.NormFloat64()}
}

// RunMixture projects the mixture onto one full-covariance Gaussian by
// moment matching (KL(p‖q)) and by SVI from c.Starts starts (KL(q‖p)).
func RunMixture(ctx context.Context, c Config) (*MixtureReport, error) {
	m, err := NewMixture(c.Separation)
	if err != nil {
		return nil, err
	}
	rep := &MixtureReport{Separation: m.Separation, Components: m.Components()}
	sol := Solution{Name: "moment matching", Minimizes: "KL(p‖q)", Q: m.MomentMatch()}
	rep.Solutions = append(rep.Solutions, sol)
	for k := 0; k < c.Starts; k++ {
		start := StartLoc(m.Separation, c.Seed, k)
		f, err := FitReverse(ctx, m.Model(), true, start, c.Seed+uint64(k), c.MixtureFit)
		if err != nil {
			return nil, fmt.Errorf("kl: start %d: %w", k, err)
		}
		rep.Solutions = append(rep.Solutions, Solution{Name: fmt.Sprintf("SVI full-rank, start %d", k),
			Minimizes: "KL(q‖p)", Q: f.Q, Fit: f, Found: m.found(f.Q)})
	}
	for i := range rep.Solutions {
		s := &rep.Solutions[i]
		g, err := m.Grid(s.Q)
		if err != nil {
			return nil, err
		}
		if s.Quadrature, err = Quadrature(m, s.Q, g); err != nil {
			return nil, fmt.Errorf("kl: %s: %w", s.Name, err)
		}
	}
	return rep, nil
}

// found names the part of the mixture q's mean is nearest: a component
// when it lies beyond a quarter of the separation from the middle.
func (m Mixture) found(q Gaussian) string {
	switch x := q.Mean[0]; {
	case x < -m.Separation/4 && m.Separation > 0:
		return "left component"
	case x > m.Separation/4 && m.Separation > 0:
		return "right component"
	}
	return "middle"
}

// RunCorrelated projects the correlated Gaussian onto the mean-field
// family: reverse KL in closed form and by SVI (guides.MeanField), forward
// KL in closed form.
func RunCorrelated(ctx context.Context, c Config) (*CorrelatedReport, error) {
	cor, err := NewCorrelated(c.Correlation)
	if err != nil {
		return nil, err
	}
	fs := c.MeanFieldFit
	if fs == (FitSettings{}) {
		fs = DefaultMeanFieldFit
	}
	f, err := FitReverse(ctx, cor.Model(), false, [2]float64{0, 0}, c.Seed, fs)
	if err != nil {
		return nil, err
	}
	rep := &CorrelatedReport{Correlation: c.Correlation, P: cor.P, Solutions: []Solution{
		{Name: "reverse mean field, closed form", Minimizes: "KL(q‖p)", Q: cor.ReverseMeanField()},
		{Name: "reverse mean field, SVI", Minimizes: "KL(q‖p)", Q: f.Q, Fit: f},
		{Name: "forward mean field (marginals), closed form", Minimizes: "KL(p‖q)", Q: cor.ForwardMeanField()},
	}}
	for i := range rep.Solutions {
		s := &rep.Solutions[i]
		pq, err := KLGaussian(cor.P, s.Q)
		if err != nil {
			return nil, err
		}
		qp, err := KLGaussian(s.Q, cor.P)
		if err != nil {
			return nil, err
		}
		s.ClosedPQ, s.ClosedQP = &pq, &qp
		g, err := GridFor(cor.P, s.Q)
		if err != nil {
			return nil, err
		}
		if s.Quadrature, err = Quadrature(cor.P, s.Q, g); err != nil {
			return nil, fmt.Errorf("kl: %s: %w", s.Name, err)
		}
	}
	return rep, nil
}
