package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/govi/govi/models/lfm"
	"github.com/govi/govi/svi"
)

// lfmSVIFlags are the flags of -method svi|amortized.
type lfmSVIFlags struct {
	estimators                     []string // parsed -estimator
	baseline                       string
	particles, steps, batch, draws int
	hidden                         int
	lr, temperature                float64
	dtype                          string // -dtype: float64 only (see checkSVI)
}

func declareLFMSVIFlags(fs *flag.FlagSet, f *lfmFlags) {
	s := &f.svi
	fs.StringVar(&f.estimator, "estimator", "score", "with -method svi|amortized: score, vimco, enum or concrete, or a comma list to fit with each and compare (the first gives the marginals)")
	fs.StringVar(&s.baseline, "baseline", "auto", "the score estimator's control variate: auto (leave-one-out from 2 particles, else the running average), none, loo, avg or nvil (a network of the row's data)")
	fs.IntVar(&s.particles, "particles", 0, "particles S per step; 0 means 8 for score and vimco, 1 for enum and concrete")
	fs.IntVar(&s.steps, "steps", 2000, "SVI steps (with -learn, of the joint fit of the parameters and q)")
	fs.Float64Var(&s.lr, "lr", 0.05, "Adam's learning rate")
	fs.Float64Var(&s.temperature, "temperature", svi.DefaultTemperature, "the concrete relaxation's temperature τ > 0")
	fs.IntVar(&s.hidden, "hidden", 64, "-method amortized: the encoder's hidden ReLU units (0 for a linear encoder)")
	fs.IntVar(&s.batch, "batch", 64, "-method amortized: rows per minibatch (the mean-field q of -method svi needs all rows every step)")
	fs.IntVar(&s.draws, "grad-draws", 100, "gradient estimates at the final parameters behind the reported gradient variance")
	fs.StringVar(&s.dtype, "dtype", "float64", "with -method svi|amortized: floating-point type of the training graph; float64 only: the estimators of binary factors (score, vimco, enum, concrete) stay float64")
}

// checkSVI validates the SVI flags; given is the set of flags on the
// command line.
func (f *lfmFlags) checkSVI() error {
	fail := func(format string, a ...any) error { return fmt.Errorf("train lfm: "+format, a...) }
	switch dt, err := svi.ParseDType(f.svi.dtype); {
	case err != nil:
		return fail("-dtype: %w", err)
	case dt == svi.Float32:
		// svi.New refuses float32 with these estimators: they read the
		// sampled binary states and log q on the host, or enumerate them.
		return fail("-dtype float32 is not supported: the estimators of binary factors (score, vimco, enum, concrete) stay float64")
	}
	svim := f.method == "svi" || f.method == "amortized"
	if !svim {
		for _, name := range []string{"estimator", "baseline", "particles", "steps", "lr", "temperature", "hidden", "batch", "grad-draws"} {
			if f.given[name] {
				return fail("-%s applies to -method svi|amortized", name)
			}
		}
		return nil
	}
	s := &f.svi
	s.estimators = nil
	for _, name := range strings.Split(f.estimator, ",") {
		est, err := svi.ParseEstimator(strings.TrimSpace(name))
		if err != nil || !map[svi.Estimator]bool{svi.ScoreELBO: true, svi.VIMCOBound: true, svi.EnumELBO: true, svi.ConcreteELBO: true}[est] {
			return fail("-estimator %q: want score, vimco, enum or concrete, or a comma list of them", name)
		}
		s.estimators = append(s.estimators, est.String())
	}
	if _, err := svi.ParseBaseline(s.baseline); err != nil {
		return fail("-baseline %q: want auto, none, loo, avg or nvil", s.baseline)
	}
	switch {
	case s.particles < 0:
		return fail("-particles %d: must be at least 1 (0 for the estimator's default)", s.particles)
	case s.steps < 1:
		return fail("-steps %d: need at least one step", s.steps)
	case !(s.lr > 0) || math.IsInf(s.lr, 1):
		return fail("-lr %v: must be a finite positive number", s.lr)
	case !(s.temperature > 0) || math.IsInf(s.temperature, 1):
		return fail("-temperature %v: τ must be a finite positive number", s.temperature)
	case s.hidden < 0:
		return fail("-hidden %d: must not be negative", s.hidden)
	case s.batch < 1:
		return fail("-batch %d: need at least one row", s.batch)
	case s.draws < 2:
		return fail("-grad-draws %d: need at least 2", s.draws)
	case f.method == "svi" && f.given["batch"]:
		return fail("-batch applies to -method amortized: the mean-field q of -method svi has one logit per row and uses all rows every step")
	case f.method == "svi" && f.given["hidden"]:
		return fail("-hidden applies to -method amortized")
	}
	return nil
}

// settings returns the lfm.SVISettings of estimator est.
func (s *lfmSVIFlags) settings(f *lfmFlags, est string) lfm.SVISettings {
	e, _ := svi.ParseEstimator(est)
	b, _ := svi.ParseBaseline(s.baseline)
	set := lfm.SVISettings{Estimator: e, Baseline: b, Particles: s.particles, Temperature: s.temperature,
		Steps: s.steps, LearnRate: s.lr, Seed: f.seed, GradDraws: s.draws, Starts: f.starts}
	if f.method == "amortized" {
		set.Amortized, set.Batch = true, s.batch
		if s.hidden > 0 {
			set.Hidden = []int{s.hidden}
		}
	}
	return set
}

// lfmEstimatorFit is one estimator's fit in report.json.
type lfmEstimatorFit struct {
	Estimator   string   `json:"estimator"`
	Particles   int      `json:"particles"`
	Baseline    string   `json:"baseline,omitempty"`
	ELBO        float64  `json:"elbo"`
	ELBOStdErr  float64  `json:"elbo_stderr"` // 0 when exact
	ELBOOf      string   `json:"elbo_of"`
	Steps       int      `json:"steps"`
	Seconds     float64  `json:"seconds"`
	SecPerStep  float64  `json:"seconds_per_step"`
	MarginalErr *float64 `json:"mean_abs_marginal_error,omitempty"` // against the exact posterior
	// GradientVariance is the variance of the gradient at the final
	// parameters, per parameter block (mean-field fits).
	GradientVariance *svi.GradientStats `json:"gradient_variance,omitempty"`
	Trace            []float64          `json:"elbo_estimate_trace"`
	lambda           [][]float64
	rows             []float64
}

// inferSVI fits q with each estimator (learning the parameters first with
// -learn and bernoulli outputs) and fills the report from the first.
func (rep *lfmReport) inferSVI(ctx context.Context, f *lfmFlags, data *lfmData, stderr io.Writer) error {
	for i, est := range f.svi.estimators {
		set := f.svi.settings(f, est)
		var fit *lfm.SVIFit
		var err error
		if i == 0 && f.learn && f.lik == lfm.Bernoulli {
			var p lfm.Params
			if p, fit, err = lfm.LearnSVI(ctx, data.x, f.factors, lfm.Bernoulli, 0, set); err == nil {
				rep.adoptParams(p, fmt.Sprintf("learned by variational EM through SVI (-learn: the %s estimator, %d start(s), point masses for W, b and the prior logits)", est, max(f.starts, 1)))
			}
		} else {
			if i == 0 {
				err = rep.exact(data)
			}
			if err == nil {
				fit, err = lfm.FitSVI(ctx, *rep.params, data.x, set)
			}
		}
		if err == nil && i == 0 && rep.post == nil && rep.LogEvidence == nil && len(rep.Notes) == 0 {
			err = rep.exact(data) // at the learned parameters
		}
		if err != nil {
			return fmt.Errorf("train lfm: -estimator %s: %w", est, err)
		}
		ef := rep.estimatorFit(est, set, fit)
		fmt.Fprintf(stderr, "lfm: %s (%s): ELBO %.4f after %d steps, %.3g s per step\n", f.method, est, ef.ELBO, ef.Steps, ef.SecPerStep)
		rep.Estimators = append(rep.Estimators, ef)
	}
	first := rep.Estimators[0]
	rep.ELBO, rep.Marginals, rep.ELBOTrace = first.ELBO, first.lambda, first.Trace
	rep.Iterations, rep.Converged = first.Steps, false
	rep.TraceOf = "the first estimator's ELBO estimate at every step (its bound for vimco, its relaxed objective for concrete)"
	rep.ELBOOf = first.ELBOOf
	if rep.post != nil && first.rows != nil {
		gap := make([]float64, rep.N)
		for n := range gap {
			gap[n] = rep.post.LogEvidence[n] - first.rows[n]
		}
		rep.setGap(gap)
	}
	if f.method == "amortized" && first.rows != nil {
		return rep.amortizationGap(ctx, f, data, first.rows)
	}
	return nil
}

// amortizationGap compares the encoder's per-row ELBO with the best
// per-row mean-field ELBO: CAVI's (gaussian outputs, exact coordinate
// ascent) or a mean-field SVI fit with the first estimator and the same
// steps (bernoulli outputs).
func (rep *lfmReport) amortizationGap(ctx context.Context, f *lfmFlags, data *lfmData, amortized []float64) error {
	var ref []float64
	var of string
	if rep.params.Likelihood == lfm.Gaussian {
		q, err := lfm.CAVI(*rep.params, data.x, lfm.Settings{MaxSweeps: f.iters})
		if err != nil {
			return fmt.Errorf("train lfm: the amortization gap's CAVI reference: %w", err)
		}
		ref, of = q.RowELBO, "CAVI's mean field (closed form) minus the encoder's ELBO, per row"
	} else {
		set := f.svi.settings(f, f.svi.estimators[0])
		set.Amortized, set.Batch, set.Hidden = false, 0, nil
		fit, err := lfm.FitSVI(ctx, *rep.params, data.x, set)
		if err != nil {
			return fmt.Errorf("train lfm: the amortization gap's mean-field reference: %w", err)
		}
		ref, of = fit.RowELBO, fmt.Sprintf("a mean-field SVI fit (%s, %d steps) minus the encoder's ELBO, per row; each row's larger of the two is the reference, so the gap is never negative", f.svi.estimators[0], f.svi.steps)
		for n := range ref {
			ref[n] = math.Max(ref[n], amortized[n])
		}
	}
	g := &lfmGap{PerDatum: make([]float64, len(ref))}
	for n := range ref {
		g.PerDatum[n] = ref[n] - amortized[n]
		g.Total += g.PerDatum[n]
	}
	g.Mean = g.Total / float64(len(ref))
	rep.AmortizationGap, rep.AmortizationGapOf = g, of
	if rep.post != nil {
		// The approximation gap is the mean-field family's: log p(x_n)
		// minus the reference, so that the two gaps add up to the
		// encoder's log p(x_n) − ELBO_n instead of counting the
		// amortization gap twice.
		approx := make([]float64, len(ref))
		for n := range ref {
			approx[n] = rep.post.LogEvidence[n] - ref[n]
		}
		rep.setGap(approx)
		rep.GapOf = "log evidence minus the mean-field reference of amortization_gap, per row; the encoder's own gap to the log evidence is approximation_gap + amortization_gap"
	}
	return nil
}

// estimatorFit describes one fit for the report.
func (rep *lfmReport) estimatorFit(est string, set lfm.SVISettings, fit *lfm.SVIFit) lfmEstimatorFit {
	if set.Particles == 0 { // the default lfm.FitSVI chose
		set.Particles = 1
		if est == "score" || est == "vimco" {
			set.Particles = 8
		}
	}
	ef := lfmEstimatorFit{Estimator: est, Particles: set.Particles, ELBO: fit.ELBO, ELBOStdErr: fit.ELBOStdErr,
		Steps: len(fit.Trace), Seconds: fit.Runtime.Seconds(), GradientVariance: fit.GradVar, Trace: fit.Trace,
		lambda: fit.Lambda, rows: fit.RowELBO}
	if est == "score" {
		b := set.Baseline
		if b == svi.BaselineAuto { // as svi.Config resolves it
			b = svi.BaselineAvg
			if set.Particles >= 2 {
				b = svi.BaselineLOO
			}
		}
		ef.Baseline = b.String()
	}
	if ef.Steps > 0 {
		ef.SecPerStep = ef.Seconds / float64(ef.Steps)
	}
	ef.ELBOOf = "q's ELBO, exact (by enumeration for K ≤ 20, in closed form for gaussian outputs)"
	if fit.ELBOStdErr > 0 {
		ef.ELBOOf = "q's ELBO, a Monte Carlo estimate (1,000 draws per row) with its standard error"
	}
	if rep.post != nil {
		d := meanAbsDiff(fit.Lambda, rep.post.Marginals)
		ef.MarginalErr = &d
	}
	return ef
}

// adoptParams replaces the report's parameters by learned ones.
func (rep *lfmReport) adoptParams(p lfm.Params, how string) {
	rep.params = &p
	rep.Params = how
	rep.Weights, rep.Bias, rep.Prior = p.W, p.B, p.Pi
}

func meanAbsDiff(a, b [][]float64) float64 {
	var s float64
	var n int
	for i := range a {
		for j := range a[i] {
			s += math.Abs(a[i][j] - b[i][j])
			n++
		}
	}
	return s / float64(n)
}
