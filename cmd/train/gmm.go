package main

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/gmm"
	"github.com/govi/govi/svi"
)

// gmmReport is the report.json of the gmm command. Means and covariances
// are in the units of the input file (mapped back when -standardize is
// given); covariances are E[Λ_k]⁻¹.
type gmmReport struct {
	Model               string      `json:"model"`
	Method              string      `json:"method"`
	Data                string      `json:"data"`
	Columns             []string    `json:"columns,omitempty"`
	N                   int         `json:"n"`
	D                   int         `json:"d"`
	K                   int         `json:"k"`
	Alpha0              float64     `json:"alpha0"`
	Standardized        bool        `json:"standardized"`
	Init                string      `json:"init"`
	Seed                uint64      `json:"seed"`
	DType               string      `json:"dtype,omitempty"` // -method svi -dtype float32; empty for float64
	Weights             []float64   `json:"weights"`
	Means               [][]float64 `json:"means"`
	Covariances         [][]float64 `json:"covariances"` // D×D row-major each
	CovarianceKind      string      `json:"covariance_kind"`
	EffectiveComponents int         `json:"effective_components"`
	Effective           []int       `json:"effective_indices"`
	EffectiveThreshold  float64     `json:"effective_threshold"`
	ELBOTrace           []float64   `json:"elbo_trace"`
	Iterations          int         `json:"iterations"`
	Converged           bool        `json:"converged"`
	Plot                string      `json:"plot,omitempty"`

	// SVI fits only.
	Guide       string           `json:"guide,omitempty"`
	Estimator   string           `json:"estimator,omitempty"`
	Steps       int              `json:"steps,omitempty"`
	Diagnostics *svi.Diagnostics `json:"diagnostics,omitempty"`
	Draws       int              `json:"posterior_draws,omitempty"`
	Seconds     float64          `json:"train_seconds,omitempty"`
	// LearnRateUsed is the learning rate the fit ended with.
	LearnRateUsed *lrUsed `json:"learning_rate,omitempty"`

	// The ranks that shared the fit under mpirun (CAVI and SVI alike; an
	// SVI fit exchanges gradients every step, not statistics every sweep).
	caviRanks
}

func runGMM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("gmm", stderr)
	data := fs.String("data", "", "numeric table `file` (CSV or whitespace, optional header); every column is a dimension")
	k := fs.Int("k", 6, "number of components K")
	alpha0 := fs.Float64("alpha0", 1e-3, "Dirichlet concentration α₀ of each weight")
	standardize := fs.Bool("standardize", false, "standardise each column before fitting (results are reported in the file's units)")
	method := fs.String("method", "cavi", "cavi (closed-form coordinate ascent, PRML 10.2) or svi (assignments summed out; the shared SVI flags apply)")
	spec := sviDefaults(4000, 0.02, 4, "entropy")
	spec.natural = true
	spec.seed = 0       // the CAVI fits' initialisation has always been seeded with 0 by default
	spec.float32 = true // the SVI model's ops (StickBreaking, LogSumExp, Lgamma) take float32
	spec.notes = map[string]string{"dtype": "-method svi only for gmm: the CAVI fit is closed-form float64"}
	sf := addSVIFlags(fs, spec)
	tf := addTableFlags(fs)
	seed := &sf.seed
	maxIter := fs.Int("max-iter", 1000, "maximum number of CAVI iterations")
	initName := fs.String("init", "kmeans", "initialisation: kmeans (k-means++) or random")
	out := fs.String("out", "", "output `dir` for report.json and gmm.png")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	switch {
	case *data == "":
		return errors.New("train gmm: -data is required")
	case *out == "":
		return errors.New("train gmm: -out is required")
	case *k < 1:
		return fmt.Errorf("train gmm: -k %d: need at least one component", *k)
	case !(*alpha0 > 0) || math.IsInf(*alpha0, 0):
		return fmt.Errorf("train gmm: -alpha0 %v must be positive", *alpha0)
	case *maxIter < 1:
		return fmt.Errorf("train gmm: -max-iter %d: need at least one iteration", *maxIter)
	case *method != "cavi" && *method != "svi":
		return fmt.Errorf("train gmm: -method %q: want cavi or svi", *method)
	}
	if err := sf.validate("gmm"); err != nil {
		return err // also for cavi: a typed -steps -1 is nonsense whatever the method
	}
	if *method == "cavi" && sf.dtype != "float64" {
		return fmt.Errorf("train gmm: -dtype %s applies to -method svi: the CAVI fit is closed-form float64", sf.dtype)
	}
	var init gmm.Init
	switch *initName {
	case "kmeans":
		init = gmm.InitKMeans
	case "random":
		init = gmm.InitRandom
	default:
		return fmt.Errorf("train gmm: -init %q: want kmeans or random", *initName)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dp, tc := gmmParallel(ctx)
	sf.world = sviWorldOf(ctx) // -method svi: the ranks average each step's gradient
	var od *outDir
	if dp.Rank == 0 { // rank 0 alone writes the outputs
		if od, err = begin(fs, *out, sviOnly(sf, *method == "svi"), stderr); err != nil {
			return err
		}
		defer od.Abort()
	}
	tb, err := tf.read(*data)
	if err != nil {
		return fmt.Errorf("train gmm: %w", err)
	}
	x, d := tb.Data, tb.Cols
	var mean, std []float64 // nil: the data's own units
	if *standardize {
		if x, mean, std, err = gmm.Standardize(x, d); err != nil {
			return fmt.Errorf("train %w", err)
		}
	}
	if *method == "svi" {
		return runGMMSVI(ctx, sf, *data, tb, x, mean, std, *k, *alpha0, *standardize, od, stdout, stderr)
	}
	res, err := gmm.Fit(x, d, gmm.Config{K: *k, Alpha0: *alpha0, Seed: *seed, MaxIter: *maxIter, Init: init, DataParallel: dp})
	if err != nil || dp.Rank != 0 {
		return wrapTrain(err)
	}
	rep := gmmReport{Model: "gmm", Method: "cavi", Data: *data, Columns: tb.Header, N: tb.Rows, D: d, K: *k, Alpha0: *alpha0,
		Standardized: *standardize, Init: init.String(), Seed: *seed,
		CovarianceKind:     "E[Λ_k]⁻¹ = (ν_k W_k)⁻¹, the covariance at the expected precision (not the Student-t predictive covariance)",
		EffectiveThreshold: gmm.EffectiveThreshold, ELBOTrace: res.Bound, Iterations: res.Iterations, Converged: res.Converged,
		caviRanks: newCaviRanks(tc, "rows", "N", 8*(*k*(1+d+d*(d+1)/2)+1))}
	rep.summary(res.Summary(mean, std))
	fmt.Fprintf(stderr, "gmm: N = %d, D = %d, K = %d: %d iterations, bound %.6f, %d effective components\n",
		tb.Rows, d, *k, res.Iterations, res.Bound[len(res.Bound)-1], len(res.Effective))
	return finishGMM(tb, &rep, od, stdout, stderr)
}

// finishGMM draws the fit (two or more columns), writes the report and
// commits the outputs.
func finishGMM(tb *table.Table, rep *gmmReport, od *outDir, stdout, stderr io.Writer) error {
	if rep.D >= 2 {
		rep.Plot = od.Path("gmm.png")
		if err := od.WriteFile("gmm.png", func(w io.Writer) error { return plotGMM(w, tb, rep) }); err != nil {
			return fmt.Errorf("train gmm: plot: %w", err)
		}
	} else {
		fmt.Fprintln(stderr, "gmm: one-dimensional data: no plot")
	}
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gmm: wrote %s\n", od.Path(reportName))
	return nil
}

// gmmSVIDraws is the number of draws of q behind the SVI report's posterior
// means.
const gmmSVIDraws = 2000

// runGMMSVI fits gmm.SVIModel with the shared SVI flags and reports the
// posterior means of the weights, means and covariances Σ_k = Λ_k⁻¹ over
// draws of q, in the file's units.
func runGMMSVI(ctx context.Context, sf *sviFlags, path string, tb *table.Table, x, mean, std []float64, k int, alpha0 float64, standardized bool, od *outDir, stdout, stderr io.Writer) error {
	d := tb.Cols
	m, err := gmm.NewSVIModel(x, d, gmm.Config{K: k, Alpha0: alpha0})
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	// The means start at K distinct data points drawn with the seed.
	init := gmm.InitMeans(x, d, k, sf.seed)
	fp := svi.Fingerprint{"data (after -standardize)": svi.DataFingerprint(tb.Rows, x), "-k": fmt.Sprint(k), "-alpha0": fmt.Sprint(alpha0)}
	// In a data-parallel fit rank r fits its rows full batch with the
	// likelihood scaled by P (gmm.SVIModel.Shard); rank 0 reports on all.
	w := sf.world
	shard, lo, hi := m, 0, tb.Rows
	if w.parallel() {
		if shard, lo, hi, err = m.Shard(w.size, w.rank); err != nil {
			return fmt.Errorf("train %w", err)
		}
	}
	tr, eval, _, cfg, err := sf.shardTrainers("gmm", shard, m, guides.MeanField{InitLoc: map[string][]float64{"means": init}}, fp)
	if err != nil {
		return err
	}
	st, fit, err := fitShard(ctx, "gmm", sf, tr, eval, svi.Batch{"x": x[lo*d : hi*d]}, svi.Batch{"x": x}, od, stderr)
	if err != nil || eval == nil {
		return err
	}
	draws, err := eval.Sample(st, gmmSVIDraws, rand.New(svi.NewRNG(sf.seed+2)))
	if err != nil {
		return fmt.Errorf("train gmm: %w", err)
	}
	rep := gmmReport{Model: "gmm", Method: "svi", Data: path, Columns: tb.Header, N: tb.Rows, D: d, K: k, Alpha0: alpha0,
		Standardized: standardized, Init: "random data points", Seed: sf.seed,
		CovarianceKind:     fmt.Sprintf("E_q[Λ_k⁻¹], the posterior mean covariance over %d draws of q", gmmSVIDraws),
		EffectiveThreshold: gmm.EffectiveThreshold, ELBOTrace: fit.Trace, Iterations: st.Iter,
		Converged: fit.Diagnostics != nil && fit.Diagnostics.StopReason == "converged",
		Guide:     sf.guide, Estimator: cfg.Estimator.String(), Steps: st.Iter, Diagnostics: fit.Diagnostics,
		Draws: gmmSVIDraws, Seconds: fit.Seconds, LearnRateUsed: fit.LR,
		caviRanks: caviRanks{Ranks: w.size, ShardRule: fullBatchShardRule(w.size), AllReduceSeconds: w.allReduceSeconds()}}
	if cfg.DType != svi.Float64 {
		rep.DType = cfg.DType.String()
	}
	rep.summary(m.Summary(draws, mean, std))
	fmt.Fprintf(stderr, "gmm (svi): N = %d, D = %d, K = %d: %d steps, %d effective components\n", tb.Rows, d, k, st.Iter, rep.EffectiveComponents)
	return finishGMM(tb, &rep, od, stdout, stderr)
}

// summary stores the fitted mixture.
func (rep *gmmReport) summary(s *gmm.Summary) {
	rep.Weights, rep.Means, rep.Covariances, rep.Effective = s.Weights, s.Means, s.Covariances, s.Effective
	rep.EffectiveComponents = len(s.Effective)
}

// plotGMM draws the data's first two columns with the 2-σ ellipse of each
// effective component (in the same two dimensions).
func plotGMM(w io.Writer, tb *table.Table, rep *gmmReport) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("VB Gaussian mixture: %d effective of %d components", rep.EffectiveComponents, rep.K)
	p.X.Label.Text, p.Y.Label.Text = "column 1", "column 2"
	if len(tb.Header) >= 2 {
		p.X.Label.Text, p.Y.Label.Text = tb.Header[0], tb.Header[1]
	}
	pts := make(plotter.XYs, tb.Rows)
	for i := range pts {
		pts[i].X, pts[i].Y = tb.At(i, 0), tb.At(i, 1)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.GlyphStyle.Color = color.RGBA{R: 90, G: 90, B: 90, A: 255}
	sc.GlyphStyle.Radius = vg.Points(1.5)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(sc)
	palette := []color.RGBA{{R: 213, G: 94, A: 255}, {G: 114, B: 178, A: 255}, {G: 158, B: 115, A: 255}, {R: 204, G: 121, B: 167, A: 255}, {R: 230, G: 159, A: 255}, {R: 86, G: 180, B: 233, A: 255}}
	d := rep.D
	for i, c := range rep.Effective {
		cov := mat.NewSymDense(2, []float64{
			rep.Covariances[c][0], rep.Covariances[c][1],
			rep.Covariances[c][d], rep.Covariances[c][d+1],
		})
		var ch mat.Cholesky
		if !ch.Factorize(cov) {
			continue
		}
		var l mat.TriDense
		ch.LTo(&l)
		const steps = 100
		ell := make(plotter.XYs, steps+1)
		for s := range ell {
			th := 2 * math.Pi * float64(s) / steps
			u, v := 2*math.Cos(th), 2*math.Sin(th)
			ell[s].X = rep.Means[c][0] + l.At(0, 0)*u
			ell[s].Y = rep.Means[c][1] + l.At(1, 0)*u + l.At(1, 1)*v
		}
		line, err := plotter.NewLine(ell)
		if err != nil {
			return err
		}
		line.LineStyle.Width = vg.Points(2)
		line.LineStyle.Color = palette[i%len(palette)]
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("component %d, weight %.3f", c, rep.Weights[c]), line)
	}
	p.Legend.Top = true
	p.Y.Max += 0.2 * (p.Y.Max - p.Y.Min) // room for the legend
	return writePNG(w, p, 6*vg.Inch, 5*vg.Inch)
}
