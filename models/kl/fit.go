package kl

import (
	"context"
	"fmt"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// FitSettings are the SVI settings of a reverse-KL fit. The zero value is
// valid: every zero field takes the default written beside it.
type FitSettings struct {
	Steps     int     // Adam steps; 0 means 4,000
	Particles int     // draws of q per step; 0 means 16
	LearnRate float64 // initial learning rate; 0 means 0.05
	// SGD selects plain stochastic gradient descent instead of Adam.
	SGD bool
	// Vectorize builds all particles at once (svi.Config.Vectorize; the
	// mean-field guide and a svi.VectorModel only).
	Vectorize bool
	// Draws is the number of draws of q behind the final −ELBO estimate;
	// 0 means 5,000.
	Draws int
}

func (s FitSettings) withDefaults() (FitSettings, error) {
	if s.Steps == 0 {
		s.Steps = 4000
	}
	if s.Particles == 0 {
		s.Particles = 16
	}
	if s.LearnRate == 0 {
		s.LearnRate = 0.05
	}
	if s.Draws == 0 {
		s.Draws = 5000
	}
	if s.Steps < 0 || s.Particles < 0 || s.Draws < 0 || !(s.LearnRate > 0) {
		return s, fmt.Errorf("kl: FitSettings %+v: steps, particles and draws must be ≥ 0 and the learning rate positive", s)
	}
	return s, nil
}

// Fit is one reverse-KL fit by SVI.
type Fit struct {
	Q Gaussian `json:"q"`
	// Start is the guide's initial location.
	Start [2]float64 `json:"start"`
	// NegELBO is the Monte Carlo estimate of −ELBO = KL(q‖p) (p is
	// normalized) over FitSettings.Draws draws, with its standard error.
	NegELBO       float64 `json:"neg_elbo"`
	NegELBOStdErr float64 `json:"neg_elbo_stderr"`
	Seed          uint64  `json:"seed"`
}

// FitReverse fits q to minimize KL(q‖p) for the model over one 2-vector
// site "z" by SVI with the entropy estimator, starting the guide's
// location at start: guides.FullRank when fullRank is set, guides.MeanField
// otherwise. The learning rate falls by a factor 0.3 at each quarter of the
// steps, and the parameters are averaged over the second
// half (Polyak–Ruppert). The same seed gives the same fit.
func FitReverse(ctx context.Context, model svi.Model, fullRank bool, start [2]float64, seed uint64, s FitSettings) (*Fit, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	init := map[string][]float64{"z": start[:]}
	var g svi.Guide = guides.MeanField{InitLoc: init, InitScale: 0.5}
	if fullRank {
		g = guides.FullRank{InitLoc: init, InitScale: 0.5}
	}
	var opt svi.Optimizer = svi.Adam{LearnRate: s.LearnRate}
	if s.SGD {
		opt = svi.SGD{LearnRate: s.LearnRate}
	}
	tr, err := svi.New(model, g, svi.Config{Particles: s.Particles, Estimator: svi.EntropyELBO, Optimizer: opt, Vectorize: s.Vectorize})
	if err != nil {
		return nil, fmt.Errorf("kl: %w", err)
	}
	st, err := tr.Init(seed)
	if err != nil {
		return nil, fmt.Errorf("kl: %w", err)
	}
	sched := svi.StepDecay{Every: max(s.Steps/4, 1), Factor: 0.3}
	if _, err := svi.Run(ctx, tr, st, nil, &svi.Settings{Steps: s.Steps, Schedule: sched, Average: true}); err != nil {
		return nil, fmt.Errorf("kl: %w", err)
	}
	f := &Fit{Start: start, Seed: seed}
	if f.Q, err = readQ(g, st, tr.Sites()); err != nil {
		return nil, err
	}
	elbo, se, err := tr.ELBO(st, nil, s.Draws, seed+1)
	if err != nil {
		return nil, fmt.Errorf("kl: %w", err)
	}
	f.NegELBO, f.NegELBOStdErr = -elbo, se
	return f, nil
}

// readQ returns the fitted guide as a Gaussian.
func readQ(g svi.Guide, st *svi.State, sites []svi.Site) (Gaussian, error) {
	var q Gaussian
	switch g := g.(type) {
	case guides.FullRank:
		loc, ok := st.Params.Get("guides/z/loc")
		if !ok || len(loc) != 2 {
			return q, fmt.Errorf("kl: no FullRank location for site z")
		}
		c := g.Cov(st.Params, sites)
		q.Mean = [2]float64{loc[0], loc[1]}
		q.Cov = [2][2]float64{{c.At(0, 0), c.At(0, 1)}, {c.At(1, 0), c.At(1, 1)}}
	case guides.MeanField:
		m, sd, err := g.Moments(st.Params, sites, 0)
		if err != nil {
			return q, fmt.Errorf("kl: %w", err)
		}
		q.Mean = [2]float64{m[0], m[1]}
		q.Cov = [2][2]float64{{sd[0] * sd[0], 0}, {0, sd[1] * sd[1]}}
	default:
		return q, fmt.Errorf("kl: unexpected guide %T", g)
	}
	return q, q.Validate()
}
