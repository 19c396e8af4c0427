package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/vae"
	"github.com/govi/govi/svi"
)

// sviFlags are the flags the SVI commands share. Each is declared once, in
// addSVIFlags; a command chooses their defaults and which optional groups
// it has with an sviSpec.
type sviFlags struct {
	spec       sviSpec
	steps      int
	lr         float64
	particles  int
	estimator  string
	guide      string
	rank       int
	seed       uint64
	checkpoint string
	ckWrite    string // where the checkpoints go (see planCheckpoint); "" means checkpoint
	every      int
	resume     string
	draws      int
	workers    int
	vectorize  bool
	// world is the command's place in a data-parallel fit (the zero value:
	// one process); the command sets it before trainer.
	world sviWorld
	// -optimizer and -natural-step (sviSpec.natural).
	optimizer   string
	naturalStep float64
	dtype       string // -dtype: float64 or float32 (see sviSpec.float32)
	// The flags of svi.Run's loop (sviSpec.loop).
	stop     bool
	average  bool
	clip     float64
	schedule string
}

// sviSpec is one command's use of the shared SVI flags: their defaults,
// which optional flags it declares and what their zero values mean there.
type sviSpec struct {
	steps     int
	lr        float64
	particles int
	estimator string
	seed      uint64
	draws     int // -diagnostic-draws
	// epochs: the command also has -epochs, and -steps 0 means "from
	// -epochs".
	epochs bool
	// noReport: -diagnostic-draws 0 skips the fit report.
	noReport bool
	// loop declares the flags of the svi.Run loop (-stop, -average,
	// -schedule, -clip) with the defaults below; bnn, which runs its own
	// epochs and annealing, leaves them out (they keep these values).
	loop          bool
	stop, average bool
	schedule      string
	// notes add a command's sentence to a flag's usage, by flag name.
	notes map[string]string
	// estimators are the command's own -estimator values beside svi's
	// (bnn's dvi), which its library call reads.
	estimators []string
	// guides are the command's own -guide values beside the shared ones
	// (bnn's lastlayer and lastlayer-full), which its library call reads.
	guides []string
	// natural declares -optimizer (adam or natural): the commands whose
	// trainer comes from sviFlags.trainer.
	natural bool
	// float32: the command accepts -dtype float32 (its model, guide and
	// estimator can train a float32 graph); the others refuse it, giving
	// noFloat32 as the reason when set.
	float32   bool
	noFloat32 string
	// ownEstimator, when not "", is the usage of -estimator: the command
	// validates its values itself (lfm's comma lists of discrete-site
	// estimators).
	ownEstimator string
	// autoParticles: -particles 0 means the estimator's own default.
	autoParticles bool
}

// naturalDecay is τ of -optimizer natural (the step is β/(1 + t/τ)), and
// naturalMomentum its γ; chosen on the TrueSkill 4F13 fits of
// benchmarks/trueskill_test.go (steps to the peer's stopping rule, ELBO and
// distance to the Gibbs posterior), see the README.
const (
	naturalDecay    = 100
	naturalMomentum = 0.6
)

// sviDefaults returns the spec of a command running svi.Run's loop with
// these defaults: seed 1, 2000 diagnostic draws, early stopping, iterate
// averaging and the plateau schedule.
func sviDefaults(steps int, lr float64, particles int, estimator string) sviSpec {
	return sviSpec{steps: steps, lr: lr, particles: particles, estimator: estimator, seed: 1, draws: 2000,
		loop: true, stop: true, average: true, schedule: "plateau"}
}

// optimizerName describes -optimizer for a report: "adam", or "natural
// (step β, decay τ)".
func (f *sviFlags) optimizerName() string {
	if f.optimizer == "natural" {
		return fmt.Sprintf("natural (step %g, decay %d, momentum %g)", f.naturalStep, naturalDecay, naturalMomentum)
	}
	return f.optimizer
}

// naturalSpec returns spec with -optimizer declared.
func naturalSpec(spec sviSpec) sviSpec {
	spec.natural = true
	return spec
}

// addSVIFlags declares the shared flags of spec on fs.
func addSVIFlags(fs *flag.FlagSet, spec sviSpec) *sviFlags {
	f := &sviFlags{spec: spec, stop: spec.stop, average: spec.average, schedule: spec.schedule}
	usage := func(name, u string) string {
		if n := spec.notes[name]; n != "" {
			return u + "; " + n
		}
		return u
	}
	steps := "SVI steps (in all, counting those of a resumed checkpoint)"
	if spec.epochs {
		steps += "; 0: from -epochs (a positive -steps overrides them)"
	}
	draws := "draws of q for the fit report (ELBO ± se, IWAE bound, PSIS k̂, ESS)"
	if spec.noReport {
		draws += "; 0 skips it"
	}
	fs.IntVar(&f.steps, "steps", spec.steps, usage("steps", steps))
	fs.Float64Var(&f.lr, "lr", spec.lr, usage("lr", "Adam learning rate"))
	fs.IntVar(&f.particles, "particles", spec.particles, usage("particles", "particles (Monte Carlo draws of q) per step"))
	estimator := "ELBO estimator: trace, entropy, kl, stl or iwae"
	if spec.ownEstimator != "" {
		estimator = spec.ownEstimator
	}
	fs.StringVar(&f.estimator, "estimator", spec.estimator, usage("estimator", estimator))
	fs.StringVar(&f.guide, "guide", "meanfield", usage("guide", "guide: meanfield, fullrank (D² parameters: small models only), lowrank or map"))
	fs.IntVar(&f.rank, "rank", 2, usage("rank", "rank of the lowrank guide's covariance factor"))
	fs.Uint64Var(&f.seed, "seed", spec.seed, usage("seed", "random seed"))
	fs.StringVar(&f.checkpoint, "checkpoint", "", usage("checkpoint", "write the fit's state to this `file` every -checkpoint-every steps and at the end (after a failure: the last good state); a file holding another fit than -resume's is replaced only when the run succeeds, its states go to file.pending until then"))
	fs.IntVar(&f.every, "checkpoint-every", 1000, usage("checkpoint-every", "steps between checkpoints"))
	fs.StringVar(&f.resume, "resume", "", usage("resume", "continue the fit saved in this checkpoint `file` (same data and flags as the run that wrote it: other data, players or model settings are refused)"))
	fs.IntVar(&f.draws, "diagnostic-draws", spec.draws, usage("diagnostic-draws", draws))
	fs.IntVar(&f.workers, "workers", 1, usage("workers", "graphs evaluating the particles in parallel (results depend on it, not on the machine); with -vectorize, goroutines sharing the particles inside the model's kernel where it has one (results do not depend on it)"))
	fs.StringVar(&f.dtype, "dtype", "float64", usage("dtype", "floating-point type of the training graph: float64 or float32 (blr with the meanfield, fullrank or lowrank guide, bnn with the meanfield guide, also with -local-reparam or -estimator dvi, trueskill, vae, also with -vectorize, gmm -method svi, lfm -method svi|amortized; with every estimator, iwae and the discrete ones included; parameters, optimizer state and checkpoints stay float64, and a checkpoint resumes only in the dtype that wrote it)"))
	fs.BoolVar(&f.vectorize, "vectorize", false, usage("vectorize", "evaluate all particles in one graph (models written for it: blr, trueskill, bnn regression; meanfield guide, entropy or kl estimator): same numbers, faster for many particles"))
	f.optimizer = "adam"
	if spec.natural {
		fs.StringVar(&f.optimizer, "optimizer", "adam", usage("optimizer", "adam, or natural: natural-gradient steps on the meanfield guide's Gaussian factors (Khan & Lin 2017; step -natural-step decaying as 1/(1 + t/100), momentum 0.6 on the means, each mean moving at most one sd per step), Adam at -lr for any other parameter"))
		fs.Float64Var(&f.naturalStep, "natural-step", 0.1, usage("natural-step", "initial step β in (0, 1] of -optimizer natural"))
	}
	if spec.loop {
		fs.BoolVar(&f.stop, "stop", spec.stop, usage("stop", "stop early once the ELBO has stopped improving (see svi.Convergence)"))
		fs.BoolVar(&f.average, "average", spec.average, usage("average", "average the iterates over the final plateau (Polyak–Ruppert)"))
		fs.Float64Var(&f.clip, "clip", 0, usage("clip", "clip the gradient's global norm to this value (0: no clipping)"))
		fs.StringVar(&f.schedule, "schedule", spec.schedule, usage("schedule", "learning-rate schedule: plateau (×0.3 after 2 flat windows of 250 steps, down to ×0.01), step (×0.1 at 50% and 75% of -steps) or none"))
	}
	return f
}

func (f *sviFlags) validate(cmd string) error {
	minSteps := 1
	if f.spec.epochs {
		minSteps = 0
	}
	if _, err := svi.ParseEstimator(f.estimator); err != nil && !slices.Contains(f.spec.estimators, f.estimator) && f.spec.ownEstimator == "" {
		want := "trace, entropy, kl, stl or iwae"
		if len(f.spec.estimators) > 0 {
			want = "trace, entropy, kl, stl, iwae or " + strings.Join(f.spec.estimators, ", ")
		}
		return fmt.Errorf("train %s: -estimator: unknown %q (want %s)", cmd, f.estimator, want)
	}
	dt, err := svi.ParseDType(f.dtype)
	if err != nil {
		return fmt.Errorf("train %s: -dtype: %w", cmd, err)
	}
	if dt == svi.Float32 && !f.spec.float32 {
		why := "train blr, bnn, gmm, lfm, trueskill and vae have it"
		if f.spec.noFloat32 != "" {
			why = f.spec.noFloat32
		}
		return fmt.Errorf("train %s: -dtype float32 is not supported by this command yet (%s)", cmd, why)
	}
	if !slices.Contains([]string{"meanfield", "fullrank", "lowrank", "map"}, f.guide) && !slices.Contains(f.spec.guides, f.guide) {
		want := "meanfield, fullrank, lowrank or map"
		if len(f.spec.guides) > 0 {
			want = "meanfield, fullrank, lowrank, map, " + strings.Join(f.spec.guides, ", ")
		}
		return fmt.Errorf("train %s: unknown -guide %q (want %s)", cmd, f.guide, want)
	}
	switch {
	case f.particles < 0 && f.spec.autoParticles:
		return fmt.Errorf("train %s: -particles must be at least 1 (or 0 for the estimator's default), got %d", cmd, f.particles)
	case f.particles < 1 && !f.spec.autoParticles:
		return fmt.Errorf("train %s: -particles must be at least 1, got %d", cmd, f.particles)
	case f.workers < 1:
		return fmt.Errorf("train %s: -workers must be at least 1, got %d", cmd, f.workers)
	case f.steps < minSteps:
		return fmt.Errorf("train %s: -steps must be at least %d, got %d", cmd, minSteps, f.steps)
	case !(f.lr > 0) || math.IsInf(f.lr, 0):
		return fmt.Errorf("train %s: -lr must be positive, got %v", cmd, f.lr)
	case f.rank < 1 || f.every < 1:
		return fmt.Errorf("train %s: -rank and -checkpoint-every must be at least 1, got %d and %d", cmd, f.rank, f.every)
	case f.spec.noReport && f.draws != 0 && f.draws < 25:
		return fmt.Errorf("train %s: -diagnostic-draws must be 0 (no fit report) or at least 25, got %d", cmd, f.draws)
	case !f.spec.noReport && f.draws < 25:
		return fmt.Errorf("train %s: -diagnostic-draws must be at least 25 (PSIS fits the largest 20%% of the weights, at least 5 of them)", cmd)
	case !(f.clip >= 0):
		return fmt.Errorf("train %s: -clip must be non-negative, got %v", cmd, f.clip)
	case f.schedule != "plateau" && f.schedule != "step" && f.schedule != "none":
		return fmt.Errorf("train %s: unknown -schedule %q (want plateau, step or none)", cmd, f.schedule)
	case !f.vectorize && f.particles > 0 && f.workers > f.particles:
		return fmt.Errorf("train %s: -workers must lie between 1 and -particles (%d), got %d", cmd, f.particles, f.workers)
	case f.vectorize && f.guide != "meanfield":
		return fmt.Errorf("train %s: -vectorize needs -guide meanfield, got %q", cmd, f.guide)
	case f.optimizer != "adam" && f.optimizer != "natural":
		return fmt.Errorf("train %s: unknown -optimizer %q (want adam or natural)", cmd, f.optimizer)
	case f.optimizer == "natural" && f.guide != "meanfield":
		return fmt.Errorf("train %s: -optimizer natural steps the meanfield guide's Gaussian factors; -guide %s has none (use -optimizer adam)", cmd, f.guide)
	case !(f.naturalStep > 0 && f.naturalStep <= 1) && f.optimizer == "natural":
		return fmt.Errorf("train %s: -natural-step must lie in (0, 1], got %v", cmd, f.naturalStep)
	case f.vectorize && f.estimator != "entropy" && f.estimator != "kl":
		return fmt.Errorf("train %s: -vectorize works with -estimator entropy or kl, got %q", cmd, f.estimator)
	}
	return nil
}

// guideFor returns the guide named by -guide.
func (f *sviFlags) guideFor(cmd string, mf guides.MeanField) (svi.Guide, error) {
	switch f.guide {
	case "meanfield":
		return mf, nil
	case "fullrank":
		return guides.FullRank{InitScale: mf.InitScale, InitLoc: mf.InitLoc}, nil
	case "lowrank":
		return guides.LowRank{Rank: f.rank, InitScale: mf.InitScale, InitLoc: mf.InitLoc}, nil
	case "map":
		return guides.Delta{InitLoc: mf.InitLoc}, nil
	}
	return nil, fmt.Errorf("train %s: unknown -guide %q (want meanfield, fullrank, lowrank or map)", cmd, f.guide)
}

func (f *sviFlags) config(cmd string) (svi.Config, error) {
	est, err := svi.ParseEstimator(f.estimator)
	if err != nil {
		return svi.Config{}, fmt.Errorf("train %s: %w", cmd, err)
	}
	if f.guide == "map" {
		est = svi.TraceELBO // a point mass: the objective is the log-joint
	}
	dt, err := svi.ParseDType(f.dtype)
	if err != nil {
		return svi.Config{}, fmt.Errorf("train %s: -dtype: %w", cmd, err)
	}
	cfg := svi.Config{Particles: f.particles, Workers: f.workers, Estimator: est, Optimizer: svi.Adam{LearnRate: f.lr}, ClipNorm: f.clip, Vectorize: f.vectorize, DType: dt}
	if f.optimizer == "natural" {
		cfg.Optimizer = guides.NaturalGradient{Step: f.naturalStep, Decay: naturalDecay, Momentum: naturalMomentum, Other: svi.Adam{LearnRate: f.lr}}
	}
	if f.vectorize {
		if cmd != "blr" && cmd != "trueskill" {
			return svi.Config{}, fmt.Errorf("train %s: -vectorize needs a model written for all particles at once (blr, trueskill, bnn regression)", cmd)
		}
		// One graph: the model's own kernel takes -workers, if it has one.
		if f.workers > 1 && cmd != "trueskill" {
			return svi.Config{}, fmt.Errorf("train %s: -vectorize evaluates the particles in one graph; -workers > 1 goes with it only for trueskill, whose kernel shares the particles out", cmd)
		}
		cfg.Workers = 1
	}
	return cfg, nil
}

// trainer builds the trainer of model with the guide -guide names (mf
// itself for meanfield; the others start from its InitLoc and InitScale),
// the configuration of the flags and the fingerprint fp of the data and
// settings, which -resume checks. In a data-parallel fit (f.world) the
// trainer all-reduces each step over the ranks.
func (f *sviFlags) trainer(cmd string, model svi.Model, mf guides.MeanField, fp svi.Fingerprint) (*svi.Trainer, svi.Guide, svi.Config, error) {
	guide, err := f.guideFor(cmd, mf)
	if err != nil {
		return nil, nil, svi.Config{}, err
	}
	cfg, err := f.config(cmd)
	if err != nil {
		return nil, nil, svi.Config{}, err
	}
	if f.optimizer == "natural" {
		// Its state has other slots than Adam's: a resume across optimizers
		// is refused naming the flag (Adam's checkpoints keep their keys).
		fp = maps.Clone(fp)
		if fp == nil {
			fp = svi.Fingerprint{}
		}
		fp["optimizer"] = f.optimizerName()
	}
	cfg.Fingerprint = fp
	cfg.Reduce = f.world.reducer()
	tr, err := svi.New(model, guide, cfg)
	if err != nil {
		return nil, nil, svi.Config{}, fmt.Errorf("train %s: %w", cmd, err)
	}
	return tr, guide, cfg, nil
}

// fitOutcome is what a fit reports.
type fitOutcome struct {
	Diagnostics *svi.Diagnostics `json:"diagnostics"`
	Trace       []float64        `json:"elbo_trace"`
	Seconds     float64          `json:"train_seconds"`
	Retries     int              `json:"guard_retries"`
	LR          *lrUsed          `json:"learning_rate"`
	Reason      string           `json:"-"` // why the run stopped
}

// sviRun runs a fit with the shared flags: Start makes or resumes the
// state, Run runs svi.Run with progress on stderr, a divergence guard, the
// stopping rule, averaging, the schedule and periodic checkpoints, plot
// draws the ELBO trace and report makes the fit report. It is the
// vae.Driver of the vae command; fitSVI strings the steps together for the
// others. Its errors do not name the command.
type sviRun struct {
	f      *sviFlags
	stderr io.Writer
	out    fitOutcome
	data   svi.Batch // the whole data, for the fit report
	total  int       // the steps planned in all, which a resumed state must not exceed
}

var _ vae.Driver = (*sviRun)(nil)

// Start returns a new state, or the -resume checkpoint's.
func (r *sviRun) Start(t *svi.Trainer) (*svi.State, error) {
	if r.f.resume == "" {
		return t.Init(r.f.seed)
	}
	st, err := t.LoadCheckpoint(r.f.resume)
	if de := (*svi.DTypeError)(nil); errors.As(err, &de) {
		return nil, fmt.Errorf("-resume %s was written with -dtype %v and this run has -dtype %v: resume with -dtype %v (a fit continues in the dtype that began it)", r.f.resume, de.Checkpoint, de.Trainer, de.Checkpoint)
	}
	if err == nil {
		err = t.CheckReplicas(st) // every rank loaded the same state
	}
	if err != nil {
		return nil, err
	}
	if st.Iter > r.total {
		plan := "-steps"
		if r.f.spec.epochs {
			plan = "-steps or -epochs"
		}
		return nil, fmt.Errorf("-resume %s has taken %d steps, more than the %d this run plans (%s)", r.f.resume, st.Iter, r.total, plan)
	}
	fmt.Fprintf(r.stderr, "resumed from %s at step %d\n", r.f.resume, st.Iter)
	return st, nil
}

// Run advances st to total steps. On failure it still saves the last good
// state (to -checkpoint) and returns the error.
func (r *sviRun) Run(ctx context.Context, t *svi.Trainer, st *svi.State, total int, next func() (svi.Batch, error)) error {
	f := r.f
	prog := newProgress(r.stderr, total-st.Iter, st.Iter)
	prog.watch(st)
	var ck *svi.Checkpointer
	rec := svi.Recorder(prog)
	if f.checkpoint != "" && f.world.writes() {
		ck = &svi.Checkpointer{Trainer: t, State: st, Path: f.ckPath(), Every: f.every}
		rec = svi.Recorders(prog, ck)
	}
	save := func() error {
		if ck == nil {
			return nil
		}
		return ck.Save()
	}
	settings := &svi.Settings{Steps: total - st.Iter, Recorder: rec, Guard: &svi.Guard{Factor: guardFactor}, Average: f.average}
	if f.stop {
		settings.Stop = &svi.Convergence{}
	}
	switch f.schedule {
	case "plateau":
		settings.Schedule = &svi.ReduceOnPlateau{Window: 250, Patience: 2, Factor: 0.3, MinScale: 0.01}
	case "step":
		settings.Schedule = stepAt{total}
	}
	r.out.Reason = "step limit"
	var runErr error
	if settings.Steps > 0 {
		var res *svi.Result
		res, runErr = svi.Run(ctx, t, st, next, settings)
		if res != nil {
			r.out.Retries, r.out.Seconds, r.out.Reason = res.Retries, res.Runtime.Seconds(), res.Reason
		}
	}
	r.out.LR = newLRUsed(f.lr, st)
	prog.retried(r.out.Retries, r.out.LR)
	// The final state (or, after a failure, the last good one) is saved
	// whatever happened, so nothing fitted is lost.
	if err := save(); err != nil {
		return err
	}
	if runErr != nil && ck != nil {
		runErr = fmt.Errorf("%w (%s)", runErr, f.savedNote())
	}
	return runErr
}

// keepTrace keeps the ELBO trace of st.
func (r *sviRun) keepTrace(st *svi.State) {
	r.out.Trace = r.out.Trace[:0]
	for _, l := range st.Trace {
		r.out.Trace = append(r.out.Trace, -l)
	}
}

// plot stages the ELBO trace's plot, elbo.png, in od.
func (r *sviRun) plot(od *outDir) error {
	if err := od.WriteFile("elbo.png", func(w io.Writer) error { return plotTrace(w, r.out.Trace) }); err != nil {
		return fmt.Errorf("ELBO plot: %w", err)
	}
	return nil
}

// report makes the fit report (svi.Trainer.Diagnose with
// -diagnostic-draws), except for a model with local sites.
func (r *sviRun) report(t *svi.Trainer, st *svi.State) error {
	for _, s := range t.Sites() {
		if s.Scale != 1 {
			// Importance weights over one minibatch of local latents say
			// nothing about the fit of the whole data set.
			fmt.Fprintf(r.stderr, "%s after %d steps; no PSIS report for a model with local (minibatch-scaled) site %q\n", r.out.Reason, st.Iter, s.Name)
			return nil
		}
	}
	d, err := t.Diagnose(st, r.data, r.f.draws, r.f.seed+1)
	if err != nil {
		return fmt.Errorf("diagnostics: %w", err)
	}
	d.StopReason = r.out.Reason
	r.out.Diagnostics = d
	fmt.Fprintf(r.stderr, "%s after %d steps: ELBO %.4f ± %.4f, IWAE %.4f, k̂ %.2f — %s\n", r.out.Reason, st.Iter, d.ELBO, d.ELBOStdErr, d.IWAE, d.KHat, d.Verdict)
	return nil
}

// fitSVI runs the full-batch fit of t on data (nil for a model without
// data) with the shared flags (see sviRun), from a new or resumed state,
// and then stages the plot of the ELBO trace in od and makes the fit
// report on the same data. On failure it returns the state (the last good
// one, also saved to -checkpoint) with the error.
func fitSVI(ctx context.Context, cmd string, f *sviFlags, t *svi.Trainer, data svi.Batch, od *outDir, stderr io.Writer) (*svi.State, *fitOutcome, error) {
	return fitShard(ctx, cmd, f, t, t, data, data, od, stderr)
}

// fitShard is fitSVI for rank f.world of a data-parallel fit: t fits the
// rank's shard of the data, and eval, the model of the whole data, makes
// the fit report on rank 0 (see sviFlags.shardTrainers). The other ranks
// stop after the fit, with no plot nor report.
func fitShard(ctx context.Context, cmd string, f *sviFlags, t, eval *svi.Trainer, shard, whole svi.Batch, od *outDir, stderr io.Writer) (*svi.State, *fitOutcome, error) {
	r := &sviRun{f: f, stderr: stderr, data: whole, total: f.steps}
	st, err := r.Start(t)
	if err == nil && shard != nil {
		err = t.Feed(shard)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("train %s: %w", cmd, err)
	}
	err = r.Run(ctx, t, st, f.steps, nil)
	r.keepTrace(st)
	if err == nil && !f.world.writes() {
		return st, &r.out, nil
	}
	if err == nil {
		err = r.plot(od)
	}
	if err == nil {
		err = r.report(eval, st)
	}
	if err != nil {
		return st, &r.out, fmt.Errorf("train %s: %w", cmd, err)
	}
	return st, &r.out, nil
}

// plotTrace draws the ELBO of every step and its moving average, as a
// PNG written to w.
func plotTrace(w io.Writer, elbo []float64) error {
	p := plot.New()
	p.Title.Text = "ELBO during the fit"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "ELBO estimate"
	raw := make(plotter.XYs, len(elbo))
	for i, v := range elbo {
		raw[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	win := max(1, len(elbo)/50)
	var smooth plotter.XYs
	sum := 0.0
	for i, v := range elbo {
		sum += v
		if i >= win {
			sum -= elbo[i-win]
		}
		if i >= win-1 {
			smooth = append(smooth, plotter.XY{X: float64(i + 1), Y: sum / float64(win)})
		}
	}
	if len(raw) > 0 {
		// Keep the plot readable: the y range follows the smoothed curve's
		// last 90%, not the first steps' far lower values.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, xy := range smooth[len(smooth)/10:] {
			lo, hi = math.Min(lo, xy.Y), math.Max(hi, xy.Y)
		}
		pad := 0.5*(hi-lo) + 1e-9
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
		s, err := plotter.NewScatter(raw)
		if err != nil {
			return err
		}
		s.GlyphStyle.Radius = vg.Points(0.6)
		s.GlyphStyle.Color = plotter.DefaultGlyphStyle.Color
		l, err := plotter.NewLine(smooth)
		if err != nil {
			return err
		}
		l.LineStyle.Width = vg.Points(1.5)
		p.Add(s, l)
		p.Legend.Add("per step", s)
		p.Legend.Add(fmt.Sprintf("mean of %d steps", win), l)
		p.Legend.Top = false
	}
	return writePNG(w, p, 7*vg.Inch, 4*vg.Inch)
}

// writePNG writes the plot p of the given size to w as a PNG.
func writePNG(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	wt, err := p.WriterTo(width, height, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// stepAt multiplies the learning rate by 0.1 at half and again at three
// quarters of the planned steps.
type stepAt struct{ total int }

func (s stepAt) Scale(st *svi.State) float64 {
	switch {
	case st.Iter >= 3*s.total/4:
		return 0.01
	case st.Iter >= s.total/2:
		return 0.1
	}
	return 1
}
