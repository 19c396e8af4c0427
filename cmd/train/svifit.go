package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// sviFlags are the flags every SVI command shares.
type sviFlags struct {
	steps      *int
	lr         *float64
	particles  *int
	estimator  *string
	guide      *string
	rank       *int
	seed       *uint64
	checkpoint *string
	every      *int
	resume     *string
	stop       *bool
	average    *bool
	clip       *float64
	draws      *int
	schedule   *string
	workers    *int
	vectorize  *bool
}

func addSVIFlags(fs *flag.FlagSet, steps int, lr float64, particles int, estimator string) *sviFlags {
	return &sviFlags{
		steps:      fs.Int("steps", steps, "SVI steps (in all, counting those of a resumed checkpoint)"),
		lr:         fs.Float64("lr", lr, "Adam learning rate"),
		particles:  fs.Int("particles", particles, "particles (Monte Carlo draws) per step"),
		estimator:  fs.String("estimator", estimator, "ELBO estimator: trace, entropy, kl, stl or iwae"),
		guide:      fs.String("guide", "meanfield", "guide: meanfield, fullrank, lowrank or map"),
		rank:       fs.Int("rank", 2, "rank of the lowrank guide's covariance factor"),
		seed:       fs.Uint64("seed", 1, "random seed"),
		checkpoint: fs.String("checkpoint", "", "write a checkpoint to this `file` during and after the fit"),
		every:      fs.Int("checkpoint-every", 1000, "steps between checkpoints"),
		resume:     fs.String("resume", "", "resume from this checkpoint `file`"),
		stop:       fs.Bool("stop", true, "stop early once the ELBO has stopped improving (see svi.Convergence)"),
		average:    fs.Bool("average", true, "average the iterates over the final plateau (Polyak–Ruppert)"),
		clip:       fs.Float64("clip", 0, "clip the gradient's global norm to this value (0: no clipping)"),
		draws:      fs.Int("diagnostic-draws", 2000, "draws for the final ELBO, IWAE bound and PSIS k̂"),
		workers:    fs.Int("workers", 1, "graphs evaluating the particles in parallel (results depend on it, not on the machine); with -vectorize, goroutines sharing the particles inside the model's kernel where it has one (results do not depend on it)"),
		vectorize:  fs.Bool("vectorize", false, "evaluate all particles in one graph (models written for it: blr, trueskill; meanfield guide, entropy or kl estimator): same numbers, faster for many particles"),
		schedule:   fs.String("schedule", "plateau", "learning-rate schedule: plateau (×0.3 after 2 flat windows of 250 steps, down to ×0.01), step (×0.1 at 50% and 75% of -steps) or none"),
	}
}

func (f *sviFlags) validate(cmd string) error {
	switch {
	case *f.particles < 1:
		return fmt.Errorf("train %s: -particles must be at least 1, got %d", cmd, *f.particles)
	case *f.steps < 1:
		return fmt.Errorf("train %s: -steps must be at least 1, got %d", cmd, *f.steps)
	case !(*f.lr > 0) || math.IsInf(*f.lr, 0):
		return fmt.Errorf("train %s: -lr must be positive, got %v", cmd, *f.lr)
	case *f.every < 1:
		return fmt.Errorf("train %s: -checkpoint-every must be at least 1", cmd)
	case *f.draws < 25:
		return fmt.Errorf("train %s: -diagnostic-draws must be at least 25 (PSIS fits the largest 20%% of the weights, at least 5 of them)", cmd)
	case *f.clip < 0:
		return fmt.Errorf("train %s: -clip must be non-negative", cmd)
	case *f.schedule != "plateau" && *f.schedule != "step" && *f.schedule != "none":
		return fmt.Errorf("train %s: unknown -schedule %q (want plateau, step or none)", cmd, *f.schedule)
	}
	return nil
}

// guideFor returns the guide named by -guide.
func (f *sviFlags) guideFor(cmd string, mf guides.MeanField) (svi.Guide, error) {
	switch *f.guide {
	case "meanfield":
		return mf, nil
	case "fullrank":
		return guides.FullRank{InitScale: mf.InitScale, InitLoc: mf.InitLoc}, nil
	case "lowrank":
		if *f.rank < 1 {
			return nil, fmt.Errorf("train %s: -rank must be at least 1", cmd)
		}
		return guides.LowRank{Rank: *f.rank, InitScale: mf.InitScale, InitLoc: mf.InitLoc}, nil
	case "map":
		return guides.Delta{InitLoc: mf.InitLoc}, nil
	}
	return nil, fmt.Errorf("train %s: unknown -guide %q (want meanfield, fullrank, lowrank or map)", cmd, *f.guide)
}

func (f *sviFlags) config(cmd string) (svi.Config, error) {
	est, err := svi.ParseEstimator(*f.estimator)
	if err != nil {
		return svi.Config{}, fmt.Errorf("train %s: %w", cmd, err)
	}
	if *f.guide == "map" {
		est = svi.TraceELBO // a point mass: the objective is the log-joint
	}
	cfg := svi.Config{Particles: *f.particles, Workers: *f.workers, Estimator: est, Optimizer: svi.Adam{LearnRate: *f.lr}, ClipNorm: *f.clip, Vectorize: *f.vectorize}
	if *f.vectorize {
		// One graph: the model's own kernel takes -workers, if it has one.
		if *f.workers > 1 && cmd != "trueskill" {
			return svi.Config{}, fmt.Errorf("train %s: -vectorize evaluates the particles in one graph; -workers > 1 goes with it only for trueskill, whose kernel shares the particles out", cmd)
		}
		cfg.Workers = 1
	}
	return cfg, nil
}

// fitOutcome is what a fit reports.
type fitOutcome struct {
	Diagnostics *svi.Diagnostics `json:"diagnostics"`
	Trace       []float64        `json:"elbo_trace"`
	Seconds     float64          `json:"train_seconds"`
	Retries     int              `json:"guard_retries"`
	Reason      string           `json:"-"` // why the run stopped
}

// fitData is what a fit trains on: the whole data set, fed once (Full,
// nil for a model without data), or minibatches of it (Batches, whose rows
// Feed turns into a batch). Full also serves the fit report.
type fitData struct {
	Full    svi.Batch
	Batches *svi.Minibatches
	Feed    func(rows []int) svi.Batch
}

// fitSVI runs the fit of t from a new or resumed state with the shared
// flags: progress on stderr, a divergence guard, the convergence rule and
// averaging, periodic checkpoints, then the diagnostics and the ELBO plot in
// outDir. On failure it still saves the last good state (to -checkpoint)
// and returns the state with the error.
func fitSVI(ctx context.Context, cmd string, f *sviFlags, t *svi.Trainer, data fitData, outDir string, stderr io.Writer) (*svi.State, *fitOutcome, error) {
	st, next, err := startFit(cmd, f, t, data, stderr)
	if err != nil {
		return nil, nil, err
	}
	out := &fitOutcome{}
	total := *f.steps
	prog := newProgress(stderr, total-st.Iter, st.Iter)
	var ck *svi.Checkpointer
	if *f.checkpoint != "" {
		ck = &svi.Checkpointer{Trainer: t, State: st, Path: *f.checkpoint, Every: *f.every}
	}
	save := func() error {
		if ck == nil {
			return nil
		}
		return ck.Save()
	}
	rec := svi.Recorder(prog)
	if ck != nil {
		rec = svi.Recorders(prog, ck)
	}
	settings := &svi.Settings{Steps: total - st.Iter, Recorder: rec, Guard: &svi.Guard{}, Average: *f.average}
	if *f.stop {
		settings.Stop = &svi.Convergence{}
	}
	switch *f.schedule {
	case "plateau":
		settings.Schedule = &svi.ReduceOnPlateau{Window: 250, Patience: 2, Factor: 0.3, MinScale: 0.01}
	case "step":
		settings.Schedule = stepAt{total}
	}
	reason := "step limit"
	var runErr error
	if settings.Steps > 0 {
		var res *svi.Result
		res, runErr = svi.Run(ctx, t, st, next, settings)
		if res != nil {
			out.Retries, out.Seconds, reason = res.Retries, res.Runtime.Seconds(), res.Reason
		}
	}
	out.Reason = reason
	// The final state (or, after a failure, the last good one) is saved
	// whatever happened, so nothing fitted is lost.
	if err := save(); err != nil {
		return st, out, fmt.Errorf("train %s: %w", cmd, err)
	}
	for _, l := range st.Trace {
		out.Trace = append(out.Trace, -l)
	}
	if outDir != "" {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return st, out, fmt.Errorf("train %s: %w", cmd, err)
		}
		if err := plotTrace(filepath.Join(outDir, "elbo.png"), out.Trace); err != nil {
			return st, out, fmt.Errorf("train %s: ELBO plot: %w", cmd, err)
		}
	}
	if runErr != nil {
		var de *svi.DivergenceError
		if errors.As(runErr, &de) && *f.checkpoint != "" {
			runErr = fmt.Errorf("%w (the last good state is saved in %s)", runErr, *f.checkpoint)
		}
		return st, out, fmt.Errorf("train %s: %w", cmd, runErr)
	}
	for _, s := range t.Sites() {
		if s.Scale != 1 {
			// Importance weights over one minibatch of local latents say
			// nothing about the fit of the whole data set.
			fmt.Fprintf(stderr, "%s after %d steps; no PSIS report for a model with local (minibatch-scaled) site %q\n", reason, st.Iter, s.Name)
			return st, out, nil
		}
	}
	d, err := t.Diagnose(st, data.Full, *f.draws, *f.seed+1)
	if err != nil {
		return st, out, fmt.Errorf("train %s: diagnostics: %w", cmd, err)
	}
	d.StopReason = reason
	out.Diagnostics = d
	fmt.Fprintf(stderr, "%s after %d steps: ELBO %.4f ± %.4f, IWAE %.4f, k̂ %.2f — %s\n", reason, st.Iter, d.ELBO, d.ELBOStdErr, d.IWAE, d.KHat, d.Verdict)
	return st, out, nil
}

// plotTrace draws the ELBO of every step and its moving average.
func plotTrace(path string, elbo []float64) error {
	p := plot.New()
	p.Title.Text = "ELBO during the fit"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "ELBO estimate"
	raw := make(plotter.XYs, len(elbo))
	for i, v := range elbo {
		raw[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	w := max(1, len(elbo)/50)
	var smooth plotter.XYs
	sum := 0.0
	for i, v := range elbo {
		sum += v
		if i >= w {
			sum -= elbo[i-w]
		}
		if i >= w-1 {
			smooth = append(smooth, plotter.XY{X: float64(i + 1), Y: sum / float64(w)})
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
		p.Legend.Add(fmt.Sprintf("mean of %d steps", w), l)
		p.Legend.Top = false
	}
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
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

// startFit returns a new state, or the one the -resume checkpoint holds,
// with the data fed and the function dealing each step's batch (nil for a
// full-batch fit).
func startFit(cmd string, f *sviFlags, t *svi.Trainer, data fitData, stderr io.Writer) (*svi.State, func() (svi.Batch, error), error) {
	var st *svi.State
	var err error
	if *f.resume != "" {
		if st, err = t.LoadCheckpoint(*f.resume); err != nil {
			return nil, nil, fmt.Errorf("train %s: %w", cmd, err)
		}
		fmt.Fprintf(stderr, "resumed from %s at step %d\n", *f.resume, st.Iter)
	} else if st, err = t.Init(*f.seed); err != nil {
		return nil, nil, fmt.Errorf("train %s: %w", cmd, err)
	}
	if data.Full != nil {
		if err := t.Feed(data.Full); err != nil {
			return nil, nil, fmt.Errorf("train %s: %w", cmd, err)
		}
	}
	if data.Batches == nil {
		return st, nil, nil
	}
	if err := st.SetBatches(data.Batches); err != nil {
		return nil, nil, fmt.Errorf("train %s: %w", cmd, err)
	}
	return st, func() (svi.Batch, error) { return data.Feed(st.Batches.Next()), nil }, nil
}
