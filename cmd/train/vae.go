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
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/vae"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

func init() {
	register("vae", "variational autoencoder (amortized encoder guide) on 8×8 digits or Fashion-MNIST", runVAE)
}

// vaeReport is the report.json of the vae command. Bounds are in nats per
// test image.
type vaeReport struct {
	Model       string             `json:"model"`
	Data        string             `json:"data"`
	Dataset     string             `json:"dataset"`
	TrainRows   int                `json:"train_rows"`
	TestRows    int                `json:"test_rows"` // rows of the test set evaluated
	Binarize    float64            `json:"binarize,omitempty"`
	Latent      int                `json:"latent"`
	Hidden      []int              `json:"hidden"`
	Activation  string             `json:"activation"`
	Likelihood  string             `json:"likelihood"`
	Covariance  string             `json:"covariance"`
	Batch       int                `json:"batch"`
	Epochs      float64            `json:"epochs"`
	Steps       int                `json:"steps"`
	LearnRate   float64            `json:"lr"`
	Particles   int                `json:"particles"`
	Estimator   string             `json:"estimator"`
	Seed        uint64             `json:"seed"`
	Params      int                `json:"params"`
	TrainSecs   float64            `json:"train_seconds"`
	ImagesPerS  float64            `json:"images_per_second"`
	TrainELBO   float64            `json:"train_elbo"` // mean −loss/N over the last epoch's steps
	EvalSecs    float64            `json:"eval_seconds"`
	NoiseScale  float64            `json:"noise_scale,omitempty"`
	TestELBO    float64            `json:"test_elbo"`
	TestELBOSE  float64            `json:"test_elbo_stderr"`
	EvalDraws   int                `json:"eval_draws"`
	TestIWAE    map[string]float64 `json:"test_iwae"` // by K
	TestIWAESE  map[string]float64 `json:"test_iwae_stderr"`
	Gap         *vae.Gap           `json:"amortization_gap,omitempty"`
	ApproxGap   *float64           `json:"approximation_gap,omitempty"`
	Diagnostics *svi.Diagnostics   `json:"diagnostics,omitempty"` // on the test images; k̂ and ESS are per-image medians
	PSIS        *vae.PSISSummary   `json:"psis_per_image,omitempty"`
	Trace       []float64          `json:"elbo_trace"`
	Files       []string           `json:"files"`
}

func runVAE(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("vae", stderr)
	data := fs.String("data", "", "digits CSV `file` (data/digits_8x8/digits.csv: every 5th row is the test set) or Fashion-MNIST directory (the four upstream .gz files)")
	latent := fs.Int("latent", 2, "latent dimensions L")
	hidden := fs.String("hidden", "200", "hidden widths of the encoder (the decoder mirrors them), comma-separated; \"\" for a linear VAE")
	activation := fs.String("activation", "relu", "hidden activation: relu or tanh")
	likelihood := fs.String("likelihood", "bernoulli", "decoder likelihood: bernoulli (binarized pixels) or gaussian (pixels in [0, 1], learned scale)")
	covariance := fs.String("covariance", "diagonal", "encoder covariance: diagonal or cholesky (whose default estimator is entropy)")
	binarize := fs.Float64("binarize", 0.5, "Bernoulli: a pixel is 1 when its value in [0, 1] is at least this")
	epochs := fs.Float64("epochs", 100, "passes over the training set (-steps, when given, wins)")
	batch := fs.Int("batch", 128, "minibatch size B")
	trainRows := fs.Int("train-rows", 0, "use only the first N training rows (0: all)")
	testRows := fs.Int("test-rows", 0, "evaluate on the first N test rows (0: all)")
	ks := fs.String("k", "1,50,500", "importance samples K of the test bounds, comma-separated")
	gapRows := fs.Int("gap-rows", 100, "test rows on which to measure the amortization gap (0: skip)")
	gapSteps := fs.Int("gap-steps", 1000, "Adam steps of the per-datum refit for the amortization gap")
	sf := addSVIFlags(fs, 0, 1e-3, 1, "kl")
	// Plain minibatch SVI by default, as in the PyTorch peer: no early stop,
	// no iterate averaging, a constant learning rate, few diagnostic draws.
	for name, v := range map[string]string{"stop": "false", "average": "false", "schedule": "none", "diagnostic-draws": "160"} {
		f := fs.Lookup(name)
		f.DefValue = v
		_ = f.Value.Set(v)
	}
	out := fs.String("out", "", "output `dir` for report.json and the figures")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *data == "":
		return fmt.Errorf("train vae: -data is required")
	case *out == "":
		return fmt.Errorf("train vae: -out is required")
	case set["guide"] || set["rank"]:
		return fmt.Errorf("train vae: -guide and -rank do not apply: the guide is the encoder (see -covariance)")
	case *latent < 1:
		return fmt.Errorf("train vae: -latent must be at least 1, got %d", *latent)
	case *batch < 1:
		return fmt.Errorf("train vae: -batch must be at least 1, got %d", *batch)
	case !(*epochs > 0):
		return fmt.Errorf("train vae: -epochs must be positive, got %v", *epochs)
	case !(*binarize > 0 && *binarize <= 1):
		return fmt.Errorf("train vae: -binarize must lie in (0, 1], got %v", *binarize)
	case *gapRows < 0 || *gapSteps < 1 || *trainRows < 0 || *testRows < 0:
		return fmt.Errorf("train vae: -gap-rows, -gap-steps, -train-rows and -test-rows must not be negative (-gap-steps ≥ 1)")
	}
	if !set["steps"] {
		*sf.steps = 1 // a placeholder for validate; the epochs set it below
	}
	if err := sf.validate("vae"); err != nil {
		return err
	}
	cfg := vae.Config{Latent: *latent}
	if cfg.Hidden, err = vaeInts(*hidden, "-hidden"); err != nil {
		return err
	}
	cfg.Linear = len(cfg.Hidden) == 0
	if cfg.Activation, err = ops.ParseActivation(*activation); err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	if cfg.Likelihood, err = vae.ParseLikelihood(*likelihood); err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	switch *covariance {
	case "diagonal":
	case "cholesky":
		cfg.Covariance = guides.Cholesky
		if !set["estimator"] {
			*sf.estimator = "entropy" // the closed-form KL needs a factorized q
		}
	default:
		return fmt.Errorf("train vae: unknown -covariance %q (want diagonal or cholesky)", *covariance)
	}
	kList, err := vaeInts(*ks, "-k")
	if err != nil {
		return err
	}
	if len(kList) == 0 {
		return fmt.Errorf("train vae: -k needs at least one value")
	}
	train, test, name, err := loadVAEData(*data)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	rep := &vaeReport{Model: "vae", Data: *data, Dataset: name, Latent: *latent, Hidden: cfg.Hidden,
		Activation: cfg.Activation.String(), Likelihood: cfg.Likelihood.String(), Covariance: *covariance,
		LearnRate: *sf.lr, Particles: *sf.particles, Estimator: *sf.estimator, Seed: *sf.seed}
	train, test = train.Head(*trainRows), test.Head(*testRows)
	if cfg.Likelihood == vae.Bernoulli {
		train, test = train.Binarize(*binarize), test.Binarize(*binarize)
		rep.Binarize = *binarize
	}
	cfg.Dim = train.Dim
	b := min(*batch, train.Rows)
	rep.TrainRows, rep.TestRows, rep.Batch = train.Rows, test.Rows, b
	perEpoch := vae.StepsPerEpoch(train.Rows, b)
	if !set["steps"] {
		*sf.steps = max(1, int(*epochs*float64(perEpoch)+0.5))
	}
	rep.Steps = *sf.steps
	rep.Epochs = float64(rep.Steps) / float64(perEpoch)
	v, err := vae.New(cfg, b, train.Rows, *sf.seed)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	scfg, err := sf.config("vae")
	if err != nil {
		return err
	}
	tr, err := svi.New(v.Model(), v.Guide(), scfg)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	rep.Params = tr.Layout().Size()
	next, err := vae.Batches(train, b, *sf.seed+1)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	if *sf.resume != "" {
		// Skip the batches the checkpointed run has dealt, so that a
		// resumed run sees the minibatches an uninterrupted one would.
		ck, err := tr.LoadCheckpoint(*sf.resume)
		if err != nil {
			return fmt.Errorf("train vae: %w", err)
		}
		for i := 0; i < ck.Iter; i++ {
			if _, err := next(); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stderr, "vae on %s: %d training images of %d pixels, %d test; L = %d, hidden %v, %s; %d steps of B = %d (%.1f epochs)\n",
		name, train.Rows, train.Dim, test.Rows, *latent, cfg.Hidden, cfg.Likelihood, rep.Steps, b, rep.Epochs)
	start := time.Now()
	st, fit, err := fitSVI(ctx, "vae", sf, tr, next, *out, stderr)
	if fit != nil {
		// fit.Diagnostics are left out: their k̂ and ESS are of the
		// importance weight of a whole minibatch's joint, which says
		// nothing about q(z_n | x_n); the test bounds below replace them.
		rep.Trace, rep.TrainSecs = fit.Trace, fit.Seconds
		for i := range rep.Trace {
			rep.Trace[i] /= float64(train.Rows) // per image
		}
		if len(fit.Trace) > 0 {
			k := min(perEpoch, len(fit.Trace))
			for _, e := range fit.Trace[len(fit.Trace)-k:] {
				rep.TrainELBO += e / float64(k)
			}
		}
	}
	if err != nil {
		return err
	}
	if rep.TrainSecs == 0 {
		rep.TrainSecs = time.Since(start).Seconds()
	}
	rep.ImagesPerS = float64(b) * float64(st.Iter) / rep.TrainSecs
	net, err := v.Net(st.Params)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	rep.NoiseScale = net.NoiseScale()
	start = time.Now()
	ev, err := net.Evaluate(test.X, test.Rows, kList, *sf.seed+3)
	if err != nil {
		return fmt.Errorf("train vae: %w", err)
	}
	rep.TestELBO, rep.TestELBOSE, rep.EvalDraws = ev.ELBO, ev.ELBOStdErr, ev.Draws
	rep.TestIWAE, rep.TestIWAESE = map[string]float64{}, map[string]float64{}
	for _, bd := range ev.IWAE {
		rep.TestIWAE[strconv.Itoa(bd.K)] = bd.Mean
		rep.TestIWAESE[strconv.Itoa(bd.K)] = bd.StdErr
	}
	if ev.PSIS != nil {
		// The fit report of an amortized fit: per test image, the PSIS k̂
		// and ESS of its draws of q(z | x) against p(x, z) (medians here,
		// the distribution in "psis_per_image").
		last := ev.IWAE[len(ev.IWAE)-1]
		rep.Diagnostics = &svi.Diagnostics{Draws: ev.Draws, ELBO: ev.ELBO, ELBOStdErr: ev.ELBOStdErr, IWAE: last.Mean,
			KHat: ev.PSIS.MedianKHat, KThreshold: ev.PSIS.Threshold, ESS: ev.PSIS.MedianESS, Steps: st.Iter,
			StopReason: fit.Reason, Verdict: ev.PSIS.Verdict()}
		rep.PSIS = ev.PSIS
		fmt.Fprintf(stderr, "vae: %s\n", rep.Diagnostics.Verdict)
	} else {
		fmt.Fprintf(stderr, "vae: no PSIS report: it needs at least 25 draws per image (-k), got %d\n", ev.Draws)
	}
	if n := min(*gapRows, test.Rows); n > 0 {
		sub := test.Head(n)
		gap, err := net.AmortizationGap(ctx, sub.X, sub.Rows, vae.LocalSettings{Steps: *gapSteps, Seed: *sf.seed + 4})
		if err != nil {
			return fmt.Errorf("train vae: amortization gap: %w", err)
		}
		rep.Gap = gap
		a := gap.LocalIWAE - gap.Local
		rep.ApproxGap = &a
	}
	rep.EvalSecs = time.Since(start).Seconds()
	figs := []struct {
		name string
		save func(string) error
	}{
		{"reconstructions.png", func(p string) error { return net.SaveReconstructions(p, test, 30) }},
		{"prior_samples.png", func(p string) error { return net.SavePriorSamples(p, test.Width, 50, *sf.seed+5) }},
	}
	if *latent == 2 && test.Labels != nil {
		figs = append(figs, struct {
			name string
			save func(string) error
		}{"latent.png", func(p string) error { return net.SaveLatentScatter(p, test) }})
	}
	rep.Files = []string{"report.json", "elbo.png"}
	for _, f := range figs {
		if err := f.save(filepath.Join(*out, f.name)); err != nil {
			return fmt.Errorf("train vae: %s: %w", f.name, err)
		}
		rep.Files = append(rep.Files, f.name)
	}
	if err := writeReport(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vae %s: test ELBO %.3f ± %.3f", name, rep.TestELBO, rep.TestELBOSE)
	for _, bd := range ev.IWAE {
		fmt.Fprintf(stdout, ", IWAE-%d %.3f", bd.K, bd.Mean)
	}
	if rep.Gap != nil {
		fmt.Fprintf(stdout, ", amortization gap %.3f ± %.3f (%d images)", rep.Gap.Gap, rep.Gap.GapStdErr, rep.Gap.Rows)
	}
	fmt.Fprintf(stdout, " nats/image; %.0f images/s; report in %s\n", rep.ImagesPerS, *out)
	return nil
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
