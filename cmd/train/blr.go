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

// blrReport is the report.json of the blr command.
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
	Optimizer   string          `json:"optimizer,omitempty"`
	DType       string          `json:"dtype,omitempty"` // float32; empty for float64
	Seed        uint64          `json:"seed"`
	ELBO        float64         `json:"elbo"`
	ELBOStdErr  float64         `json:"elbo_stderr"`
	LogEvidence *float64        `json:"log_evidence,omitempty"`
	WallSeconds float64         `json:"wall_seconds"`
	Posterior   blr.Summary     `json:"posterior"`
	Trace       []float64       `json:"elbo_trace,omitempty"`
	Exact       *blr.Comparison `json:"exact,omitempty"`
	// Predictive checks svi.Trainer.Predictive's draws of the targets
	// against the data and the exact posterior predictive (svi only).
	Predictive   *blr.PredictiveCheck `json:"predictive,omitempty"`
	Diagnostics  *svi.Diagnostics     `json:"diagnostics,omitempty"`
	GuardRetries int                  `json:"guard_retries,omitempty"`
	// LearnRateUsed is the learning rate the fit ended with (svi only).
	LearnRateUsed *lrUsed `json:"learning_rate,omitempty"`
	// Ranks is the number of MPI processes that shared the fit (1: one
	// process), ShardRule how they shared the rows and AllReduceSeconds
	// rank 0's time in the gradient all-reduce.
	Ranks            int     `json:"ranks"`
	ShardRule        string  `json:"shard_rule,omitempty"`
	AllReduceSeconds float64 `json:"allreduce_seconds,omitempty"`
}

// blrData is the regression problem of the blr command.
type blrData struct {
	x, y    []float64
	d, rows int
	cols    []string
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
	spec := naturalSpec(sviDefaults(5000, 0.01, 8, "entropy"))
	spec.float32 = true // meanfield, fullrank and lowrank train in float32
	sf := addSVIFlags(fs, spec)
	tf := addTableFlags(fs)
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
	for _, p := range []struct {
		name string
		v    float64
	}{{"alpha", *alpha}, {"beta", *beta}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("train blr: -%s must be a finite positive number, got %v", p.name, p.v)
		}
	}
	if err := sf.validate("blr"); err != nil {
		return err
	}
	sf.world = sviWorldOf(ctx)
	if sf.world.parallel() && *method != "svi" {
		return fmt.Errorf("train blr: -method %s runs in one process; under mpirun only -method svi runs data-parallel (got %d ranks)", *method, sf.world.size)
	}
	var od *outDir
	if sf.world.writes() {
		// Rank 0 alone writes the outputs (and takes the folder's lock).
		if od, err = begin(fs, *out, sviOnly(sf, *method == "svi"), stderr); err != nil {
			return err
		}
		defer od.Abort()
	}
	pb, err := loadBLRData(tf, *data, *trainIdx, *standardize, !*noIntercept)
	if err != nil {
		return err
	}
	exact, err := blr.Exact(pb.x, pb.y, pb.d, *alpha, *beta)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep := blrReport{Model: "blr", Method: *method, Data: *data, Rows: pb.rows, Columns: pb.cols, Alpha: *alpha, Beta: *beta,
		Standardize: *standardize, Seed: sf.seed, Ranks: sf.world.size, ShardRule: fullBatchShardRule(sf.world.size)}
	start := time.Now()
	switch *method {
	case "exact":
		rep.ELBO = exact.LogEvidence
		le := exact.LogEvidence
		rep.LogEvidence = &le
		rep.Posterior = exact.Summary()
	case "cavi":
		mf, err := blr.CAVI(pb.x, pb.y, pb.d, *alpha, *beta, blr.Settings{})
		if err != nil {
			return fmt.Errorf("train blr: %w", err)
		}
		rep.Guide, rep.Steps, rep.ELBO, rep.Trace = "meanfield", mf.Iterations, mf.ELBO[len(mf.ELBO)-1], mf.ELBO
		rep.Posterior = mf.Summary()
	case "svi":
		if err := fitBLRSVI(ctx, &rep, pb, exact, sf, od, stderr); err != nil || !sf.world.writes() {
			return err
		}
		rep.AllReduceSeconds = sf.world.allReduceSeconds()
	default:
		return fmt.Errorf("train blr: unknown -method %q (want exact, cavi or svi)", *method)
	}
	rep.WallSeconds = time.Since(start).Seconds()
	if rep.Exact, err = exact.Compare(rep.Posterior); err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "blr %s: ELBO %.4f (log evidence %.4f, mean-field optimum %.4f), max |mean error| %.2g; report in %s\n",
		*method, rep.ELBO, exact.LogEvidence, exact.MeanFieldELBO, rep.Exact.MaxAbsMeanError, *out)
	return nil
}

// loadBLRData reads the table (the rows of the index file, if given),
// standardizes it and adds the intercept column when asked.
func loadBLRData(tf *tableFlags, path, trainIdx string, standardize, intercept bool) (*blrData, error) {
	tb, err := tf.readXY(path)
	if err != nil {
		return nil, fmt.Errorf("train blr: %w", err)
	}
	if trainIdx != "" {
		idx, err := table.ReadIndex(trainIdx, tb.Rows)
		if err != nil {
			return nil, fmt.Errorf("train blr: %w", err)
		}
		tb = tb.Select(idx)
	}
	pb := &blrData{rows: tb.Rows}
	pb.x, pb.y, pb.d = tb.Split()
	pb.cols = tb.Header
	if pb.cols == nil {
		for j := 0; j < pb.d; j++ {
			pb.cols = append(pb.cols, fmt.Sprintf("x%d", j+1))
		}
	} else {
		pb.cols = pb.cols[:pb.d]
	}
	if standardize {
		if pb.x, _, _, err = blr.Standardize(pb.x, pb.d); err != nil {
			return nil, fmt.Errorf("train blr: -standardize: %w", err)
		}
		if pb.y, _, _, err = blr.Standardize(pb.y, 1); err != nil {
			return nil, fmt.Errorf("train blr: -standardize target: %w", err)
		}
	}
	if intercept {
		if pb.x, pb.d, err = blr.AddIntercept(pb.x, pb.d); err != nil {
			return nil, fmt.Errorf("train blr: %w", err)
		}
		pb.cols = append([]string{"intercept"}, pb.cols...)
	}
	return pb, nil
}

// fitBLRSVI fits by SVI, full batch: in a data-parallel run (sf.world)
// rank r fits its contiguous rows with the likelihood scaled by P (the
// ranks' mean loss is then the one-process loss; see svi.Config.Reduce),
// and rank 0 alone makes the report, on all the rows.
func fitBLRSVI(ctx context.Context, rep *blrReport, pb *blrData, exact *blr.Posterior, sf *sviFlags, od *outDir, stderr io.Writer) error {
	model := blr.Model{Alpha: exact.Alpha, Beta: exact.Beta, N: len(pb.y), D: pb.d}
	fp := svi.Fingerprint{"data (after -train-index, -standardize and the intercept)": svi.DataFingerprint(pb.rows, pb.x, pb.y),
		"-alpha": fmt.Sprint(exact.Alpha), "-beta": fmt.Sprint(exact.Beta)}
	lo, hi, err := sf.world.shard("blr", len(pb.y))
	if err != nil {
		return err
	}
	shard := model
	if sf.world.parallel() {
		shard.N, shard.Scale = hi-lo, float64(sf.world.size)
	}
	tr, eval, guide, cfg, err := sf.shardTrainers("blr", shard, model, guides.MeanField{}, fp)
	if err != nil {
		return err
	}
	rep.Guide, rep.Estimator, rep.Particles, rep.LearnRate, rep.Optimizer = sf.guide, cfg.Estimator.String(), cfg.Particles, sf.lr, sf.optimizerName()
	if cfg.DType != svi.Float64 {
		rep.DType = cfg.DType.String()
	}
	data := svi.Batch{"phi": pb.x, "y": pb.y}
	st, fit, err := fitShard(ctx, "blr", sf, tr, eval, svi.Batch{"phi": pb.x[lo*pb.d : hi*pb.d], "y": pb.y[lo:hi]}, data, od, stderr)
	if fit != nil {
		rep.Trace, rep.Diagnostics, rep.GuardRetries, rep.LearnRateUsed = fit.Trace, fit.Diagnostics, fit.Retries, fit.LR
	}
	if err != nil || eval == nil {
		return err
	}
	tr = eval // the whole data's model, for the summaries
	rep.Steps = st.Iter
	rep.ELBO, rep.ELBOStdErr = fit.Diagnostics.ELBO, fit.Diagnostics.ELBOStdErr
	sum, err := tr.Summarize(st, 2000, rand.New(svi.NewRNG(sf.seed+2)), nil)
	if err != nil {
		return fmt.Errorf("train blr: %w", err)
	}
	rep.Posterior.Mean, rep.Posterior.Std = sum[0].Mean, sum[0].Std
	if fr, ok := guide.(guides.FullRank); ok {
		rep.Posterior.Cov = blr.CovRows(fr.Cov(st.Params, tr.Sites()))
	}
	pp, err := tr.Predictive(st, data, sf.draws, sf.seed+3)
	if err == nil {
		rep.Predictive, err = exact.CheckPredictive(pb.x, pb.y, pb.d, pp["y"])
	}
	if err != nil {
		return fmt.Errorf("train blr: posterior predictive: %w", err)
	}
	return nil
}
