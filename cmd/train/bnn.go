package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// bnnReport is the report.json of the bnn command: the settings, then the
// protocol's result (bnn.SplitsResult: per split, and with several splits
// the means and standard errors of the test metrics over splits).
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
	DType      string  `json:"dtype,omitempty"` // float32; empty for float64
	Guide      string  `json:"guide"`
	Local      bool    `json:"local_reparam,omitempty"`
	Estimator  string  `json:"estimator"`
	Anneal     float64 `json:"anneal,omitempty"`
	PriorScale float64 `json:"prior_scale"`
	PriorShape float64 `json:"prior_shape,omitempty"`
	PriorRate  float64 `json:"prior_rate,omitempty"`
	// PriorEB is -prior-eb: the learned prior sds are in each split's
	// prior_std.
	PriorEB         bool `json:"prior_eb,omitempty"`
	Heteroscedastic bool `json:"heteroscedastic,omitempty"`
	// Skip is -skip: the linear skip path x·β in the output.
	Skip       bool    `json:"skip,omitempty"`
	NoiseShape float64 `json:"noise_shape,omitempty"`
	NoiseRate  float64 `json:"noise_rate,omitempty"`
	Select     string  `json:"select"`
	// Ensemble is -ensemble K (absent for one fit) and Compute says what
	// the ensemble cost.
	Ensemble int    `json:"ensemble,omitempty"`
	Compute  string `json:"compute,omitempty"`
	Draws    int    `json:"draws"`
	Seed     uint64 `json:"seed"`
	Splits   int    `json:"splits"`
	// Ranks is the number of MPI processes that shared the fit (1: one
	// process) and ShardRule how they shared the training rows.
	Ranks     int    `json:"ranks"`
	ShardRule string `json:"shard_rule,omitempty"`
	// AllReduceSeconds is rank 0's wall time in the gradient all-reduce
	// (the exchange and the wait for the slowest rank), within
	// train_seconds.
	AllReduceSeconds float64 `json:"allreduce_seconds,omitempty"`
	*bnn.SplitsResult
	Toy *toyReport `json:"toy,omitempty"`
	// LearnRates are the learning rates the fits ended with, one a split.
	LearnRates []*lrUsed `json:"learning_rates,omitempty"`
}

// toyReport is the toy problem's plot and the check of its predictive band.
type toyReport struct {
	Plot string `json:"plot"`
	*bnn.ToyBand
}

// toyPoints is the size of the toy training set. With 20 points (the
// published figure's size) a mean-field posterior over 151 weights falls
// back to the prior: the KL term outweighs 20 likelihood terms.
const toyPoints = 100

// bnnFlags are the bnn command's flags.
type bnnFlags struct {
	data, trainIdx, testIdx, splitDir, splitList, idx   *string
	hidden, activation, task, selectMode, out           *string
	testFrac, anneal, valFrac                           *float64
	priorScale, priorShape, priorRate, noiseShape, rate *float64
	epochs, batch, checks, draws, rows, ensemble        *int
	toy, local, eb, hetero, skip                        *bool
	svi                                                 *sviFlags
	table                                               *tableFlags
}

func addBNNFlags(fs *flag.FlagSet) *bnnFlags {
	spec := sviDefaults(0, 3e-3, 2, "entropy")
	spec.epochs, spec.noReport, spec.draws, spec.loop = true, true, 1000, false
	spec.notes = map[string]string{"seed": "split k uses seed + k", "checkpoint": "one fit: -data, -toy, or one split",
		"steps": "not with -select", "diagnostic-draws": "on the whole training split; 0 with -idx unless given",
		"estimator": "or dvi: deterministic VI, the expected log-likelihood under q in closed form with the weights' KL (regression, relu, meanfield; -particles 1 unless given)",
		"particles": "1 with -estimator dvi unless given"}
	spec.estimators = []string{bnn.EstimatorDVI}
	spec.guides = []string{bnn.LastLayer.String(), bnn.LastLayerFull.String()}
	spec.notes["guide"] = "or lastlayer: a rank -rank Gaussian over the output layer's weights and biases and the -skip path's jointly, mean field below it (D_L·(rank+2) parameters for the D_L = (units+1+inputs)·outputs output weights, inputs only with -skip, against 2·D_L); lastlayer-full: the same with a full-rank covariance (D_L·(D_L+3)/2)"
	spec.notes["rank"] = "also of -guide lastlayer"
	spec.float32 = true
	return &bnnFlags{
		data:     fs.String("data", "", "numeric table `file`: input columns, then the target (regression) or class label 0…K−1 (classification)"),
		trainIdx: fs.String("train-index", "", "`file` of 0-based training rows (with -test-index)"),
		testIdx:  fs.String("test-index", "", "`file` of 0-based test rows (with -train-index)"),
		testFrac: fs.Float64("test-frac", 0.2, "without index files, hold out this seeded random fraction of -data as the test set"),
		idx: fs.String("idx", "", "MNIST or Fashion-MNIST `folder` of IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz): "+
			"train on the official training images, score the official test images; pixels scaled to [0, 1] by 1/255 and fed as is (not standardized); classification"),
		rows:       fs.Int("rows", 0, "with -idx, keep only the first N training and N test images (quick runs); 0 means all"),
		splitDir:   fs.String("split-dir", "", "UCI benchmark `folder` (data.txt, index_features.txt, index_target.txt, index_{train,test}_k.txt): run every split and report mean ± standard error"),
		splitList:  fs.String("splits", "", "with -split-dir, the splits to run, e.g. 0-4 or 0,3,7 (default all)"),
		toy:        fs.Bool("toy", false, "fit the 1-D toy problem y = x³ + N(0, 3²) (100 points; noise prior Gamma(1, 0.01) unless given) and plot the predictive band to DIR/toy.png"),
		hidden:     fs.String("hidden", "50", "hidden units per layer, comma-separated (e.g. 50 or 100,100); 0: no hidden layer (Bayesian linear regression, or logistic/softmax regression)"),
		activation: fs.String("activation", "relu", "hidden activation: relu or tanh"),
		task:       fs.String("task", "regression", "regression or classification"),
		epochs:     fs.Int("epochs", 0, "passes over the training data; 0 means enough for 20000 steps and at least 40 passes (with -select: the most tried)"),
		batch:      fs.Int("batch", 32, "minibatch rows (capped at the training size: full batch); under mpirun the total over the ranks, each drawing its share from its shard"),
		anneal:     fs.Float64("anneal", 0.25, "fraction of the steps at the end taken at a tenth of the learning rate"),
		local:      fs.Bool("local-reparam", false, "local reparameterization: draw each layer's pre-activations per row from their exact distribution under q (meanfield guide only; lowers gradient variance)"),
		priorScale: fs.Float64("prior-scale", 1, "standard deviation σ_p of the N(0, σ_p²) weight prior"),
		priorShape: fs.Float64("prior-shape", 0, "with -prior-rate: a Gamma(shape, rate) hyperprior on each layer's prior precision, learned from the data (replaces -prior-scale)"),
		priorRate:  fs.Float64("prior-rate", 0, "rate of the -prior-shape hyperprior"),
		eb:         fs.Bool("prior-eb", false, "empirical-Bayes prior variances: each layer's prior variance set before every step to (1/n) Σ (μ² + σ²) of its weights under q (Wu et al. 2019; replaces -prior-scale)"),
		hetero:     fs.Bool("heteroscedastic", false, "regression with a second output head for each row's log noise variance, in place of the global noise precision (not with -estimator dvi or -vectorize; -select noise has no noise prior to choose)"),
		skip:       fs.Bool("skip", false, "regression with hidden layers: a linear skip path in the output, f(x) = MLP(x) + x·β, β with its own prior (the weights' N(0, σ_p²), or its own -prior-eb variance or -prior-shape hyperprior), so that the network contains Bayesian linear regression"),
		noiseShape: fs.Float64("noise-shape", 6, "shape a of the Gamma(a, b) prior on the noise precision of the standardized target"),
		rate:       fs.Float64("noise-rate", 6, "rate b of the Gamma(a, b) prior on the noise precision"),
		selectMode: fs.String("select", "model", "choice made on a validation cut of each training split (never the test split): none, epochs, noise (epochs and the noise prior: -noise-shape/-noise-rate or Gamma(1, 0.01)), or model (epochs, the noise prior, and the network or the Bayesian linear model without hidden layers; heteroscedastic: the network or the linear model). Default model for regression; none when not given with -steps, -epochs, -checkpoint, -resume, -toy or classification"),
		valFrac:    fs.Float64("val-frac", 0.1, "validation fraction of the training split for -select"),
		checks:     fs.Int("checks", 0, "validation checkpoints per selection run; 0 means 1 (at the end) for -select noise and model, 10 for -select epochs"),
		draws:      fs.Int("draws", 1000, "posterior draws for the test metrics"),
		ensemble:   fs.Int("ensemble", 1, "fit each split K times, seeded seed, seed+1, … (after one -select), and score the mixture of the K predictives: K× the final fit's compute"),
		svi:        addSVIFlags(fs, spec),
		table:      addTableFlags(fs),
		out:        fs.String("out", "", "output `dir` for report.json (and toy.png)"),
	}
}

func runBNN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, fs, stop, err := parseCommand("bnn", args, stderr, addBNNFlags)
	if err != nil {
		return err
	}
	defer stop()
	p, rep, err := f.protocol(fs)
	if err != nil {
		return err
	}
	if err := f.ensembleFlag(&p, rep); err != nil {
		return err
	}
	dp := bnnParallel(ctx)
	recordRanks(dp, rep)
	p.Settings.DataParallel = dp
	var od *outDir
	if dp.Rank == 0 {
		// Rank 0 alone writes the outputs (and takes the folder's lock).
		if od, err = begin(fs, *f.out, f.svi, stderr); err != nil {
			return err
		}
		defer od.Abort()
	}
	p.Settings.Checkpoint = f.svi.ckPath()
	splits, err := f.splits(rep)
	if err != nil {
		return fmt.Errorf("train bnn: %w", err)
	}
	if (f.svi.checkpoint != "" || f.svi.resume != "") && len(splits) > 1 {
		return fmt.Errorf("train bnn: -checkpoint and -resume hold one fit, and -split-dir has %d splits: choose one with -splits", len(splits))
	}
	p.NewRecorder = f.bnnRecorder(stderr, svi.StepsPerEpoch(splits[0].Train.N, min(*f.batch, splits[0].Train.N)))
	p.Log = stderr
	res, err := bnn.RunSplits(ctx, splits, p)
	if err != nil {
		if f.svi.ckPath() != f.svi.checkpoint {
			err = fmt.Errorf("%w (%s is kept)", err, f.svi.checkpoint)
		}
		return fmt.Errorf("train %w", err)
	}
	if dp.Rank != 0 {
		return nil
	}
	rep.SplitsResult = res
	rep.AllReduceSeconds = allReduceSeconds(dp)
	for i, net := range res.Nets {
		if err := bnnTracePlot(od, res.PerSplit[i].Split, len(splits), net.Losses()); err != nil {
			return fmt.Errorf("train bnn: %w", err)
		}
		rep.LearnRates = append(rep.LearnRates, bnnLR(stderr, f.svi.lr, res.PerSplit[i].Split, net))
	}
	if *f.toy {
		if rep.Toy, err = plotToy(res.Nets[0], od, *f.draws, f.svi.seed); err != nil {
			return fmt.Errorf("train bnn: %w", err)
		}
	}
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	printBNN(stdout, rep, *f.out)
	return nil
}

// ensembleFlag reads -ensemble into p and states K and its compute in rep.
func (f *bnnFlags) ensembleFlag(p *bnn.Protocol, rep *bnnReport) error {
	k := *f.ensemble
	switch {
	case k < 1:
		return fmt.Errorf("train bnn: -ensemble must be at least 1, got %d", k)
	case k > 1 && (f.svi.checkpoint != "" || f.svi.resume != ""):
		return fmt.Errorf("train bnn: -checkpoint and -resume hold one fit; -ensemble %d makes %d", k, k)
	case k > 1 && *f.toy:
		return errors.New("train bnn: -toy plots one fit; -ensemble needs -data or -split-dir")
	case k == 1:
		return nil
	}
	p.Ensemble, rep.Ensemble = k, k
	rep.Compute = fmt.Sprintf("%d fits per split (seeds seed+k … seed+k+%d), after one selection: %d× the training compute of one fit, and %d× its test draws", k, k-1, k, k)
	return nil
}

// recordRanks records the ranks and the shard rule in rep. Every flag
// works data-parallel: -checkpoint is written by rank 0 alone, -resume
// takes a checkpoint of any number of ranks, and -select fits each
// candidate data-parallel (see bnn.DataParallel).
func recordRanks(dp bnn.DataParallel, rep *bnnReport) {
	rep.Ranks = 1
	if dp.Reducer != nil {
		rep.Ranks = dp.Reducer.Ranks()
		rep.ShardRule = shardRule(rep.Ranks)
	}
}

// parseHidden reads -hidden: units per layer, or 0 alone for no hidden
// layer (the log-linear model, or linear regression).
func parseHidden(s string) ([]int, error) {
	units, err := parseInts(s)
	if err != nil {
		return nil, fmt.Errorf("-hidden: %w", err)
	}
	if len(units) == 1 && units[0] == 0 {
		return []int{}, nil
	}
	for _, u := range units {
		if u < 1 {
			return nil, fmt.Errorf("-hidden: a layer of %d units; each needs at least 1 (-hidden 0 alone means no hidden layer)", u)
		}
	}
	return units, nil
}

// protocol checks the flags and returns the protocol they describe, with
// the report's settings.
func (f *bnnFlags) protocol(fs *flag.FlagSet) (bnn.Protocol, *bnnReport, error) {
	fail := func(err error) (bnn.Protocol, *bnnReport, error) {
		return bnn.Protocol{}, nil, fmt.Errorf("train bnn: %w", err)
	}
	sf := f.svi
	if err := f.idxDefaults(fs); err != nil {
		return fail(err)
	}
	modes := 0
	for _, set := range []bool{*f.data != "", *f.splitDir != "", *f.toy, *f.idx != ""} {
		if set {
			modes++
		}
	}
	switch {
	case *f.out == "":
		return fail(errors.New("-out is required"))
	case modes != 1:
		return fail(errors.New("give exactly one of -data, -idx, -split-dir and -toy"))
	case (*f.trainIdx == "") != (*f.testIdx == ""):
		return fail(errors.New("-train-index and -test-index go together"))
	}
	act, err := ops.ParseActivation(*f.activation)
	if err != nil {
		return fail(fmt.Errorf("-activation: %w", err))
	}
	tk, err := bnn.ParseTask(*f.task)
	if err != nil {
		return fail(fmt.Errorf("-task: %w", err))
	}
	units, err := parseHidden(*f.hidden)
	if err != nil {
		return fail(err)
	}
	if *f.splitList != "" && *f.splitDir == "" {
		return fail(errors.New("-splits chooses among the splits of -split-dir; give -split-dir"))
	}
	if err := sf.validate("bnn"); err != nil {
		return bnn.Protocol{}, nil, err
	}
	f.selectDefault(fs, tk)
	sel, err := bnn.ParseSelectMode(*f.selectMode)
	switch {
	case *f.batch < 1:
		return fail(fmt.Errorf("-batch must be at least 1, got %d", *f.batch))
	case *f.epochs < 0:
		return fail(fmt.Errorf("-epochs must not be negative, got %d", *f.epochs))
	case *f.checks < 0:
		return fail(fmt.Errorf("-checks must not be negative, got %d", *f.checks))
	case *f.draws < 1:
		return fail(fmt.Errorf("-draws must be at least 1, got %d", *f.draws))
	case err != nil:
		return fail(fmt.Errorf("unknown -select %q (want none, epochs, noise or model)", *f.selectMode))
	case sel != bnn.SelectNone && sf.steps > 0:
		return fail(errors.New("-steps cannot be combined with -select; give -epochs"))
	case *f.toy && tk != bnn.Regression:
		return fail(errors.New("-toy is a regression problem"))
	case *f.hetero && sel == bnn.SelectNoise:
		return fail(errors.New("-select noise chooses the noise precision's prior, which -heteroscedastic replaces; use -select none, epochs or model"))
	case (sf.checkpoint != "" || sf.resume != "") && sel != bnn.SelectNone:
		return fail(errors.New("-checkpoint and -resume cannot be combined with -select"))
	}
	if err := f.checkPriors(); err != nil {
		return fail(err)
	}
	gd, err := bnn.ParseGuide(sf.guide)
	if err != nil {
		return fail(fmt.Errorf("-guide: %w", err))
	}
	f.implicitDefaults(fs)
	dt, err := svi.ParseDType(sf.dtype) // checked by validate
	if err != nil {
		return fail(fmt.Errorf("-dtype: %w", err))
	}
	p := bnn.Protocol{Select: sel, ValFrac: *f.valFrac, Checks: *f.checks, Draws: *f.draws, DiagnosticDraws: sf.draws,
		Config: bnn.Config{Hidden: units, Activation: act, Task: tk, PriorScale: *f.priorScale, LocalReparam: *f.local,
			PriorShape: *f.priorShape, PriorRate: *f.priorRate, EmpiricalBayes: *f.eb, Heteroscedastic: *f.hetero, Skip: *f.skip},
		Settings: bnn.Settings{Epochs: *f.epochs, Steps: sf.steps, Batch: *f.batch, LearnRate: sf.lr, Particles: sf.particles,
			Anneal: *f.anneal, Workers: sf.workers, Vectorize: sf.vectorize, Guide: gd, Rank: sf.rank, Estimator: sf.estimator,
			Checkpoint: sf.checkpoint, CheckpointEvery: sf.every, Resume: sf.resume, Seed: sf.seed, DType: dt, RawInputs: *f.idx != ""}}
	rep := &bnnReport{Model: "bnn", Task: tk.String(), Hidden: units, Activation: act.String(), Epochs: *f.epochs, Steps: sf.steps,
		Batch: *f.batch, LearnRate: sf.lr, Particles: sf.particles, Workers: sf.workers, Anneal: *f.anneal, Guide: gd.String(),
		Local: *f.local, Estimator: sf.estimator, PriorScale: *f.priorScale, PriorShape: *f.priorShape, PriorRate: *f.priorRate,
		Select: *f.selectMode, Draws: *f.draws, Seed: sf.seed, PriorEB: *f.eb, Heteroscedastic: *f.hetero, Skip: *f.skip}
	if gd == bnn.MAP {
		rep.Estimator = "trace" // a point mass: the objective is the log-joint
	}
	if dt != svi.Float64 {
		rep.DType = dt.String()
	}
	if tk == bnn.Regression {
		p.Config.NoiseShape, p.Config.NoiseRate = *f.noiseShape, *f.rate
		rep.NoiseShape, rep.NoiseRate = *f.noiseShape, *f.rate
	}
	return p, rep, nil
}

// selectDefault makes -select none where it was not given and the default
// model selection does not apply: a fit of a given length (-steps,
// -epochs), one held in a checkpoint (-checkpoint, -resume), the toy's
// plot of the network's band, and classification (for which model has
// one candidate, so the fit on the cut would choose nothing).
func (f *bnnFlags) selectDefault(fs *flag.FlagSet, tk bnn.Task) {
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "select" })
	sf := f.svi
	if !given && (sf.steps > 0 || *f.epochs > 0 || sf.checkpoint != "" || sf.resume != "" || *f.toy || tk != bnn.Regression) {
		*f.selectMode = bnn.SelectNone.String()
	}
}

// implicitDefaults sets the defaults that depend on other flags, where
// the flag was not given: the toy's weak noise prior and dvi's single
// particle.
func (f *bnnFlags) implicitDefaults(fs *flag.FlagSet) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if *f.toy && !given["noise-shape"] && !given["noise-rate"] {
		// The toy's noise sd is 0.12 of the target's: Gamma(6, 6), which
		// centres the standardized noise sd on 1, would swamp it.
		*f.noiseShape, *f.rate = 1, 0.01
	}
	if f.svi.estimator == bnn.EstimatorDVI && !given["particles"] {
		f.svi.particles = 1 // dvi's likelihood has no draws to average
	}
}

// checkPriors refuses prior and fraction flags outside their range. A 0
// is refused too: the library would read it as "the default".
func (f *bnnFlags) checkPriors() error {
	for _, p := range []struct {
		flag string
		v    float64
	}{{"-prior-scale", *f.priorScale}, {"-noise-shape", *f.noiseShape}, {"-noise-rate", *f.rate}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("%s must be positive and finite, got %v", p.flag, p.v)
		}
	}
	hyper := *f.priorShape != 0 || *f.priorRate != 0
	switch {
	case hyper && !(*f.priorShape > 0 && *f.priorRate > 0 && !math.IsInf(*f.priorShape+*f.priorRate, 0)):
		return fmt.Errorf("-prior-shape and -prior-rate go together, both positive and finite, got %v and %v", *f.priorShape, *f.priorRate)
	case !(*f.valFrac > 0 && *f.valFrac < 1):
		return fmt.Errorf("-val-frac must lie in (0, 1), got %v", *f.valFrac)
	case !(*f.anneal >= 0 && *f.anneal < 1):
		return fmt.Errorf("-anneal must lie in [0, 1), got %v", *f.anneal)
	}
	return nil
}

// splits returns the train/test splits of -toy, -split-dir or -data, and
// names the source in rep.
func (f *bnnFlags) splits(rep *bnnReport) ([]bnn.Split, error) {
	var splits []bnn.Split
	switch {
	case *f.toy:
		rep.Data = fmt.Sprintf("toy: y = x³ + N(0, 3²), %d points uniform on [−4, 4]", toyPoints)
		splits = []bnn.Split{{Train: bnn.Toy(toyPoints, f.svi.seed)}}
	case *f.idx != "":
		sp, err := f.idxSplit(rep)
		if err != nil {
			return nil, err
		}
		splits = []bnn.Split{sp}
	case *f.splitDir != "":
		rep.Data = *f.splitDir
		u, err := bnn.OpenUCI(*f.splitDir)
		if err != nil {
			return nil, err
		}
		ks, err := parseSplits(*f.splitList, u.Splits)
		if err != nil {
			return nil, fmt.Errorf("-splits: %w", err)
		}
		for _, k := range ks {
			tr, te, err := u.Split(k)
			if err != nil {
				return nil, err
			}
			splits = append(splits, bnn.Split{Index: k, Train: tr, Test: te})
		}
	default:
		rep.Data = *f.data
		sp, err := loadBNNData(f.table, *f.data, *f.trainIdx, *f.testIdx, *f.testFrac, f.svi.seed)
		if err != nil {
			return nil, err
		}
		splits = []bnn.Split{sp}
	}
	rep.Splits = len(splits)
	return splits, nil
}

// printBNN writes the command's summary line.
func printBNN(w io.Writer, rep *bnnReport, out string) {
	switch {
	case rep.Toy != nil:
		fmt.Fprintf(w, "bnn toy: truth inside mean ± 2 sd at %.0f%% of [−4, 4]; mean sd %.2f inside, %.2f at 5 ≤ |x| ≤ 6; plot %s; report in %s\n",
			100*rep.Toy.CoverInside, rep.Toy.SDInside, rep.Toy.SDOutside, rep.Toy.Plot, out)
	case rep.Task == bnn.Regression.String() && rep.Splits == 1:
		fmt.Fprintf(w, "bnn: test RMSE %.3f, test LL %.3f, %.0f s training; report in %s\n",
			*rep.TestRMSE, *rep.TestLL, rep.TrainSeconds, out)
	case rep.Task == bnn.Regression.String():
		fmt.Fprintf(w, "bnn %d splits: test RMSE %.3f ± %.3f, test LL %.3f ± %.3f (mean ± standard error), %.0f s training; report in %s\n",
			rep.Splits, *rep.TestRMSE, *rep.TestRMSESE, *rep.TestLL, *rep.TestLLSE, rep.TrainSeconds, out)
	default:
		fmt.Fprintf(w, "bnn: test accuracy %.4f, NLL %.4f, ECE %.4f (10 bins), %.0f s training; report in %s\n",
			*rep.TestAccuracy, *rep.TestNLL, *rep.ECE, rep.TrainSeconds, out)
	}
}

// bnnTracePlot stages the ELBO trace of a fit as elbo.png, or as
// elbo_split<k>.png when several splits run.
func bnnTracePlot(od *outDir, split, jobs int, losses []float64) error {
	name := "elbo.png"
	if jobs > 1 {
		name = fmt.Sprintf("elbo_split%d.png", split)
	}
	elbo := make([]float64, len(losses))
	for i, l := range losses {
		elbo[i] = -l
	}
	if err := od.WriteFile(name, func(w io.Writer) error { return plotTrace(w, elbo) }); err != nil {
		return fmt.Errorf("ELBO plot: %w", err)
	}
	return nil
}

// bnnLR returns the learning rate the fit of a split ended with, and says
// on w when the divergence guard cut it (the progress lines of a bnn fit
// do not see the guard's retries).
func bnnLR(w io.Writer, lr float64, split int, net *bnn.Net) *lrUsed {
	u := newLRUsed(lr, net.State())
	if u.Backoff < 1 {
		fmt.Fprintf(w, "split %d: the divergence guard retried non-finite steps, halving the learning rate each time: the last step used %.3g (-lr %g × %.3g)\n",
			split, u.Final, u.Asked, u.Scale)
	}
	return u
}

// loadBNNData reads -data: every column but the last is an input, the last
// is the target. The test rows come from the index files (which must not
// share a row: bnn.Data.SplitRows), or from a seeded random hold-out of
// testFrac of the rows.
func loadBNNData(tf *tableFlags, path, trainIdx, testIdx string, testFrac float64, seed uint64) (bnn.Split, error) {
	tb, err := tf.readXY(path)
	if err != nil {
		return bnn.Split{}, err
	}
	all, err := bnn.NewData(tb.Split())
	if err != nil {
		return bnn.Split{}, err
	}
	if trainIdx != "" {
		tr, err := table.ReadIndex(trainIdx, all.N)
		if err != nil {
			return bnn.Split{}, err
		}
		te, err := table.ReadIndex(testIdx, all.N)
		if err != nil {
			return bnn.Split{}, err
		}
		var sp bnn.Split
		sp.Train, sp.Test, err = all.SplitRows(tr, te, "-train-index "+trainIdx, "-test-index "+testIdx)
		return sp, err
	}
	if !(testFrac > 0 && testFrac < 1) {
		return bnn.Split{}, fmt.Errorf("-test-frac must lie in (0, 1), got %v", testFrac)
	}
	tr, te, err := bnn.HoldOut(all, testFrac, seed)
	return bnn.Split{Train: tr, Test: te}, err
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

// plotToy stages toy.png, the toy problem: data, truth, and the network's
// predictive mean and mean ± 2 sd band on [−6, 6] (bnn.Net.ToyBand from
// draws draws, seeded by seed + 2000); seed is the toy data's.
func plotToy(net *bnn.Net, od *outDir, draws int, seed uint64) (*toyReport, error) {
	tb, err := net.ToyBand(draws, seed+2000)
	if err != nil {
		return nil, err
	}
	xs, p, n := tb.X, tb, len(tb.X)
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
	const name = "toy.png"
	if err := od.WriteFile(name, func(w io.Writer) error { return writePNG(w, pl, 6*vg.Inch, 4*vg.Inch) }); err != nil {
		return nil, fmt.Errorf("saving %s: %w", name, err)
	}
	return &toyReport{Plot: od.Path(name), ToyBand: tb}, nil
}
