package vae

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/govi/govi/svi"
)

// DefaultK are the importance samples of the test bounds of an
// AssessSettings with K nil.
var DefaultK = []int{1, 50, 500}

// AssessSettings control [Fitted.Assess]. The zero value is valid.
type AssessSettings struct {
	K        []int  // importance samples K of the test bounds; nil means DefaultK
	GapRows  int    // test rows for the amortization gap (the first ones); 0 skips it
	GapSteps int    // Adam steps of the gap's per-datum refit; 0 means DefaultLocalSteps
	Seed     uint64 // seeds the bounds' draws; the gap's refit uses Seed + 1
}

// Assessment is a fitted VAE's evaluation on test images, in nats per
// image; the JSON names are those of the vae command's report.
type Assessment struct {
	EvalSeconds float64 `json:"eval_seconds"`
	// NoiseScale is the Gaussian likelihood's fitted scale (0 for
	// Bernoulli).
	NoiseScale float64 `json:"noise_scale,omitempty"`
	TestELBO   float64 `json:"test_elbo"`
	TestELBOSE float64 `json:"test_elbo_stderr"`
	EvalDraws  int     `json:"eval_draws"` // draws of z per image, max K
	// TestIWAE and TestIWAESE are the bounds L_K and their standard
	// errors by K (as a decimal string).
	TestIWAE   map[string]float64 `json:"test_iwae"`
	TestIWAESE map[string]float64 `json:"test_iwae_stderr"`
	// Gap is the amortization gap on the first GapRows test images, nil
	// without; ApproxGap is its LocalIWAE − Local, the approximation gap
	// of Cremer et al. (2018) estimated from below.
	Gap       *Gap     `json:"amortization_gap,omitempty"`
	ApproxGap *float64 `json:"approximation_gap,omitempty"`
	// Diagnostics is the fit report of an amortized fit: per test image,
	// the PSIS k̂ and ESS of its draws of q(z | x) against p(x, z), as
	// medians (PSIS holds their distribution), with the ELBO and the IWAE
	// bound of the largest K; nil with fewer than 25 draws per image. Its
	// StopReason is left for the caller, who ran the fit.
	Diagnostics *svi.Diagnostics `json:"diagnostics,omitempty"`
	PSIS        *PSISSummary     `json:"psis_per_image,omitempty"`
	// Bounds are the bounds in increasing K.
	Bounds []Bound `json:"-"`
}

// Assess evaluates the fit on test: the ELBO and the importance-weighted
// bounds with [Net.Evaluate], the per-image PSIS report, and the
// amortization gap with [Net.AmortizationGap].
func (f *Fitted) Assess(ctx context.Context, test *Dataset, s AssessSettings) (*Assessment, error) {
	if err := test.check(); err != nil {
		return nil, err
	}
	ks := s.K
	if ks == nil {
		ks = DefaultK
	}
	if s.GapRows < 0 || s.GapSteps < 0 {
		return nil, fmt.Errorf("vae: Assess: GapRows and GapSteps must not be negative, got %d and %d", s.GapRows, s.GapSteps)
	}
	net, err := f.Net()
	if err != nil {
		return nil, err
	}
	a := &Assessment{NoiseScale: net.NoiseScale()}
	start := time.Now()
	ev, err := net.Evaluate(test.X, test.Rows, ks, s.Seed)
	if err != nil {
		return nil, err
	}
	a.TestELBO, a.TestELBOSE, a.EvalDraws, a.Bounds = ev.ELBO, ev.ELBOStdErr, ev.Draws, ev.IWAE
	a.TestIWAE, a.TestIWAESE = map[string]float64{}, map[string]float64{}
	for _, bd := range ev.IWAE {
		a.TestIWAE[strconv.Itoa(bd.K)] = bd.Mean
		a.TestIWAESE[strconv.Itoa(bd.K)] = bd.StdErr
	}
	if ev.PSIS != nil {
		last := ev.IWAE[len(ev.IWAE)-1]
		a.Diagnostics = &svi.Diagnostics{Draws: ev.Draws, ELBO: ev.ELBO, ELBOStdErr: ev.ELBOStdErr, IWAE: last.Mean,
			KHat: ev.PSIS.MedianKHat, KThreshold: ev.PSIS.Threshold, ESS: ev.PSIS.MedianESS, Steps: f.State.Iter,
			Verdict: ev.PSIS.Verdict()}
		a.PSIS = ev.PSIS
	}
	if n := min(s.GapRows, test.Rows); n > 0 {
		sub := test.Head(n)
		gap, err := net.AmortizationGap(ctx, sub.X, sub.Rows, LocalSettings{Steps: s.GapSteps, Seed: s.Seed + 1})
		if err != nil {
			return nil, fmt.Errorf("vae: amortization gap: %w", err)
		}
		a.Gap = gap
		approx := gap.LocalIWAE - gap.Local
		a.ApproxGap = &approx
	}
	a.EvalSeconds = time.Since(start).Seconds()
	return a, nil
}
