package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/blr"
	"github.com/govi/govi/svi"
)

func init() {
	register("blr", "Bayesian linear regression: exact posterior, CAVI or SVI", runBLR)
}

type blrReport struct {
	Model       string          `json:"model"`
	Method      string          `json:"method"`
	Guide       string          `json:"guide,omitempty"`
	Estimator   string          `json:"estimator,omitempty"`
	Data        string          `json:"data"`
	Rows        int             `json:"rows"`
	Columns     []string        `json:"columns"`
	Alpha       float64         `json:"alpha"`
	Beta        float64         `json:"beta"`
	Standardize bool            `json:"standardized"`
	Steps       int             `json:"steps"`
	Particles   int             `json:"particles,omitempty"`
	LearnRate   float64         `json:"lr,omitempty"`
	Seed        uint64          `json:"seed"`
	ELBO        float64         `json:"elbo"`
	ELBOStdErr  float64         `json:"elbo_stderr"`
	LogEvidence *float64        `json:"log_evidence,omitempty"`
	WallSeconds float64         `json:"wall_seconds"`
	Posterior   blrPosterior    `json:"posterior"`
	Trace       []float64       `json:"elbo_trace,omitempty"`
	Exact       *blrExactSumary `json:"exact,omitempty"`
}

type blrPosterior struct {
	Mean []float64   `json:"mean"`
	Std  []float64   `json:"std"`
	Cov  [][]float64 `json:"cov,omitempty"`
}

// blrExactSumary compares a fitted q with the closed-form answer.
type blrExactSumary struct {
	LogEvidence      float64 `json:"log_evidence"`
	MeanFieldELBO    float64 `json:"meanfield_optimum_elbo"`
	MaxAbsMeanError  float64 `json:"max_abs_mean_error"`
	MaxRelStdErrorMF float64 `json:"max_rel_std_error_vs_meanfield_optimum"`
}

func runBLR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("blr", stderr)
	data := fs.String("data", "", "numeric table `file` (last column is the target)")
	trainIdx := fs.String("train-index", "", "`file` of 0-based row indices to use (default all rows)")
	alpha := fs.Float64("alpha", 1, "prior precision α of the weights")
	beta := fs.Float64("beta", 4, "noise precision β")
	method := fs.String("method", "svi", "exact, cavi or svi")
	standardize := fs.Bool("standardize", false, "standardize inputs and target (population standard deviation)")
	noIntercept := fs.Bool("no-intercept", false, "do not add an intercept column")
	steps := fs.Int("steps", 5000, "SVI steps")
	lr := fs.Float64("lr", 0.01, "Adam learning rate")
	particles := fs.Int("particles", 8, "SVI particles per step")
	estimator := fs.String("estimator", "entropy", "ELBO estimator: trace or entropy")
	guideName := fs.String("guide", "meanfield", "guide: meanfield or map")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output `dir` for report.json")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	if *data == "" {
		return fmt.Errorf("train blr: -data is required")
	}
	if *out == "" {
		return fmt.Errorf("train blr: -out is required")
	}
	if *particles < 1 {
		return fmt.Errorf("train blr: -particles must be at least 1, got %d", *particles)
	}
	if *steps < 1 {
		return fmt.Errorf("train blr: -steps must be at least 1, got %d", *steps)
	}
	tb, err := table.ReadFile(*data)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	if tb.Cols < 2 {
		return fmt.Errorf("train blr: %s has %d column(s); need inputs and a target", *data, tb.Cols)
	}
	if *trainIdx != "" {
		idx, err := table.ReadIndex(*trainIdx, tb.Rows)
		if err != nil {
			return fmt.Errorf("train blr: %w", err)
		}
		tb = tb.Select(idx)
	}
	x, y, d := tb.Split()
	cols := tb.Header
	if cols == nil {
		for j := 0; j < d; j++ {
			cols = append(cols, fmt.Sprintf("x%d", j+1))
		}
	} else {
		cols = cols[:d]
	}
	if *standardize {
		if x, _, _, err = blr.Standardize(x, d); err != nil {
			return fmt.Errorf("train blr: -standardize: %w", err)
		}
		if y, _, _, err = blr.Standardize(y, 1); err != nil {
			return fmt.Errorf("train blr: -standardize target: %w", err)
		}
	}
	if !*noIntercept {
		if x, d, err = blr.AddIntercept(x, d); err != nil {
			return fmt.Errorf("train blr: %w", err)
		}
		cols = append([]string{"intercept"}, cols...)
	}
	exact, err := blr.Exact(x, y, d, *alpha, *beta)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep := blrReport{Model: "blr", Method: *method, Data: *data, Rows: tb.Rows, Columns: cols, Alpha: *alpha, Beta: *beta,
		Standardize: *standardize, Seed: *seed}
	start := time.Now()
	switch *method {
	case "exact":
		rep.ELBO = exact.LogEvidence
		le := exact.LogEvidence
		rep.LogEvidence = &le
		rep.Posterior.Mean = exact.Mean
		rep.Posterior.Cov = make([][]float64, d)
		for i := range rep.Posterior.Cov {
			rep.Posterior.Cov[i] = make([]float64, d)
			for j := range rep.Posterior.Cov[i] {
				rep.Posterior.Cov[i][j] = exact.Cov.At(i, j)
			}
			rep.Posterior.Std = append(rep.Posterior.Std, math.Sqrt(exact.Cov.At(i, i)))
		}
	case "cavi":
		mf, err := blr.CAVI(x, y, d, *alpha, *beta, blr.Settings{})
		if err != nil {
			return fmt.Errorf("train blr: %w", err)
		}
		rep.Guide = "meanfield"
		rep.Steps = mf.Iterations
		rep.ELBO = mf.ELBO[len(mf.ELBO)-1]
		rep.Trace = mf.ELBO
		rep.Posterior.Mean = mf.Mean
		for _, v := range mf.Var {
			rep.Posterior.Std = append(rep.Posterior.Std, math.Sqrt(v))
		}
	case "svi":
		if err := fitBLRSVI(ctx, &rep, x, y, d, *alpha, *beta, *guideName, *estimator, *steps, *particles, *lr, *seed, stderr); err != nil {
			return err
		}
	default:
		return fmt.Errorf("train blr: unknown -method %q (want exact, cavi or svi)", *method)
	}
	rep.WallSeconds = time.Since(start).Seconds()
	rep.Exact = &blrExactSumary{LogEvidence: exact.LogEvidence, MeanFieldELBO: exact.MeanFieldELBO}
	for j := 0; j < d; j++ {
		rep.Exact.MaxAbsMeanError = math.Max(rep.Exact.MaxAbsMeanError, math.Abs(rep.Posterior.Mean[j]-exact.Mean[j]))
		sd := math.Sqrt(exact.MeanFieldVar[j])
		rep.Exact.MaxRelStdErrorMF = math.Max(rep.Exact.MaxRelStdErrorMF, math.Abs(rep.Posterior.Std[j]-sd)/sd)
	}
	if err := writeReport(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "blr %s: ELBO %.4f (log evidence %.4f, mean-field optimum %.4f), max |mean error| %.2g; report in %s\n",
		*method, rep.ELBO, exact.LogEvidence, exact.MeanFieldELBO, rep.Exact.MaxAbsMeanError, *out)
	return nil
}

func fitBLRSVI(ctx context.Context, rep *blrReport, x, y []float64, d int, alpha, beta float64, guideName, estName string,
	steps, particles int, lr float64, seed uint64, stderr io.Writer) error {
	var guide svi.Guide
	switch guideName {
	case "meanfield":
		guide = guides.MeanField{}
	case "map":
		guide = guides.Delta{}
	default:
		return fmt.Errorf("train blr: unknown -guide %q (want meanfield or map)", guideName)
	}
	est, err := svi.ParseEstimator(estName)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	n := len(y)
	model := blr.Model{Alpha: alpha, Beta: beta, N: n, D: d}
	tr, err := svi.New(model, guide, svi.Config{Particles: particles, Estimator: est, Optimizer: svi.Adam{LearnRate: lr}})
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	st, err := tr.Init(seed)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	if err := tr.Feed(svi.Batch{"phi": x, "y": y}); err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep.Guide, rep.Estimator, rep.Particles, rep.LearnRate = guideName, est.String(), particles, lr
	// Anneal the learning rate over the last 40% of the run (×0.1 at 60%,
	// ×0.01 at 80%) so the final iterate sits near the optimum.
	phases := []struct {
		frac, scale float64
	}{{0.6, 1}, {0.2, 0.1}, {0.2, 0.01}}
	left := steps
	prog := newProgress(stderr, steps, 0)
	for i, ph := range phases {
		k := int(math.Round(ph.frac * float64(steps)))
		if i == len(phases)-1 {
			k = left
		}
		left -= k
		if k == 0 {
			continue
		}
		st.Opt.LRScale = ph.scale
		res, err := svi.Run(ctx, tr, st, nil, &svi.Settings{Steps: k, Recorder: prog})
		if res != nil {
			for _, l := range res.Losses {
				rep.Trace = append(rep.Trace, -l)
			}
		}
		if err != nil {
			return fmt.Errorf("train blr: %w", err)
		}
	}
	rep.Steps = st.Iter
	// Enough draws that the ELBO's Monte Carlo standard error is below 0.1.
	draws := 1000
	for {
		elbo, se, err := tr.ELBO(st, nil, draws, seed+1)
		if err != nil {
			return fmt.Errorf("train blr: final ELBO: %w", err)
		}
		rep.ELBO, rep.ELBOStdErr = elbo, se
		if se < 0.05 || draws >= 64000 {
			break
		}
		draws *= 4
	}
	sum, err := tr.Summarize(st, 2000, rand.New(svi.NewRNG(seed+2)), nil)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep.Posterior.Mean, rep.Posterior.Std = sum[0].Mean, sum[0].Std
	return nil
}
