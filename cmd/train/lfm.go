package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/govi/govi/models/lfm"
)

// lfmReport is the report.json of the lfm command. Sums are over rows.
type lfmReport struct {
	Model      string      `json:"model"`
	Method     string      `json:"method"`
	Likelihood string      `json:"likelihood"`
	Data       string      `json:"data"`
	Columns    []string    `json:"columns,omitempty"`
	Dropped    []string    `json:"dropped_columns,omitempty"`
	Binarize   *float64    `json:"binarize,omitempty"` // x > Binarize ↦ 1, else 0
	N          int         `json:"n"`
	D          int         `json:"d"`
	K          int         `json:"k"`
	Seed       uint64      `json:"seed"`
	DType      string      `json:"dtype,omitempty"` // -method svi|amortized -dtype float32; empty for float64
	Params     string      `json:"params"`          // where the parameters come from
	Weights    [][]float64 `json:"weights"`
	Bias       []float64   `json:"bias"`
	Noise      *float64    `json:"noise"` // σ; null for Bernoulli outputs
	Prior      []float64   `json:"prior"`
	// ELBO is the summed ELBO of the method's q: mean field (cavi) or the
	// exact posterior (exact, where it equals the log evidence).
	ELBO   float64 `json:"elbo"`
	ELBOOf string  `json:"elbo_of"`
	// ELBOStdErr is the Monte Carlo standard error of ELBO when it is an
	// estimate (-method svi|amortized, bernoulli outputs with K > 20);
	// absent when the ELBO is exact.
	ELBOStdErr  *float64    `json:"elbo_stderr,omitempty"`
	LogEvidence *float64    `json:"log_evidence,omitempty"` // K ≤ 20
	Gap         *lfmGap     `json:"approximation_gap,omitempty"`
	GapOf       string      `json:"approximation_gap_of,omitempty"` // set where Gap is not log p(x) − ELBO
	Marginals   [][]float64 `json:"marginals"`                      // q(z_nj = 1), N rows of K
	ELBOTrace   []float64   `json:"elbo_trace"`
	TraceOf     string      `json:"elbo_trace_of"`
	Iterations  int         `json:"iterations"`
	Converged   bool        `json:"converged"`
	Learn       *lfmLearn   `json:"learn,omitempty"`
	Truth       *lfmTruth   `json:"truth,omitempty"`
	Plots       []string    `json:"plots,omitempty"`
	Notes       []string    `json:"notes,omitempty"`
	// AmortizationGap (-method amortized) is the best per-row mean-field
	// ELBO minus the encoder's.
	AmortizationGap   *lfmGap `json:"amortization_gap,omitempty"`
	AmortizationGapOf string  `json:"amortization_gap_of,omitempty"`
	// Estimators holds each estimator's fit of -method svi|amortized.
	Estimators  []lfmEstimatorFit `json:"estimators,omitempty"`
	WallSeconds float64           `json:"wall_seconds"`
	params      *lfm.Params       // the parameters used
	post        *lfm.Posterior    // the exact posterior (K ≤ 20)
	learned     *lfm.Learned      // the -learn fit
}

// lfmGap is log p(x) − ELBO, the KL divergence from q to the posterior.
type lfmGap struct {
	Total    float64   `json:"total"`
	Mean     float64   `json:"mean_per_datum"`
	PerDatum []float64 `json:"per_datum"`
}

// lfmLearn describes a -learn fit.
type lfmLearn struct {
	Starts     int       `json:"starts"`
	Best       int       `json:"best_start"`
	StartELBO  []float64 `json:"start_elbo"`
	StartIters []int     `json:"start_iterations"`
	Note       string    `json:"note"`
}

// lfmTruth holds the generating parameters of -data bars.
type lfmTruth struct {
	Weights     [][]float64 `json:"weights"`
	Bias        []float64   `json:"bias"`
	Noise       *float64    `json:"noise"`
	Prior       []float64   `json:"prior"`
	LogEvidence *float64    `json:"log_evidence,omitempty"` // at these parameters, K ≤ 20
}

// lfmFlags are the flags of the lfm command.
type lfmFlags struct {
	data, likelihood, weights, bias, prior, method, dropCols, out string
	factors, rows, iters, starts                                  int
	learn                                                         bool
	seed                                                          uint64
	noise, binarize                                               float64
	tf                                                            *tableFlags
	given                                                         map[string]bool // flags set on the command line
	lik                                                           lfm.Likelihood
	pi                                                            []float64 // parsed -prior, nil if not given
	svi                                                           lfmSVIFlags
}

func declareLFMFlags(fs *flag.FlagSet) *lfmFlags {
	f := &lfmFlags{tf: addTableFlags(fs)}
	fs.StringVar(&f.data, "data", "", "numeric table `file` (CSV or whitespace; header detected as -header says), one row per datum; "+
		"or bars: draw -rows rows of the 6×6 bars problem (lfm.Bars, or lfm.BernoulliBars for bernoulli outputs) from -seed")
	fs.IntVar(&f.factors, "factors", 0, "number of binary factors K (required; at most 20 for -method exact, 12 for -data bars)")
	fs.StringVar(&f.likelihood, "likelihood", "gaussian", "output distribution: gaussian or bernoulli (data 0/1; see -binarize)")
	fs.StringVar(&f.weights, "weights", "", "`file` of the weights: K rows (row j = factor j) of D values")
	fs.StringVar(&f.bias, "bias", "", "`file` of the bias: one row of D values (default all 0)")
	fs.Float64Var(&f.noise, "noise", 0, "output noise σ > 0 of gaussian outputs (required with -weights; with -data bars and no -weights, the generating σ, default 0.5)")
	fs.StringVar(&f.prior, "prior", "", "prior π ∈ (0, 1) of every factor, or a comma list of K (default 0.5; with -data bars and no -weights, the generating π)")
	fs.BoolVar(&f.learn, "learn", false, "learn weights, bias, σ and π by variational EM (gaussian outputs: closed-form M-step, -iters EM iterations; "+
		"bernoulli outputs with -method svi|amortized: through SVI, -steps steps, σ not applicable)")
	fs.IntVar(&f.starts, "starts", 5, "seeded starting points of -learn; the best final ELBO wins")
	fs.StringVar(&f.method, "method", "", "exact (enumerate the 2^K states), cavi (mean field, gaussian outputs), "+
		"svi (mean field by SVI with -estimator) or amortized (an encoder q(z|x) by SVI on minibatches); default cavi for gaussian outputs, exact for bernoulli")
	declareLFMSVIFlags(fs, f) // and -seed, of the SVI fits, of -data bars and of the -learn starts
	fs.IntVar(&f.iters, "iters", 500, "maximum EM iterations with -learn, CAVI sweeps with -method cavi otherwise")
	fs.IntVar(&f.rows, "rows", 200, "rows of -data bars")
	fs.Float64Var(&f.binarize, "binarize", 0, "map each value of -data to 1 when above `T`, else 0 (for the 8×8 digits, values 0…16: -binarize 8)")
	fs.StringVar(&f.dropCols, "drop-cols", "auto", "columns of -data to leave out: auto (header columns named label), none, or a comma list of header names or column numbers from 1")
	fs.StringVar(&f.out, "out", "", "output `dir` for report.json, features.png and elbo.png")
	return f
}

func runLFM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, fs, stop, err := parseCommand("lfm", args, stderr, declareLFMFlags)
	if err != nil {
		return err
	}
	defer stop()
	f.given = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })
	f.seed = f.svi.sf.seed
	if err := f.check(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	od, err := begin(fs, f.out, sviOnly(f.svi.sf, f.method == "svi" || f.method == "amortized"), stderr)
	if err != nil {
		return err
	}
	defer od.Abort()
	start := time.Now()
	rep, data, err := fitLFM(ctx, f, stderr)
	if err != nil {
		return err
	}
	rep.WallSeconds = time.Since(start).Seconds()
	if err := lfmOutputs(rep, od); err != nil {
		return err
	}
	printLFM(rep, data, stderr)
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lfm: wrote %s\n", od.Path(reportName))
	return nil
}

// check validates the flags, before any file is read or written.
func (f *lfmFlags) check() error {
	fail := func(format string, a ...any) error { return fmt.Errorf("train lfm: "+format, a...) }
	switch f.method {
	case "", "exact", "cavi", "svi", "amortized":
	default:
		return fail("-method %q: want exact, cavi, svi or amortized", f.method)
	}
	if err := f.checkSVI(); err != nil {
		return err
	}
	lik, err := lfm.ParseLikelihood(f.likelihood)
	if err != nil {
		return fail("-likelihood %q: want gaussian or bernoulli", f.likelihood)
	}
	f.lik = lik
	defaulted := ""
	if f.method == "" {
		f.method = map[lfm.Likelihood]string{lfm.Gaussian: "cavi", lfm.Bernoulli: "exact"}[lik]
		defaulted = fmt.Sprintf(" (the default for %s outputs)", lik)
	}
	switch {
	case f.data == "":
		return fail("-data is required (a table file, or bars)")
	case f.out == "":
		return fail("-out is required")
	case f.factors < 1:
		return fail("-factors %d: need at least one factor (-factors K is required)", f.factors)
	case f.method == "exact" && f.factors > lfm.MaxExactFactors:
		hint := "use -method cavi"
		if lik == lfm.Bernoulli {
			hint = "bernoulli outputs with more factors need -method svi or amortized"
		}
		return fail("-factors %d with -method exact%s: exact enumeration of 2^K states needs K ≤ %d; %s", f.factors, defaulted, lfm.MaxExactFactors, hint)
	case f.method == "cavi" && lik == lfm.Bernoulli:
		return fail("-method cavi with -likelihood bernoulli: there is no closed-form mean-field update for bernoulli outputs; use -method exact (K ≤ %d), svi or amortized", lfm.MaxExactFactors)
	case f.iters < 1:
		return fail("-iters %d: need at least one iteration", f.iters)
	}
	if err := f.checkParams(); err != nil {
		return err
	}
	return f.checkData()
}

// checkParams validates the flags that give or learn the parameters.
func (f *lfmFlags) checkParams() error {
	fail := func(format string, a ...any) error { return fmt.Errorf("train lfm: "+format, a...) }
	if f.learn {
		for _, name := range []string{"weights", "bias", "noise", "prior"} {
			if f.given[name] {
				return fail("-learn together with -%s: -learn learns the weights, bias, σ and π; drop -%s or -learn", name, name)
			}
		}
		if f.lik != lfm.Gaussian && f.method != "svi" && f.method != "amortized" {
			return fail("-learn with -likelihood %s: variational EM has a closed-form M-step only for gaussian outputs; learn through SVI with -method svi or amortized", f.lik)
		}
		if f.starts < 1 {
			return fail("-starts %d: need at least one start", f.starts)
		}
	} else if f.given["starts"] {
		return fail("-starts applies to -learn only")
	}
	if f.given["noise"] {
		if f.lik != lfm.Gaussian {
			return fail("-noise: bernoulli outputs have no noise σ")
		}
		if !(f.noise > 0) || math.IsInf(f.noise, 1) {
			return fail("-noise %v: σ must be a finite positive number", f.noise)
		}
	}
	if f.given["prior"] {
		pi, err := parsePrior(f.prior, f.factors)
		if err != nil {
			return err
		}
		f.pi = pi
	}
	if f.given["bias"] && !f.given["weights"] {
		return fail("-bias needs -weights")
	}
	if f.given["weights"] && f.lik == lfm.Gaussian && !f.given["noise"] {
		return fail("-weights needs -noise σ for gaussian outputs")
	}
	if !f.learn && !f.given["weights"] && f.data != "bars" {
		return fail("give the parameters (-weights FILE [-bias FILE] [-noise σ] [-prior π]) or -learn them")
	}
	return nil
}

// checkData validates the flags of -data.
func (f *lfmFlags) checkData() error {
	fail := func(format string, a ...any) error { return fmt.Errorf("train lfm: "+format, a...) }
	if f.data == "bars" {
		for _, name := range []string{"binarize", "drop-cols", "header"} {
			if f.given[name] {
				return fail("-%s applies to a -data file, not to -data bars", name)
			}
		}
		switch {
		case f.factors > 2*lfm.BarsSide:
			return fail("-factors %d with -data bars: a %d×%d image has %d bars", f.factors, lfm.BarsSide, lfm.BarsSide, 2*lfm.BarsSide)
		case f.rows < 1:
			return fail("-rows %d: need at least one row", f.rows)
		}
		return nil
	}
	if f.given["rows"] {
		return fail("-rows applies to -data bars only")
	}
	if f.given["binarize"] && (math.IsNaN(f.binarize) || math.IsInf(f.binarize, 0)) {
		return fail("-binarize %v: the threshold must be a finite number", f.binarize)
	}
	return nil
}

// fitLFM reads or draws the data, gives or learns the parameters and runs
// the inference.
func fitLFM(ctx context.Context, f *lfmFlags, stderr io.Writer) (*lfmReport, *lfmData, error) {
	var data *lfmData
	var err error
	if f.data == "bars" {
		data, err = barsData(f)
	} else {
		data, err = readLFMData(f)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(data.dropped) > 0 {
		fmt.Fprintf(stderr, "lfm: -drop-cols %s: left out column(s) %v of %s\n", f.dropCols, data.dropped, f.data)
	}
	rep := &lfmReport{Model: "lfm", Method: f.method, Likelihood: f.lik.String(), Data: f.data, Columns: data.columns,
		Dropped: data.dropped, N: len(data.x), D: len(data.x[0]), K: f.factors, Seed: f.seed}
	if f.svi.sf.dtype == "float32" { // validated: only with -method svi|amortized
		rep.DType = "float32"
	}
	if f.given["binarize"] {
		t := f.binarize
		rep.Binarize = &t
	}
	if err := rep.setParams(ctx, f, data, stderr); err != nil {
		return nil, nil, err
	}
	if err := rep.infer(ctx, f, data, stderr); err != nil {
		return nil, nil, err
	}
	if data.truth != nil {
		rep.Truth = truthOf(*data.truth, data.x)
	}
	return rep, data, nil
}

// lfmProgressEvery is how often (in EM iterations) -learn reports on
// stderr.
const lfmProgressEvery = 50

// setParams gives the parameters: learned (-learn, stopped when ctx is
// done), read (-weights), or the generating ones (-data bars).
func (rep *lfmReport) setParams(ctx context.Context, f *lfmFlags, data *lfmData, stderr io.Writer) error {
	var p lfm.Params
	switch {
	case f.learn && f.lik == lfm.Bernoulli:
		// Learned through SVI by infer; zero weights until then.
		p = lfm.Params{W: make([][]float64, f.factors), B: make([]float64, rep.D), Pi: make([]float64, f.factors), Likelihood: f.lik}
		for j := range p.W {
			p.W[j], p.Pi[j] = make([]float64, rep.D), 0.5
		}
	case f.learn:
		l, err := lfm.Learn(data.x, f.factors, lfm.LearnSettings{Seed: f.seed, Starts: f.starts, MaxIters: f.iters,
			Progress: func(start, iter int, elbo float64) error {
				if iter%lfmProgressEvery == 0 {
					fmt.Fprintf(stderr, "lfm: -learn start %d of %d, EM iteration %d: ELBO %.4f\n", start+1, f.starts, iter, elbo)
				}
				return ctx.Err()
			}})
		if err != nil {
			return fmt.Errorf("train lfm: -learn: %w", err)
		}
		p, rep.learned = l.Params, l
		rep.Params = "learned by variational EM (-learn)"
		rep.ELBOTrace, rep.Iterations, rep.Converged = l.ELBO, l.Iterations, l.Converged
		rep.TraceOf = "variational EM, best start: the ELBO after the first E-step, then after each iteration (closed-form M-step, then CAVI E-step)"
		rep.Learn = &lfmLearn{Starts: f.starts, Best: l.Start, StartELBO: l.StartELBO, StartIters: l.StartIters,
			Note: "factors are identified up to permutation and complement (z_j ↦ 1 − z_j); each is oriented so that its weights sum to 0 or more; π is clipped into [1e-6, 1 − 1e-6]"}
	case f.given["weights"]:
		w, err := readWeights(f.weights, f.factors, rep.D)
		if err != nil {
			return err
		}
		p = lfm.Params{W: w, B: make([]float64, rep.D), Sigma: f.noise, Pi: f.pi, Likelihood: f.lik}
		if f.given["bias"] {
			if p.B, err = readBias(f.bias, rep.D); err != nil {
				return err
			}
		}
		if p.Pi == nil {
			p.Pi = make([]float64, f.factors)
			for j := range p.Pi {
				p.Pi[j] = lfm.BarsPi // 0.5, the documented default of -prior
			}
		}
		rep.Params = "given: -weights, -bias (default 0), -noise, -prior (default 0.5)"
	default:
		p = *data.truth
		rep.Params = "the generating parameters of -data bars"
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("train lfm: %w", err)
	}
	rep.params = &p
	rep.Weights, rep.Bias, rep.Prior = p.W, p.B, p.Pi
	if p.Likelihood == lfm.Gaussian {
		s := p.Sigma
		rep.Noise = &s
	}
	return nil
}

// infer computes the exact posterior (K ≤ 20) and, for -method cavi, the
// mean-field fit (svi and amortized: the SVI fits), and fills the ELBO,
// the marginals and the gap.
func (rep *lfmReport) infer(ctx context.Context, f *lfmFlags, data *lfmData, stderr io.Writer) error {
	if f.method == "svi" || f.method == "amortized" {
		return rep.inferSVI(ctx, f, data, stderr)
	}
	if err := rep.exact(data); err != nil {
		return err
	}
	p := *rep.params
	if f.method == "exact" {
		rep.ELBO, rep.Marginals = rep.post.Total, rep.post.Marginals
		rep.ELBOOf = "the exact posterior q(z_n) = p(z_n | x_n): the ELBO equals the log evidence and the gap is 0"
		rep.setGap(make([]float64, rep.N))
		if rep.learned == nil {
			rep.TraceOf, rep.Converged = "none: exact inference does not iterate", true
		}
		return nil
	}
	q := (*lfm.MeanField)(nil)
	if rep.learned != nil {
		q = rep.learned.Q
	} else {
		var err error
		if q, err = lfm.CAVI(p, data.x, lfm.Settings{MaxSweeps: f.iters}); err != nil {
			return fmt.Errorf("train lfm: %w", err)
		}
		rep.ELBOTrace, rep.Iterations, rep.Converged = q.ELBO, q.Sweeps, q.Converged
		rep.TraceOf = "CAVI: the ELBO at λ = π, then after each sweep"
	}
	rep.ELBOOf = "mean field q(z_n) = Π_j Bernoulli(λ_nj) fitted by CAVI, in closed form"
	rep.Marginals = q.Lambda
	for _, e := range q.RowELBO {
		rep.ELBO += e
	}
	if rep.post != nil {
		gap, err := lfm.Gap(rep.post, q)
		if err != nil {
			return fmt.Errorf("train lfm: %w", err)
		}
		rep.setGap(gap)
	}
	return nil
}

// exact computes the exact posterior at the report's parameters when K ≤
// 20, and notes its absence otherwise.
func (rep *lfmReport) exact(data *lfmData) error {
	if rep.K > lfm.MaxExactFactors {
		rep.Notes = append(rep.Notes, fmt.Sprintf("K = %d > %d: no log evidence and no approximation gap (2^K states)", rep.K, lfm.MaxExactFactors))
		return nil
	}
	post, err := lfm.Exact(*rep.params, data.x)
	if err != nil {
		return fmt.Errorf("train lfm: %w", err)
	}
	le := post.Total
	rep.LogEvidence, rep.post = &le, post
	return nil
}

// setGap sets the gap from its values log p(x_n) − ELBO_n.
func (rep *lfmReport) setGap(perDatum []float64) {
	g := &lfmGap{PerDatum: perDatum}
	for _, v := range perDatum {
		g.Total += v
	}
	g.Mean = g.Total / float64(len(perDatum))
	rep.Gap = g
}

// truthOf describes the generating parameters of -data bars and their log
// evidence (K ≤ 20).
func truthOf(p lfm.Params, x [][]float64) *lfmTruth {
	t := &lfmTruth{Weights: p.W, Bias: p.B, Prior: p.Pi}
	if p.Likelihood == lfm.Gaussian {
		s := p.Sigma
		t.Noise = &s
	}
	if p.K() <= lfm.MaxExactFactors {
		if post, err := lfm.Exact(p, x); err == nil {
			le := post.Total
			t.LogEvidence = &le
		}
	}
	return t
}

// printLFM writes a summary of the run to w.
func printLFM(rep *lfmReport, data *lfmData, w io.Writer) {
	fmt.Fprintf(w, "lfm: N = %d, D = %d, K = %d, %s outputs, %s: ELBO %.4f", rep.N, rep.D, rep.K, rep.Likelihood, rep.Method, rep.ELBO)
	if rep.LogEvidence != nil {
		fmt.Fprintf(w, ", log evidence %.4f, gap %.4f (%.4g per datum)", *rep.LogEvidence, rep.Gap.Total, rep.Gap.Mean)
		if rep.AmortizationGap != nil {
			fmt.Fprintf(w, " of mean field, amortization gap %.4f (%.4g per datum)", rep.AmortizationGap.Total, rep.AmortizationGap.Mean)
		}
	}
	if rep.Learn != nil {
		fmt.Fprintf(w, "; learned in %d EM iterations (start %d of %d)", rep.Iterations, rep.Learn.Best, rep.Learn.Starts)
	}
	fmt.Fprintln(w)
	if rep.Truth != nil && rep.Truth.LogEvidence != nil && data.truth != nil {
		fmt.Fprintf(w, "lfm: log evidence at the generating parameters %.4f\n", *rep.Truth.LogEvidence)
	}
}
