package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

func init() {
	register("bnn", "Bayesian neural network by SVI: regression (UCI protocol, toy plot) or classification", runBNN)
}

// bnnReport is the report.json of the bnn command. Regression fills the
// test_rmse/test_ll fields, classification test_accuracy/test_nll/ece; with
// several splits the figures are means over splits and the *_se fields are
// standard errors (sample standard deviation / √splits).
type bnnReport struct {
	Model      string  `json:"model"`
	Task       string  `json:"task"`
	Data       string  `json:"data"`
	Hidden     []int   `json:"hidden"`
	Activation string  `json:"activation"`
	Epochs     int     `json:"epochs,omitempty"`
	Steps      int     `json:"steps,omitempty"`
	Batch      int     `json:"batch"`
	LearnRate  float64 `json:"lr"`
	Particles  int     `json:"particles"`
	Workers    int     `json:"workers"`
	Guide      string  `json:"guide"`
	Local      bool    `json:"local_reparam,omitempty"`
	Estimator  string  `json:"estimator"`
	Anneal     float64 `json:"anneal,omitempty"`
	PriorScale float64 `json:"prior_scale"`
	PriorShape float64 `json:"prior_shape,omitempty"`
	PriorRate  float64 `json:"prior_rate,omitempty"`
	NoiseShape float64 `json:"noise_shape,omitempty"`
	NoiseRate  float64 `json:"noise_rate,omitempty"`
	Select     string  `json:"select"`
	Draws      int     `json:"draws"`
	Seed       uint64  `json:"seed"`
	Splits     int     `json:"splits"`

	TestRMSE     *float64 `json:"test_rmse,omitempty"`
	TestRMSESE   *float64 `json:"test_rmse_se,omitempty"`
	TestLL       *float64 `json:"test_ll,omitempty"`
	TestLLSE     *float64 `json:"test_ll_se,omitempty"`
	Coverage95   *float64 `json:"test_coverage95,omitempty"`
	TestAccuracy *float64 `json:"test_accuracy,omitempty"`
	TestAccSE    *float64 `json:"test_accuracy_se,omitempty"`
	TestNLL      *float64 `json:"test_nll,omitempty"`
	ECE          *float64 `json:"ece,omitempty"`

	Diagnostics    *svi.Diagnostics `json:"diagnostics,omitempty"` // the fit report, when one split ran
	TrainSeconds   float64          `json:"train_seconds"`         // summed over splits, selection runs excluded
	SelectSeconds  float64          `json:"select_seconds,omitempty"`
	StepsPerSecond float64          `json:"steps_per_second"` // median over splits
	PerSplit       []bnnSplit       `json:"per_split"`
	Toy            *toySummary      `json:"toy,omitempty"`
}

type bnnSplit struct {
	Split          int     `json:"split"`
	Train          int     `json:"n_train"`
	Test           int     `json:"n_test"`
	Epochs         int     `json:"epochs"`
	Steps          int     `json:"steps"`
	NoiseShape     float64 `json:"noise_shape,omitempty"`
	NoiseRate      float64 `json:"noise_rate,omitempty"`
	TestRMSE       float64 `json:"test_rmse,omitempty"`
	TestLL         float64 `json:"test_ll,omitempty"`
	Coverage95     float64 `json:"test_coverage95,omitempty"`
	NoiseStd       float64 `json:"noise_std,omitempty"` // mean predictive noise sd, original units
	TestAccuracy   float64 `json:"test_accuracy,omitempty"`
	TestNLL        float64 `json:"test_nll,omitempty"`
	ECE            float64 `json:"ece,omitempty"`
	TrainSeconds   float64 `json:"train_seconds"`
	SelectSeconds  float64 `json:"select_seconds,omitempty"`
	StepsPerSecond float64 `json:"steps_per_second"`
	FinalLoss      float64 `json:"final_loss"` // mean −ELBO of the last 100 steps
	Validation     []any   `json:"validation,omitempty"`
	// Diagnostics is the fit report on the whole training split (see
	// bnn.Net.Diagnose).
	Diagnostics *svi.Diagnostics `json:"diagnostics,omitempty"`
}

// toySummary checks the toy problem's predictive band against the truth.
type toySummary struct {
	Plot string `json:"plot"`
	// CoverInside is the fraction of grid points in [−4, 4] (the data's
	// range) where the truth lies within mean ± 2 sd.
	CoverInside float64 `json:"cover_inside"`
	// SDInside and SDOutside are the mean predictive sd over grid points
	// in [−4, 4] and in 5 ≤ |x| ≤ 6.
	SDInside  float64 `json:"sd_inside"`
	SDOutside float64 `json:"sd_outside"`
}

// toyPoints is the size of the toy training set. With 20 points (the
// published figure's size) a mean-field posterior over 151 weights falls
// back to the prior: the KL term outweighs 20 likelihood terms.
const toyPoints = 100

// bnnJob is one train/test split to fit.
type bnnJob struct {
	split       int
	train, test *bnn.Data
}

func runBNN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("bnn", stderr)
	data := fs.String("data", "", "numeric table `file`: input columns, then the target (regression) or class label 0…K−1 (classification)")
	trainIdx := fs.String("train-index", "", "`file` of 0-based training rows (with -test-index)")
	testIdx := fs.String("test-index", "", "`file` of 0-based test rows (with -train-index)")
	testFrac := fs.Float64("test-frac", 0.2, "without index files, hold out this seeded random fraction of -data as the test set")
	splitDir := fs.String("split-dir", "", "UCI benchmark `folder` (data.txt, index_features.txt, index_target.txt, index_{train,test}_k.txt): run every split and report mean ± standard error")
	splitList := fs.String("splits", "", "with -split-dir, the splits to run, e.g. 0-4 or 0,3,7 (default all)")
	toy := fs.Bool("toy", false, "fit the 1-D toy problem y = x³ + N(0, 3²) (100 points; noise prior Gamma(1, 0.01) unless given) and plot the predictive band to DIR/toy.png")
	hidden := fs.String("hidden", "50", "hidden units per layer, comma-separated (e.g. 50 or 100,100)")
	activation := fs.String("activation", "relu", "hidden activation: relu or tanh")
	task := fs.String("task", "regression", "regression or classification")
	epochs := fs.Int("epochs", 0, "passes over the training data; 0 means enough for 20000 steps and at least 40 passes (with -select: the most tried)")
	steps := fs.Int("steps", 0, "optimization steps (overrides -epochs; not with -select)")
	batch := fs.Int("batch", 32, "minibatch rows (capped at the training size: full batch)")
	lr := fs.Float64("lr", 3e-3, "Adam learning rate")
	particles := fs.Int("particles", 2, "weight draws per step")
	workers := fs.Int("workers", 1, "graphs evaluating the particles in parallel (results depend on it, not on the machine)")
	vectorize := fs.Bool("vectorize", false, "evaluate all particles in one graph (regression, meanfield guide, entropy or kl estimator; same numbers, faster for many particles)")
	anneal := fs.Float64("anneal", 0.25, "fraction of the steps at the end taken at a tenth of the learning rate")
	guideName := fs.String("guide", "meanfield", "guide: meanfield, lowrank, fullrank (small nets only: D² parameters) or map")
	rank := fs.Int("rank", 2, "rank of the lowrank guide's covariance factor")
	local := fs.Bool("local-reparam", false, "local reparameterization: draw each layer's pre-activations per row from their exact distribution under q (meanfield guide only; lowers gradient variance)")
	estimator := fs.String("estimator", "entropy", "ELBO estimator: entropy, kl (closed-form KL of the weights), trace, stl or iwae")
	checkpoint := fs.String("checkpoint", "", "write the fit's state to this `file` every -checkpoint-every steps and at the end (one fit: -data, -toy, or one split)")
	every := fs.Int("checkpoint-every", 1000, "steps between checkpoints")
	resume := fs.String("resume", "", "continue the fit saved in this checkpoint `file` (same flags as the run that wrote it)")
	priorScale := fs.Float64("prior-scale", 1, "standard deviation σ_p of the N(0, σ_p²) weight prior")
	priorShape := fs.Float64("prior-shape", 0, "with -prior-rate: a Gamma(shape, rate) hyperprior on each layer's prior precision, learned from the data (replaces -prior-scale)")
	priorRate := fs.Float64("prior-rate", 0, "rate of the -prior-shape hyperprior")
	noiseShape := fs.Float64("noise-shape", 6, "shape a of the Gamma(a, b) prior on the noise precision of the standardized target")
	noiseRate := fs.Float64("noise-rate", 6, "rate b of the Gamma(a, b) prior on the noise precision")
	selectMode := fs.String("select", "none", "choice made on a validation cut of each training split (never the test split): none, epochs, or noise (epochs and the noise prior: -noise-shape/-noise-rate or Gamma(1, 0.01))")
	valFrac := fs.Float64("val-frac", 0.1, "validation fraction of the training split for -select")
	checks := fs.Int("checks", 0, "validation checkpoints per selection run; 0 means 1 (at the end) for -select noise, 10 for -select epochs")
	draws := fs.Int("draws", 1000, "posterior draws for the test metrics")
	diagDraws := fs.Int("diagnostic-draws", 1000, "draws of q for the fit report (ELBO ± se, IWAE, PSIS k̂, ESS) on the whole training split; 0 skips it")
	seed := fs.Uint64("seed", 1, "random seed (split k uses seed + k)")
	out := fs.String("out", "", "output `dir` for report.json (and toy.png)")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()

	fail := func(err error) error { return fmt.Errorf("train bnn: %w", err) }
	if *out == "" {
		return fail(errors.New("-out is required"))
	}
	modes := 0
	for _, set := range []bool{*data != "", *splitDir != "", *toy} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return fail(errors.New("give exactly one of -data, -split-dir and -toy"))
	}
	if (*trainIdx == "") != (*testIdx == "") {
		return fail(errors.New("-train-index and -test-index go together"))
	}
	act, err := ops.ParseActivation(*activation)
	if err != nil {
		return fail(err)
	}
	tk, err := bnn.ParseTask(*task)
	if err != nil {
		return fail(err)
	}
	units, err := parseInts(*hidden)
	if err != nil {
		return fail(fmt.Errorf("-hidden: %w", err))
	}
	switch {
	case *particles < 1:
		return fail(fmt.Errorf("-particles must be at least 1, got %d", *particles))
	case *batch < 1:
		return fail(fmt.Errorf("-batch must be at least 1, got %d", *batch))
	case *epochs < 0 || *steps < 0:
		return fail(errors.New("-epochs and -steps must not be negative"))
	case *draws < 1:
		return fail(fmt.Errorf("-draws must be at least 1, got %d", *draws))
	case *diagDraws != 0 && *diagDraws < 25:
		return fail(fmt.Errorf("-diagnostic-draws must be 0 (no fit report) or at least 25, got %d", *diagDraws))
	case !(*lr > 0):
		return fail(fmt.Errorf("-lr must be positive, got %v", *lr))
	}
	if *selectMode != "none" && *selectMode != "epochs" && *selectMode != "noise" {
		return fail(fmt.Errorf("unknown -select %q (want none, epochs or noise)", *selectMode))
	}
	if *selectMode != "none" && *steps > 0 {
		return fail(errors.New("-steps cannot be combined with -select; give -epochs"))
	}
	if *toy && tk != bnn.Regression {
		return fail(errors.New("-toy is a regression problem"))
	}
	gd, err := bnn.ParseGuide(*guideName)
	if err != nil {
		return fail(err)
	}
	if *rank < 1 || *every < 1 {
		return fail(errors.New("-rank and -checkpoint-every must be at least 1"))
	}
	if (*checkpoint != "" || *resume != "") && *selectMode != "none" {
		return fail(errors.New("-checkpoint and -resume cannot be combined with -select"))
	}

	if *toy {
		// The toy's noise sd is 0.12 of the target's: Gamma(6, 6), which
		// centres the standardized noise sd on 1, would swamp it.
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if !given["noise-shape"] && !given["noise-rate"] {
			*noiseShape, *noiseRate = 1, 0.01
		}
	}
	cfg := bnn.Config{Hidden: units, Activation: act, Task: tk, PriorScale: *priorScale, LocalReparam: *local,
		PriorShape: *priorShape, PriorRate: *priorRate}
	if tk == bnn.Regression {
		cfg.NoiseShape, cfg.NoiseRate = *noiseShape, *noiseRate
	}
	set := bnn.Settings{Epochs: *epochs, Steps: *steps, Batch: *batch, LearnRate: *lr, Particles: *particles,
		Anneal: *anneal, Workers: *workers, Vectorize: *vectorize, Guide: gd, Rank: *rank, Estimator: *estimator,
		Checkpoint: *checkpoint, CheckpointEvery: *every, Resume: *resume}

	var jobs []bnnJob
	source := *data
	switch {
	case *toy:
		source = fmt.Sprintf("toy: y = x³ + N(0, 3²), %d points uniform on [−4, 4]", toyPoints)
		jobs = []bnnJob{{split: 0, train: bnn.Toy(toyPoints, *seed)}}
	case *splitDir != "":
		source = *splitDir
		u, err := bnn.OpenUCI(*splitDir)
		if err != nil {
			return fail(err)
		}
		ks, err := parseSplits(*splitList, u.Splits)
		if err != nil {
			return fail(fmt.Errorf("-splits: %w", err))
		}
		for _, k := range ks {
			tr, te, err := u.Split(k)
			if err != nil {
				return fail(err)
			}
			jobs = append(jobs, bnnJob{split: k, train: tr, test: te})
		}
	default:
		job, err := loadBNNData(*data, *trainIdx, *testIdx, *testFrac, *seed)
		if err != nil {
			return fail(err)
		}
		jobs = []bnnJob{job}
	}
	if tk == bnn.Classification {
		k := 0
		for _, j := range jobs {
			for _, d := range []*bnn.Data{j.train, j.test} {
				for _, v := range d.Y {
					if v != math.Trunc(v) || v < 0 || v > 1e6 {
						return fail(fmt.Errorf("class labels must be integers 0…K−1, found %v", v))
					}
					k = max(k, int(v)+1)
				}
			}
		}
		cfg.Classes = max(k, 2)
	}
	if err := cfg.Validate(); err != nil {
		return fail(err)
	}
	if (*checkpoint != "" || *resume != "") && len(jobs) > 1 {
		return fail(fmt.Errorf("-checkpoint and -resume hold one fit, and -split-dir has %d splits: choose one with -splits", len(jobs)))
	}

	rep := bnnReport{Model: "bnn", Task: tk.String(), Data: source, Hidden: units, Activation: act.String(),
		Epochs: *epochs, Steps: *steps, Batch: *batch, LearnRate: *lr, Particles: *particles, Workers: *workers, Anneal: *anneal,
		Guide: gd.String(), Local: *local, Estimator: *estimator, PriorScale: *priorScale, PriorShape: *priorShape, PriorRate: *priorRate, Select: *selectMode, Draws: *draws, Seed: *seed, Splits: len(jobs)}
	if gd == bnn.MAP {
		rep.Estimator = "trace" // a point mass: the objective is the log-joint
	}
	if tk == bnn.Regression {
		rep.NoiseShape, rep.NoiseRate = *noiseShape, *noiseRate
	}
	var nets []*bnn.Net
	for i, job := range jobs {
		s := set
		s.Seed = *seed + uint64(job.split)
		res := bnnSplit{Split: job.split, Train: job.train.N}
		c := cfg
		if *selectMode != "none" {
			t0 := time.Now()
			cands := []bnn.Candidate{{Name: fmt.Sprintf("Gamma(%g, %g)", cfg.NoiseShape, cfg.NoiseRate), Config: cfg, Settings: s}}
			if *selectMode == "noise" && tk == bnn.Regression {
				weak := cfg
				weak.NoiseShape, weak.NoiseRate = 1, 0.01
				cands = append(cands, bnn.Candidate{Name: "Gamma(1, 0.01)", Config: weak, Settings: s})
			}
			for ci := range cands {
				cands[ci].Settings.Epochs = defaultEpochs(s, job.train.N)
			}
			fmt.Fprintf(stderr, "split %d: choosing %s on a %.0f%% validation cut of the training split\n", job.split, *selectMode, 100**valFrac)
			nc := *checks
			if nc == 0 {
				nc = 1
				if *selectMode == "epochs" {
					nc = 10
				}
			}
			sel, err := bnn.Select(ctx, job.train, cands, *valFrac, nc, 200, s.Seed)
			if err != nil {
				return fail(fmt.Errorf("split %d: %w", job.split, err))
			}
			res.SelectSeconds = time.Since(t0).Seconds()
			c = cands[sel.Best].Config
			s.Epochs = sel.Epochs
			for _, cp := range sel.Checkpoints {
				res.Validation = append(res.Validation, map[string]any{"candidate": cands[cp.Candidate].Name,
					"epochs": cp.Epochs, "val_ll": cp.LogLik, "val_rmse": cp.RMSE})
			}
			fmt.Fprintf(stderr, "split %d: chose %s, %d epochs (%.0f s)\n", job.split, cands[sel.Best].Name, sel.Epochs, res.SelectSeconds)
		}
		spe := bnn.StepsPerEpoch(job.train.N, min(s.Batch, job.train.N))
		total := s.Steps
		if total == 0 {
			if s.Epochs == 0 {
				s.Epochs = defaultEpochs(s, job.train.N)
			}
			total = s.Epochs * spe
		}
		s.Recorder = newProgress(stderr, total, -1) // a resumed fit starts part-way
		net, err := bnn.Fit(ctx, c, job.train, s)
		if err != nil {
			return fail(fmt.Errorf("split %d: %w", job.split, err))
		}
		nets = append(nets, net)
		if err := bnnTracePlot(*out, job.split, len(jobs), net.Losses()); err != nil {
			return fail(err)
		}
		res.Epochs, res.Steps = net.Steps()/spe, net.Steps()
		res.NoiseShape, res.NoiseRate = c.NoiseShape, c.NoiseRate
		if tk == bnn.Classification {
			res.NoiseShape, res.NoiseRate = 0, 0
		}
		res.TrainSeconds = net.TrainTime().Seconds()
		res.StepsPerSecond = float64(net.Steps()) / res.TrainSeconds
		ls := net.Losses()
		tail := ls[max(0, len(ls)-100):]
		for _, l := range tail {
			res.FinalLoss += l / float64(len(tail))
		}
		if *diagDraws > 0 {
			if res.Diagnostics, err = net.Diagnose(job.train, *diagDraws, s.Seed+2000); err != nil {
				return fail(fmt.Errorf("split %d: fit report: %w", job.split, err))
			}
			fmt.Fprintf(stderr, "split %d: ELBO %.2f ± %.2f, IWAE %.2f, k̂ %.2f — %s\n", job.split, res.Diagnostics.ELBO,
				res.Diagnostics.ELBOStdErr, res.Diagnostics.IWAE, res.Diagnostics.KHat, res.Diagnostics.Verdict)
		}
		if job.test != nil {
			if err := evaluateBNN(net, job.test, *draws, s.Seed+1000, &res); err != nil {
				return fail(fmt.Errorf("split %d: %w", job.split, err))
			}
			fmt.Fprintf(stderr, "split %d (%d/%d): %s in %.1f s\n", job.split, i+1, len(jobs), splitLine(res, tk), res.TrainSeconds)
		}
		rep.PerSplit = append(rep.PerSplit, res)
		rep.TrainSeconds += res.TrainSeconds
		rep.SelectSeconds += res.SelectSeconds
	}
	summarizeBNN(&rep, tk)
	if len(rep.PerSplit) == 1 {
		rep.Diagnostics = rep.PerSplit[0].Diagnostics
	}
	if *toy {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fail(err)
		}
		ts, err := plotToy(nets[0], filepath.Join(*out, "toy.png"), *draws, *seed)
		if err != nil {
			return fail(err)
		}
		rep.Toy = ts
	}
	if err := writeReport(*out, rep); err != nil {
		return err
	}
	switch {
	case *toy:
		fmt.Fprintf(stdout, "bnn toy: truth inside mean ± 2 sd at %.0f%% of [−4, 4]; mean sd %.2f inside, %.2f at 5 ≤ |x| ≤ 6; plot %s; report in %s\n",
			100*rep.Toy.CoverInside, rep.Toy.SDInside, rep.Toy.SDOutside, rep.Toy.Plot, *out)
	case tk == bnn.Regression && len(jobs) == 1:
		fmt.Fprintf(stdout, "bnn: test RMSE %.3f, test LL %.3f, %.0f s training; report in %s\n",
			*rep.TestRMSE, *rep.TestLL, rep.TrainSeconds, *out)
	case tk == bnn.Regression:
		fmt.Fprintf(stdout, "bnn %d splits: test RMSE %.3f ± %.3f, test LL %.3f ± %.3f (mean ± standard error), %.0f s training; report in %s\n",
			len(jobs), *rep.TestRMSE, *rep.TestRMSESE, *rep.TestLL, *rep.TestLLSE, rep.TrainSeconds, *out)
	default:
		fmt.Fprintf(stdout, "bnn: test accuracy %.4f, NLL %.4f, ECE %.4f (10 bins), %.0f s training; report in %s\n",
			*rep.TestAccuracy, *rep.TestNLL, *rep.ECE, rep.TrainSeconds, *out)
	}
	return nil
}

// bnnTracePlot writes the ELBO trace of a fit to DIR/elbo.png, or to
// DIR/elbo_split<k>.png when several splits run.
func bnnTracePlot(dir string, split, jobs int, losses []float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := "elbo.png"
	if jobs > 1 {
		name = fmt.Sprintf("elbo_split%d.png", split)
	}
	elbo := make([]float64, len(losses))
	for i, l := range losses {
		elbo[i] = -l
	}
	if err := plotTrace(filepath.Join(dir, name), elbo); err != nil {
		return fmt.Errorf("ELBO plot: %w", err)
	}
	return nil
}

// defaultEpochs is the -epochs default: 40 passes, or more when 40 passes
// make fewer than 20000 steps (as the peer's Boston runs take).
func defaultEpochs(s bnn.Settings, n int) int {
	if s.Epochs > 0 {
		return s.Epochs
	}
	spe := bnn.StepsPerEpoch(n, min(s.Batch, n))
	return max(40, (20000+spe-1)/spe)
}

func splitLine(r bnnSplit, tk bnn.Task) string {
	if tk == bnn.Regression {
		return fmt.Sprintf("test RMSE %.4f, LL %.4f, 95%% coverage %.2f, noise sd %.3g", r.TestRMSE, r.TestLL, r.Coverage95, r.NoiseStd)
	}
	return fmt.Sprintf("test accuracy %.4f, NLL %.4f, ECE %.4f", r.TestAccuracy, r.TestNLL, r.ECE)
}

// evaluateBNN fills the test metrics of r.
func evaluateBNN(net *bnn.Net, test *bnn.Data, draws int, seed uint64, r *bnnSplit) error {
	r.Test = test.N
	if net.Config().Task == bnn.Regression {
		p, err := net.Predict(test.X, draws, seed)
		if err != nil {
			return err
		}
		if r.TestRMSE, err = p.RMSE(test.Y); err != nil {
			return err
		}
		if r.TestLL, err = p.MeanLogLik(test.Y); err != nil {
			return err
		}
		if r.Coverage95, err = p.Coverage(test.Y, 0.95); err != nil {
			return err
		}
		for _, s := range p.NoiseStd {
			r.NoiseStd += s / float64(p.T)
		}
		return nil
	}
	p, err := net.PredictClass(test.X, draws, seed)
	if err != nil {
		return err
	}
	if r.TestAccuracy, err = p.Accuracy(test.Y); err != nil {
		return err
	}
	if r.TestNLL, err = p.NLL(test.Y); err != nil {
		return err
	}
	r.ECE, err = p.ECE(test.Y, 10)
	return err
}

// summarizeBNN fills the report's means and standard errors over splits.
func summarizeBNN(rep *bnnReport, tk bnn.Task) {
	if len(rep.PerSplit) == 0 || rep.PerSplit[0].Test == 0 {
		return
	}
	ms := func(f func(bnnSplit) float64) (*float64, *float64) {
		n := float64(len(rep.PerSplit))
		var m, v float64
		for _, r := range rep.PerSplit {
			m += f(r) / n
		}
		if n < 2 {
			return &m, nil
		}
		for _, r := range rep.PerSplit {
			v += (f(r) - m) * (f(r) - m) / (n - 1)
		}
		se := math.Sqrt(v / n)
		return &m, &se
	}
	if tk == bnn.Regression {
		rep.TestRMSE, rep.TestRMSESE = ms(func(r bnnSplit) float64 { return r.TestRMSE })
		rep.TestLL, rep.TestLLSE = ms(func(r bnnSplit) float64 { return r.TestLL })
		rep.Coverage95, _ = ms(func(r bnnSplit) float64 { return r.Coverage95 })
	} else {
		rep.TestAccuracy, rep.TestAccSE = ms(func(r bnnSplit) float64 { return r.TestAccuracy })
		rep.TestNLL, _ = ms(func(r bnnSplit) float64 { return r.TestNLL })
		rep.ECE, _ = ms(func(r bnnSplit) float64 { return r.ECE })
	}
	rates := make([]float64, len(rep.PerSplit))
	for i, r := range rep.PerSplit {
		rates[i] = r.StepsPerSecond
	}
	rep.StepsPerSecond = median(rates)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// loadBNNData reads -data: every column but the last is an input, the last
// is the target. The test rows come from the index files, or from a seeded
// random hold-out of testFrac of the rows.
func loadBNNData(path, trainIdx, testIdx string, testFrac float64, seed uint64) (bnnJob, error) {
	all, err := bnn.ReadData(path)
	if err != nil {
		return bnnJob{}, err
	}
	if trainIdx != "" {
		tr, err := table.ReadIndex(trainIdx, all.N)
		if err != nil {
			return bnnJob{}, err
		}
		te, err := table.ReadIndex(testIdx, all.N)
		if err != nil {
			return bnnJob{}, err
		}
		job := bnnJob{}
		if job.train, err = all.Rows(tr); err != nil {
			return bnnJob{}, err
		}
		job.test, err = all.Rows(te)
		return job, err
	}
	if !(testFrac > 0 && testFrac < 1) {
		return bnnJob{}, fmt.Errorf("-test-frac must lie in (0, 1), got %v", testFrac)
	}
	tr, te, err := bnn.HoldOut(all, testFrac, seed)
	return bnnJob{train: tr, test: te}, err
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of integers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseSplits parses "" (all), "a-b" or "a,b,c" against n splits.
func parseSplits(s string, n int) ([]int, error) {
	if s == "" {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("bad split %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("bad split range %q", part)
			}
		}
		for k := a; k <= b; k++ {
			if k < 0 || k >= n {
				return nil, fmt.Errorf("split %d outside [0, %d)", k, n)
			}
			out = append(out, k)
		}
	}
	return out, nil
}

// plotToy draws the toy problem: data, truth, predictive mean and the
// mean ± 2 sd band on [−6, 6], and measures the band inside and outside the
// data's range.
func plotToy(net *bnn.Net, path string, draws int, seed uint64) (*toySummary, error) {
	const n = 241
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = -6 + 12*float64(i)/float64(n-1)
	}
	p, err := net.Predict(xs, draws, seed+2000)
	if err != nil {
		return nil, err
	}
	ts := &toySummary{Plot: path}
	var nin, nout, cover int
	for i, x := range xs {
		switch {
		case math.Abs(x) <= 4:
			nin++
			ts.SDInside += p.Std[i]
			if math.Abs(bnn.ToyTruth(x)-p.Mean[i]) <= 2*p.Std[i] {
				cover++
			}
		case math.Abs(x) >= 5:
			nout++
			ts.SDOutside += p.Std[i]
		}
	}
	ts.CoverInside = float64(cover) / float64(nin)
	ts.SDInside /= float64(nin)
	ts.SDOutside /= float64(nout)

	pl := plot.New()
	pl.Title.Text = "BNN (mean-field SVI): predictive mean ± 2 sd"
	pl.X.Label.Text = "x"
	pl.Y.Label.Text = "y"
	band := make(plotter.XYs, 0, 2*n)
	mean := make(plotter.XYs, n)
	truth := make(plotter.XYs, n)
	for i, x := range xs {
		band = append(band, plotter.XY{X: x, Y: p.Mean[i] + 2*p.Std[i]})
		mean[i] = plotter.XY{X: x, Y: p.Mean[i]}
		truth[i] = plotter.XY{X: x, Y: bnn.ToyTruth(x)}
	}
	for i := n - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: xs[i], Y: p.Mean[i] - 2*p.Std[i]})
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return nil, err
	}
	poly.Color = color.RGBA{R: 0x9e, G: 0xc5, B: 0xe8, A: 0xff}
	poly.LineStyle.Width = 0
	ml, err := plotter.NewLine(mean)
	if err != nil {
		return nil, err
	}
	ml.LineStyle = draw.LineStyle{Color: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, Width: vg.Points(1.5)}
	tl, err := plotter.NewLine(truth)
	if err != nil {
		return nil, err
	}
	tl.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	toy := bnn.Toy(toyPoints, seed) // the training data, regenerated from the same seed
	pts := make(plotter.XYs, toy.N)
	for i := range pts {
		pts[i] = plotter.XY{X: toy.X[i], Y: toy.Y[i]}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
	pl.Add(poly, ml, tl, sc)
	pl.Legend.Add("mean ± 2 sd", poly)
	pl.Legend.Add("predictive mean", ml)
	pl.Legend.Add("truth x³", tl)
	pl.Legend.Add("data", sc)
	pl.Legend.Top, pl.Legend.Left = true, true
	pl.Y.Min, pl.Y.Max = -250, 250
	if err := pl.Save(6*vg.Inch, 4*vg.Inch, path); err != nil {
		return nil, fmt.Errorf("saving %s: %w", path, err)
	}
	return ts, nil
}
