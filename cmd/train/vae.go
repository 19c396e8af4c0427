package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/vae"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// vaeReport is the report.json of the vae command: the settings, the
// training figures and the test-set evaluation (vae.Assessment). Bounds
// are in nats per test image.
type vaeReport struct {
	Model      string  `json:"model"`
	Data       string  `json:"data"`
	Dataset    string  `json:"dataset"`
	TrainRows  int     `json:"train_rows"`
	TestRows   int     `json:"test_rows"` // rows of the test set evaluated
	Binarize   float64 `json:"binarize,omitempty"`
	Latent     int     `json:"latent"`
	Hidden     []int   `json:"hidden"`
	Activation string  `json:"activation"`
	Likelihood string  `json:"likelihood"`
	Covariance string  `json:"covariance"`
	DType      string  `json:"dtype,omitempty"` // float32; empty for float64
	Batch      int     `json:"batch"`
	Epochs     float64 `json:"epochs"`
	Steps      int     `json:"steps"`
	LearnRate  float64 `json:"lr"`
	Particles  int     `json:"particles"`
	Estimator  string  `json:"estimator"`
	Seed       uint64  `json:"seed"`
	Params     int     `json:"params"`
	TrainSecs  float64 `json:"train_seconds"`
	ImagesPerS float64 `json:"images_per_second"`
	TrainELBO  float64 `json:"train_elbo"` // mean −loss/N over the last epoch's steps
	*vae.Assessment
	Trace []float64 `json:"elbo_trace"` // per image
	Files []string  `json:"files"`

	// TestInTraining counts the test images (of those evaluated) equal to
	// a training image, pixel for pixel: scored all the same, but a test
	// set that repeats the training set shows here.
	TestInTraining int     `json:"test_images_also_in_training"`
	LR             *lrUsed `json:"learning_rate,omitempty"` // the learning rate the fit ended with
	// Ranks is the number of MPI processes that shared the fit (1: one
	// process), ShardRule how they shared the rows and AllReduceSeconds
	// rank 0's time in the gradient all-reduce.
	Ranks            int     `json:"ranks"`
	ShardRule        string  `json:"shard_rule,omitempty"`
	AllReduceSeconds float64 `json:"allreduce_seconds,omitempty"`
}

// vaeFlags are the vae command's flags.
type vaeFlags struct {
	data, hidden, activation, likelihood, covariance, ks, out *string
	latent, batch, trainRows, testRows, gapRows, gapSteps     *int
	binarize, epochs                                          *float64
	svi                                                       *sviFlags
}

func addVAEFlags(fs *flag.FlagSet) *vaeFlags {
	// Plain minibatch SVI by default, as in the PyTorch peer: no early stop,
	// no iterate averaging, a constant learning rate, few diagnostic draws.
	spec := sviDefaults(0, 1e-3, 1, "kl")
	spec.epochs, spec.stop, spec.average, spec.schedule, spec.draws = true, false, false, "none", 160
	spec.float32 = true // the encoder, decoder and likelihoods take float32
	return &vaeFlags{
		data:       fs.String("data", "", "digits CSV `file` (data/digits_8x8/digits.csv: every 5th row is the test set) or Fashion-MNIST directory (the four upstream .gz files)"),
		latent:     fs.Int("latent", 2, "latent dimensions L"),
		hidden:     fs.String("hidden", "200", "hidden widths of the encoder (the decoder mirrors them), comma-separated; \"\" for a linear VAE"),
		activation: fs.String("activation", "relu", "hidden activation: relu or tanh"),
		likelihood: fs.String("likelihood", "bernoulli", "decoder likelihood: bernoulli (binarized pixels) or gaussian (pixels in [0, 1], learned scale)"),
		covariance: fs.String("covariance", "diagonal", "encoder covariance: diagonal or cholesky (whose default estimator is entropy)"),
		binarize:   fs.Float64("binarize", 0.5, "Bernoulli: a pixel is 1 when its value in [0, 1] is at least this"),
		epochs:     fs.Float64("epochs", 100, "passes over the training set (-steps, when given, wins)"),
		batch:      fs.Int("batch", 128, "minibatch size B; under mpirun the total over the ranks, each drawing its share from its shard"),
		trainRows:  fs.Int("train-rows", 0, "use only the first N training rows (0: all)"),
		testRows:   fs.Int("test-rows", 0, "evaluate on the first N test rows (0: all)"),
		ks:         fs.String("k", "1,50,500", "importance samples K of the test bounds, comma-separated"),
		gapRows:    fs.Int("gap-rows", 100, "test rows on which to measure the amortization gap (0: skip)"),
		gapSteps:   fs.Int("gap-steps", 1000, "Adam steps of the per-datum refit for the amortization gap"),
		svi:        addSVIFlags(fs, spec),
		out:        fs.String("out", "", "output `dir` for report.json and the figures"),
	}
}

func runVAE(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, fs, stop, err := parseCommand("vae", args, stderr, addVAEFlags)
	if err != nil {
		return err
	}
	defer stop()
	cfg, ks, err := f.config(fs)
	if err != nil {
		return err
	}
	w := sviWorldOf(ctx)
	f.svi.world = w
	var od *outDir
	if w.writes() {
		// Rank 0 alone writes the outputs (and takes the folder's lock).
		if od, err = begin(fs, *f.out, f.svi, stderr); err != nil {
			return err
		}
		defer od.Abort()
	}
	train, test, name, err := loadVAEData(*f.data)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	sf := f.svi
	rep := &vaeReport{Model: "vae", Data: *f.data, Dataset: name, Latent: *f.latent, Hidden: cfg.Hidden,
		Activation: cfg.Activation.String(), Likelihood: cfg.Likelihood.String(), Covariance: *f.covariance,
		LearnRate: sf.lr, Particles: sf.particles, Estimator: sf.estimator, Seed: sf.seed, Ranks: w.size, ShardRule: shardRule(w.size)}
	train, test = train.Head(*f.trainRows), test.Head(*f.testRows)
	if rep.TestInTraining = sharedImages(train, test); rep.TestInTraining > 0 {
		fmt.Fprintf(stderr, "vae: %d of the %d test images also appear among the training images; they are scored all the same\n", rep.TestInTraining, test.Rows)
	}
	if cfg.Likelihood == vae.Bernoulli {
		train, test = train.Binarize(*f.binarize), test.Binarize(*f.binarize)
		rep.Binarize = *f.binarize
	}
	cfg.Dim = train.Dim
	tc, err := sf.config("vae")
	if err != nil {
		return err
	}
	if tc.DType != svi.Float64 {
		rep.DType = tc.DType.String()
	}
	r := &sviRun{f: sf, stderr: stderr}
	set := vae.Settings{Epochs: *f.epochs, Steps: sf.steps, Batch: *f.batch, Trainer: &tc, Seed: sf.seed, Driver: r,
		DataParallel: vae.DataParallel{Rank: w.rank, Reducer: w.reducer()}}
	plan := set.Plan(train.Rows)
	r.total = plan.Steps
	fmt.Fprintf(stderr, "vae on %s: %d training images of %d pixels, %d test; L = %d, hidden %v, %s; %d steps of B = %d (%.1f epochs)\n",
		name, train.Rows, train.Dim, test.Rows, *f.latent, cfg.Hidden, cfg.Likelihood, plan.Steps, plan.Batch, plan.Epochs)
	fit, err := vae.Fit(ctx, cfg, train, set)
	if err == nil && !w.writes() {
		return nil // rank 0 assesses the fit and writes the outputs
	}
	if err == nil {
		r.keepTrace(fit.State)
		if err = r.plot(od); err != nil {
			err = fmt.Errorf("vae: %w", err)
		}
	}
	// The fit report of the amortized model comes from the test bounds
	// (Assess below), not from importance weights of one minibatch's joint.
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	rep.TrainRows, rep.TestRows, rep.Batch, rep.Steps, rep.Epochs = train.Rows, test.Rows, plan.Batch, plan.Steps, plan.Epochs
	rep.Params, rep.Trace, rep.TrainELBO = fit.Params(), fit.Trace(), fit.TrainELBO()
	rep.TrainSecs, rep.ImagesPerS, rep.LR = fit.Elapsed.Seconds(), fit.ImagesPerSecond(), r.out.LR
	rep.AllReduceSeconds = w.allReduceSeconds()
	if rep.Assessment, err = fit.Assess(ctx, test, vae.AssessSettings{K: ks, GapRows: *f.gapRows, GapSteps: *f.gapSteps, Seed: sf.seed + 3}); err != nil {
		return fmt.Errorf("train %w", err)
	}
	if d := rep.Diagnostics; d != nil {
		d.StopReason = r.out.Reason
		fmt.Fprintf(stderr, "vae: %s\n", d.Verdict)
	} else {
		fmt.Fprintf(stderr, "vae: no PSIS report: it needs at least 25 draws per image (-k), got %d\n", rep.EvalDraws)
	}
	if rep.Files, err = vaeFigures(fit, test, od, sf.seed+5); err != nil {
		return err
	}
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vae %s: test ELBO %.3f ± %.3f", name, rep.TestELBO, rep.TestELBOSE)
	for _, bd := range rep.Bounds {
		fmt.Fprintf(stdout, ", IWAE-%d %.3f", bd.K, bd.Mean)
	}
	if rep.Gap != nil {
		fmt.Fprintf(stdout, ", amortization gap %.3f ± %.3f (%d images)", rep.Gap.Gap, rep.Gap.GapStdErr, rep.Gap.Rows)
	}
	fmt.Fprintf(stdout, " nats/image; %.0f images/s; report in %s\n", rep.ImagesPerS, *f.out)
	return nil
}

// sharedImages counts the images of test equal to an image of train,
// pixel for pixel.
func sharedImages(train, test *vae.Dataset) int {
	key := func(d *vae.Dataset, i int) string { return svi.HashFloats(d.X[i*d.Dim : (i+1)*d.Dim]) }
	seen := make(map[string]bool, train.Rows)
	for i := range train.Rows {
		seen[key(train, i)] = true
	}
	n := 0
	for i := range test.Rows {
		if seen[key(test, i)] {
			n++
		}
	}
	return n
}

// config checks the flags and returns the model they describe (Dim left
// for the data) and the K of the test bounds.
func (f *vaeFlags) config(fs *flag.FlagSet) (vae.Config, []int, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fail := func(format string, a ...any) (vae.Config, []int, error) {
		return vae.Config{}, nil, fmt.Errorf("train vae: "+format, a...)
	}
	switch {
	case *f.data == "":
		return fail("-data is required")
	case *f.out == "":
		return fail("-out is required")
	case set["guide"] || set["rank"]:
		return fail("-guide and -rank do not apply: the guide is the encoder (see -covariance)")
	case *f.latent < 1:
		return fail("-latent must be at least 1, got %d", *f.latent)
	case *f.batch < 1:
		return fail("-batch must be at least 1, got %d", *f.batch)
	case !(*f.epochs > 0):
		return fail("-epochs must be positive, got %v", *f.epochs)
	case !(*f.binarize > 0 && *f.binarize <= 1):
		return fail("-binarize must lie in (0, 1], got %v", *f.binarize)
	case *f.gapRows < 0 || *f.gapSteps < 1 || *f.trainRows < 0 || *f.testRows < 0:
		return fail("-gap-rows, -gap-steps, -train-rows and -test-rows must not be negative (-gap-steps ≥ 1)")
	}
	if err := f.svi.validate("vae"); err != nil {
		return vae.Config{}, nil, err
	}
	cfg := vae.Config{Latent: *f.latent}
	var err error
	if cfg.Hidden, err = vaeInts(*f.hidden, "-hidden"); err != nil {
		return vae.Config{}, nil, err
	}
	cfg.Linear = len(cfg.Hidden) == 0
	if cfg.Activation, err = ops.ParseActivation(*f.activation); err != nil {
		return fail("-activation: %w", err)
	}
	if cfg.Likelihood, err = vae.ParseLikelihood(*f.likelihood); err != nil {
		return fail("-likelihood: %w", err)
	}
	switch *f.covariance {
	case "diagonal":
	case "cholesky":
		cfg.Covariance = guides.Cholesky
		if !set["estimator"] {
			f.svi.estimator = "entropy" // the closed-form KL needs a factorized q
		}
	default:
		return fail("unknown -covariance %q (want diagonal or cholesky)", *f.covariance)
	}
	ks, err := vaeInts(*f.ks, "-k")
	if err == nil && len(ks) == 0 {
		return fail("-k needs at least one value")
	}
	return cfg, ks, err
}

// vaeFigures stages the reconstructions, prior samples and (for a 2-D
// latent space and labelled data) the latent scatter of the fit in od,
// and returns the files of the report.
func vaeFigures(fit *vae.Fitted, test *vae.Dataset, od *outDir, seed uint64) ([]string, error) {
	net, err := fit.Net()
	if err != nil {
		return nil, fmt.Errorf("train %w", err)
	}
	figs := []struct {
		name string
		save func(string) error
	}{
		{"reconstructions.png", func(p string) error { return net.SaveReconstructions(p, test, 30) }},
		{"prior_samples.png", func(p string) error { return net.SavePriorSamples(p, test.Width, 50, seed) }},
		{"latent.png", func(p string) error { return net.SaveLatentScatter(p, test) }},
	}
	if net.Config().Latent != 2 || test.Labels == nil {
		figs = figs[:2]
	}
	files := []string{reportName, "elbo.png"}
	for _, f := range figs {
		if err := od.SaveAs(f.name, f.save); err != nil {
			return nil, fmt.Errorf("train vae: %s: %w", f.name, err)
		}
		files = append(files, f.name)
	}
	return files, nil
}

// vaeInts parses a comma-separated list of positive integers ("" is none).
func vaeInts(s, flagName string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("train vae: %s: %q is not a positive integer", flagName, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadVAEData reads the digits CSV (split every 5th row into the test set)
// or Fashion-MNIST (a directory, or one of its files).
func loadVAEData(path string) (train, test *vae.Dataset, name string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, "", err
	}
	if !fi.IsDir() && strings.HasSuffix(path, ".csv") {
		d, err := vae.ReadDigits(path)
		if err != nil {
			return nil, nil, "", err
		}
		train, test, err = d.SplitEvery(5)
		return train, test, "digits_8x8", err
	}
	dir := path
	if !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	if _, err := os.Stat(filepath.Join(dir, vae.FashionTrainImages)); err != nil {
		return nil, nil, "", fmt.Errorf("%s is neither a digits CSV nor a folder with %s", path, vae.FashionTrainImages)
	}
	train, test, err = vae.ReadFashionMNIST(dir)
	return train, test, "fashion_mnist", err
}
