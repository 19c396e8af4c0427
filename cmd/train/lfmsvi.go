package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/govi/govi/models/lfm"
	"github.com/govi/govi/svi"
)

// lfmSVIFlags are the flags of -method svi|amortized beside the shared
// SVI flags (sf).
type lfmSVIFlags struct {
	sf          *sviFlags
	estimators  []string // parsed -estimator
	baseline    string
	batch       int
	draws       int
	hidden      int
	temperature float64
}

// lfmSVISpec is the lfm command's use of the shared SVI flags: plain Adam
// by default (no early stop, no averaging, a constant learning rate), as
// the PyTorch peer and the RESULTS tables run it; -stop, -average and
// -schedule plateau turn on what the other SVI commands do by default.
func lfmSVISpec() sviSpec {
	spec := sviDefaults(2000, 0.05, 0, "score")
	spec.stop, spec.average, spec.schedule = false, false, "none"
	spec.autoParticles = true
	spec.float32 = true // every estimator of binary factors, both guides
	spec.ownEstimator = "with -method svi|amortized: score, vimco, enum or concrete, or a comma list to fit with each and compare (the first gives the marginals)"
	spec.notes = map[string]string{
		"steps":      "with -learn, of the joint fit of the parameters and q",
		"particles":  "0 means 8 for score and vimco, 1 for enum and concrete",
		"seed":       "also of -data bars and of the -learn starts",
		"checkpoint": "-method svi|amortized with one -estimator (and one -learn start)",
	}
	return spec
}

func declareLFMSVIFlags(fs *flag.FlagSet, f *lfmFlags) {
	s := &f.svi
	s.sf = addSVIFlags(fs, lfmSVISpec())
	fs.StringVar(&s.baseline, "baseline", "auto", "the score estimator's control variate: auto (leave-one-out from 2 particles, else the running average), none, loo, avg or nvil (a network of the row's data)")
	fs.Float64Var(&s.temperature, "temperature", svi.DefaultTemperature, "the concrete relaxation's temperature τ > 0")
	fs.IntVar(&s.hidden, "hidden", 64, "-method amortized: the encoder's hidden ReLU units (0 for a linear encoder)")
	fs.IntVar(&s.batch, "batch", 64, "-method amortized: rows per minibatch (the mean-field q of -method svi needs all rows every step)")
	fs.IntVar(&s.draws, "grad-draws", 100, "gradient estimates at the final parameters behind the reported gradient variance")
}

// lfmSVIOnly are the flags of -method svi|amortized; lfmNever the shared
// SVI flags the lfm command does not take (its guides are the discrete
// mean field and encoder, its ELBO is scored exactly or from 1,000 draws
// per row, and its graphs are one per fit).
var (
	lfmSVIOnly = []string{"estimator", "baseline", "particles", "steps", "lr", "temperature", "hidden", "batch", "grad-draws",
		"checkpoint", "checkpoint-every", "resume", "stop", "average", "clip", "schedule", "dtype"}
	lfmNever = map[string]string{
		"guide":            "q is the mean-field Bernoulli (-method svi) or the encoder (-method amortized)",
		"rank":             "it goes with -guide lowrank, which lfm does not have",
		"vectorize":        "lfm's discrete estimators evaluate one model instance per particle",
		"workers":          "lfm's fits run in one graph",
		"diagnostic-draws": "lfm scores q's ELBO exactly (or from 1,000 draws per row) and reports the gradient variance (-grad-draws)",
	}
)

// checkSVI validates the SVI flags; given is the set of flags on the
// command line.
func (f *lfmFlags) checkSVI() error {
	fail := func(format string, a ...any) error { return fmt.Errorf("train lfm: "+format, a...) }
	for _, name := range slices.Sorted(maps.Keys(lfmNever)) {
		if f.given[name] {
			return fail("-%s does not apply to lfm: %s", name, lfmNever[name])
		}
	}
	svim := f.method == "svi" || f.method == "amortized"
	if !svim {
		for _, name := range lfmSVIOnly {
			if f.given[name] {
				return fail("-%s applies to -method svi|amortized", name)
			}
		}
		return nil
	}
	s := &f.svi
	if err := s.sf.validate("lfm"); err != nil {
		return err
	}
	s.estimators = nil
	for _, name := range strings.Split(s.sf.estimator, ",") {
		est, err := svi.ParseEstimator(strings.TrimSpace(name))
		if err != nil || !map[svi.Estimator]bool{svi.ScoreELBO: true, svi.VIMCOBound: true, svi.EnumELBO: true, svi.ConcreteELBO: true}[est] {
			return fail("-estimator %q: want score, vimco, enum or concrete, or a comma list of them", name)
		}
		s.estimators = append(s.estimators, est.String())
	}
	if _, err := svi.ParseBaseline(s.baseline); err != nil {
		return fail("-baseline %q: want auto, none, loo, avg or nvil", s.baseline)
	}
	return f.checkSVIValues()
}

// checkSVIValues validates the lfm command's own SVI flags and their
// combinations with the shared ones.
func (f *lfmFlags) checkSVIValues() error {
	fail := func(format string, a ...any) error { return fmt.Errorf("train lfm: "+format, a...) }
	s := &f.svi
	ck := s.sf.checkpoint != "" || s.sf.resume != ""
	switch {
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
	case ck && len(s.estimators) > 1:
		return fail("-checkpoint and -resume hold one fit: give one -estimator, not the list %q", s.sf.estimator)
	case ck && f.learn && f.starts > 1:
		return fail("-checkpoint and -resume hold one fit: -learn with them needs -starts 1, got %d", f.starts)
	}
	return nil
}

// settings returns the lfm.SVISettings of estimator est. The first
// estimator's fit runs through the shared loop of sviRun (drv); a fit
// without it (the amortization gap's reference) runs plain Adam.
func (s *lfmSVIFlags) settings(f *lfmFlags, est string, drv lfm.Driver) lfm.SVISettings {
	e, _ := svi.ParseEstimator(est)
	b, _ := svi.ParseBaseline(s.baseline)
	dt, _ := svi.ParseDType(s.sf.dtype) // checked by validate
	set := lfm.SVISettings{Estimator: e, Baseline: b, Particles: s.sf.particles, Temperature: s.temperature,
		Steps: s.sf.steps, LearnRate: s.sf.lr, Seed: f.seed, GradDraws: s.draws, Starts: f.starts,
		ClipNorm: s.sf.clip, DType: dt, Driver: drv}
	if f.method == "amortized" {
		set.Amortized, set.Batch = true, s.batch
		if s.hidden > 0 {
			set.Hidden = []int{s.hidden}
		}
	}
	return set
}

// lfmDriver runs an lfm fit through the shared SVI loop (sviRun): a new
// state from the fit's seed (each -learn start has its own), or the
// -resume checkpoint's.
type lfmDriver struct{ *sviRun }

var _ lfm.Driver = lfmDriver{}

func (d lfmDriver) Start(t *svi.Trainer, seed uint64) (*svi.State, error) {
	if d.f.resume == "" {
		return t.Init(seed)
	}
	return d.sviRun.Start(t)
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
	// The shared SVI loop's outcome: why it stopped, the divergence
	// guard's retries and the learning rate used.
	StopReason string  `json:"stop_reason"`
	Retries    int     `json:"guard_retries"`
	LR         *lrUsed `json:"learning_rate,omitempty"`
	lambda     [][]float64
	rows       []float64
}

// inferSVI fits q with each estimator (learning the parameters first with
// -learn and bernoulli outputs) and fills the report from the first.
func (rep *lfmReport) inferSVI(ctx context.Context, f *lfmFlags, data *lfmData, stderr io.Writer) error {
	for i, est := range f.svi.estimators {
		run := &sviRun{f: f.svi.sf, stderr: stderr, total: f.svi.sf.steps}
		set := f.svi.settings(f, est, lfmDriver{run})
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
		ef.StopReason, ef.Retries, ef.LR = run.out.Reason, run.out.Retries, run.out.LR
		fmt.Fprintf(stderr, "lfm: %s (%s): ELBO %.4f after %d steps, %.3g s per step\n", f.method, est, ef.ELBO, ef.Steps, ef.SecPerStep)
		rep.Estimators = append(rep.Estimators, ef)
	}
	first := rep.Estimators[0]
	rep.ELBO, rep.Marginals, rep.ELBOTrace = first.ELBO, first.lambda, first.Trace
	rep.Iterations, rep.Converged = first.Steps, false
	rep.TraceOf = "the first estimator's ELBO estimate at every step (its bound for vimco, its relaxed objective for concrete)"
	rep.ELBOOf = first.ELBOOf
	if first.ELBOStdErr > 0 {
		se := first.ELBOStdErr
		rep.ELBOStdErr = &se
	}
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
		set := f.svi.settings(f, f.svi.estimators[0], nil)
		set.Amortized, set.Batch, set.Hidden = false, 0, nil
		fit, err := lfm.FitSVI(ctx, *rep.params, data.x, set)
		if err != nil {
			return fmt.Errorf("train lfm: the amortization gap's mean-field reference: %w", err)
		}
		ref, of = fit.RowELBO, fmt.Sprintf("a mean-field SVI fit (%s, %d steps) minus the encoder's ELBO, per row; each row's larger of the two is the reference, so the gap is never negative", f.svi.estimators[0], f.svi.sf.steps)
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
