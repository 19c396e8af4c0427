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

type blrReport struct {
	Model        string           `json:"model"`
	Method       string           `json:"method"`
	Guide        string           `json:"guide,omitempty"`
	Estimator    string           `json:"estimator,omitempty"`
	Data         string           `json:"data"`
	Rows         int              `json:"rows"`
	Columns      []string         `json:"columns"`
	Alpha        float64          `json:"alpha"`
	Beta         float64          `json:"beta"`
	Standardize  bool             `json:"standardized"`
	Steps        int              `json:"steps"`
	Particles    int              `json:"particles,omitempty"`
	LearnRate    float64          `json:"lr,omitempty"`
	Seed         uint64           `json:"seed"`
	ELBO         float64          `json:"elbo"`
	ELBOStdErr   float64          `json:"elbo_stderr"`
	LogEvidence  *float64         `json:"log_evidence,omitempty"`
	WallSeconds  float64          `json:"wall_seconds"`
	Posterior    blrPosterior     `json:"posterior"`
	Trace        []float64        `json:"elbo_trace,omitempty"`
	Exact        *blrExactSumary  `json:"exact,omitempty"`
	Diagnostics  *svi.Diagnostics `json:"diagnostics,omitempty"`
	GuardRetries int              `json:"guard_retries,omitempty"`
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
	sf := addSVIFlags(fs, sviDefaults(5000, 0.01, 8, "entropy"))
	out := fs.String("out", "", "output `dir` for report.json and elbo.png")
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
	if err := sf.validate("blr"); err != nil {
		return err
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
		Standardize: *standardize, Seed: sf.seed}
	start := time.Now()
	switch *method {
	case "exact":
		rep.ELBO = exact.LogEvidence
		le := exact.LogEvidence
		rep.LogEvidence = &le
		rep.Posterior.Mean = exact.Mean
		rep.Posterior.Cov = covRows(exact.Cov)
		for i := 0; i < d; i++ {
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
		if err := fitBLRSVI(ctx, &rep, x, y, d, *alpha, *beta, sf, *out, stderr); err != nil {
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

func fitBLRSVI(ctx context.Context, rep *blrReport, x, y []float64, d int, alpha, beta float64, sf *sviFlags, out string, stderr io.Writer) error {
	guide, err := sf.guideFor("blr", guides.MeanField{})
	if err != nil {
		return err
	}
	cfg, err := sf.config("blr")
	if err != nil {
		return err
	}
	model := blr.Model{Alpha: alpha, Beta: beta, N: len(y), D: d}
	tr, err := svi.New(model, guide, cfg)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	if err := tr.Feed(svi.Batch{"phi": x, "y": y}); err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep.Guide, rep.Estimator, rep.Particles, rep.LearnRate = sf.guide, cfg.Estimator.String(), cfg.Particles, sf.lr
	st, fit, err := fitSVI(ctx, "blr", sf, tr, nil, out, stderr)
	if fit != nil {
		rep.Trace, rep.Diagnostics, rep.GuardRetries = fit.Trace, fit.Diagnostics, fit.Retries
	}
	if err != nil {
		return err
	}
	rep.Steps = st.Iter
	rep.ELBO, rep.ELBOStdErr = fit.Diagnostics.ELBO, fit.Diagnostics.ELBOStdErr
	sum, err := tr.Summarize(st, 2000, rand.New(svi.NewRNG(sf.seed+2)), nil)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep.Posterior.Mean, rep.Posterior.Std = sum[0].Mean, sum[0].Std
	if fr, ok := guide.(guides.FullRank); ok {
		rep.Posterior.Cov = covRows(fr.Cov(st.Params, tr.Sites()))
	}
	return nil
}

func covRows(c interface {
	At(i, j int) float64
	SymmetricDim() int
}) [][]float64 {
	n := c.SymmetricDim()
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			out[i][j] = c.At(i, j)
		}
	}
	return out
}
