package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/fhmm"
	"github.com/govi/govi/svi"
)

// fhmmReport is the report.json of the fhmm command. Every quantity is in
// the units of the data the model saw: standardized columns with
// -standardize (ColumnMean and ColumnStd map them back), the file's
// otherwise; so are the parameters of params.json.
type fhmmReport struct {
	Model   string   `json:"model"`
	Method  string   `json:"method"` // exact, structured, meanfield or amortized
	Data    string   `json:"data"`
	Columns []string `json:"columns,omitempty"`
	T       int      `json:"t"`
	D       int      `json:"d"`
	Chains  int      `json:"chains"`
	States  int      `json:"states"`
	// JointStates is L^M and ExactLimit fhmm.MaxExactStates: exact
	// inference runs when JointStates ≤ ExactLimit.
	JointStates  float64   `json:"joint_states"`
	ExactLimit   int       `json:"exact_limit"`
	Standardized bool      `json:"standardized"`
	ColumnMean   []float64 `json:"column_mean,omitempty"`
	ColumnStd    []float64 `json:"column_std,omitempty"`
	// Params is the -params file, or the params.json a -learn run wrote.
	Params  string `json:"params"`
	Learned bool   `json:"learned"`
	Seed    uint64 `json:"seed"`
	Starts  int    `json:"starts"`
	// StartELBO holds every start's final ELBO (the log-likelihood for
	// exact EM); BestStart is the index of the start reported.
	StartELBO []float64 `json:"start_elbo,omitempty"`
	BestStart int       `json:"best_start"`
	// Iterations counts the best start's sweeps, or its EM iterations with
	// -learn.
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
	// ELBO is the final ELBO of the approximate methods; LogLikelihood is
	// log p(y) under the reported parameters by exact forward–backward, when
	// JointStates ≤ ExactLimit, and Gap = LogLikelihood − ELBO.
	ELBO          *float64 `json:"elbo,omitempty"`
	LogLikelihood *float64 `json:"log_likelihood,omitempty"`
	Gap           *float64 `json:"gap,omitempty"`
	ExactSkipped  string   `json:"exact_skipped,omitempty"`
	// ELBOTrace is the ELBO at the start and after every sweep (inference)
	// or E-step (-learn; the log-likelihood for exact EM).
	ELBOTrace []float64 `json:"elbo_trace,omitempty"`
	// Marginals holds q(s_t⁽ᵐ⁾ = l) of the method (the exact posterior for
	// -method exact), T×M×L; ExactMarginals the exact posterior's beside an
	// approximate method's, and MaxMarginalDiff the largest |q − p| between
	// them.
	Marginals       [][][]float64 `json:"marginals"`
	ExactMarginals  [][][]float64 `json:"exact_marginals,omitempty"`
	MaxMarginalDiff *float64      `json:"max_abs_marginal_diff,omitempty"`
	// Network describes the inference network of -method amortized and
	// AmortizationGap compares it with structured mean field.
	Network         *fhmmNetReport `json:"network,omitempty"`
	AmortizationGap *amortGap      `json:"amortization_gap,omitempty"`
	Seconds         float64        `json:"seconds"`                 // the fit or inference
	ExactSeconds    float64        `json:"exact_seconds,omitempty"` // the exact pass beside it
	Plots           []string       `json:"plots"`
}

// fhmmNetReport is the network of -method amortized.
type fhmmNetReport struct {
	// Estimator trains the network: closed (the closed-form ELBO), enum
	// (svi's enumeration over each time step's L^M joint states, the same
	// objective) or score (svi's score function, Particles draws).
	Estimator string  `json:"estimator"`
	Particles int     `json:"particles,omitempty"`
	Window    int     `json:"window"`
	Hidden    int     `json:"hidden"`
	Steps     int     `json:"steps"`
	LearnRate float64 `json:"lr"`
	Seed      uint64  `json:"seed"`
	DType     string  `json:"dtype,omitempty"` // float32; empty for float64
	// Starts is the number of seeded initialisations, StartELBO their
	// final ELBOs and BestStart the one reported.
	Starts    int       `json:"starts"`
	StartELBO []float64 `json:"start_elbo"`
	BestStart int       `json:"best_start"`
}

// amortGap is structured mean field's ELBO minus the network's, on the
// same parameters and data: in total and per time step.
type amortGap struct {
	Total            float64 `json:"total"`
	PerStep          float64 `json:"per_step"`
	StructuredELBO   float64 `json:"structured_elbo"`
	StructuredSweeps int     `json:"structured_sweeps"`
}

// fhmmFlags are the flags of train fhmm.
type fhmmFlags struct {
	data, params, method, columns, out string
	estimator, dtype                   string
	particles                          int
	chains, states, iters, starts      int
	window, hidden, steps              int
	lr                                 float64
	learn, standardize                 bool
	seed                               uint64
	table                              *tableFlags
	set                                map[string]bool // the flags given
}

func declareFHMMFlags(fs *flag.FlagSet) *fhmmFlags {
	f := &fhmmFlags{}
	fs.StringVar(&f.data, "data", "", "numeric table `file` of T rows (time steps) × D columns (CSV or whitespace, optional header)")
	fs.StringVar(&f.columns, "columns", "", "comma-separated `list` of the -data columns to model, by header name or 1-based index (default all)")
	fs.IntVar(&f.chains, "chains", 0, "number of chains M (required with -learn; with -params, 0 takes the file's and any other value must match it)")
	fs.IntVar(&f.states, "states", 0, "states per chain L (as -chains)")
	fs.StringVar(&f.params, "params", "", "parameter `file` (JSON: chains, states, init, trans, means, cov) to infer the chains with")
	fs.BoolVar(&f.learn, "learn", false, "learn the parameters by variational EM (fhmm.Learn) and write them to params.json; with -method amortized the E-step is structured and the network is then trained on the learned parameters")
	fs.StringVar(&f.method, "method", "structured", "inference: exact (forward–backward on the L^M joint chain), structured (mean field over chains), meanfield (fully factorised), amortized (an inference network trained on the fully factorised ELBO)")
	fs.StringVar(&f.estimator, "estimator", "closed", "-method amortized: how the network is trained: closed (the fully factorised ELBO in closed form), enum (the states s_t as svi Categorical sites under guides.AmortizedDiscrete, each time step's L^M joint states enumerated by svi's enum estimator: the same ELBO and gradient) or score (svi's score-function estimator on that model, -particles draws, leave-one-out baseline)")
	fs.IntVar(&f.particles, "particles", 8, "-method amortized -estimator score: draws per step (at least 2)")
	fs.StringVar(&f.dtype, "dtype", "float64", "-method amortized: floating-point type of the network's training graph, float64 or float32 (any -estimator; the weights and Adam's moments stay float64, and the reported ELBO and marginals are computed in float64)")
	fs.IntVar(&f.window, "window", 2, "-method amortized: the network sees 2w+1 observations y_{t−w..t+w}")
	fs.IntVar(&f.hidden, "hidden", 32, "-method amortized: width of the network's tanh hidden layer")
	fs.IntVar(&f.steps, "steps", 3000, "-method amortized: Adam steps")
	fs.Float64Var(&f.lr, "lr", 0.01, "-method amortized: Adam learning rate")
	fs.IntVar(&f.iters, "iters", 0, "maximum sweeps (inference; with -method amortized, of the structured mean field the network is compared with) or EM iterations (-learn); 0 means 1000 sweeps or 500 iterations")
	fs.IntVar(&f.starts, "starts", 0, "seeded starts, the best ELBO kept; 0 means 5 with -learn and 1 (the default start) for inference; -method amortized also trains the network from this many initialisations (0 means 1)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the starts")
	fs.BoolVar(&f.standardize, "standardize", false, "standardize each column (mean 0, population sd 1) before modelling; the report and params.json are in those units")
	fs.StringVar(&f.out, "out", "", "output `dir` for report.json, params.json (-learn) and the plots")
	f.table = addTableFlags(fs)
	return f
}

// validate checks the flags that need no file.
func (f *fhmmFlags) validate() error {
	switch {
	case f.method != "exact" && f.method != "structured" && f.method != "meanfield" && f.method != "amortized":
		return fmt.Errorf("train fhmm: -method %q: want exact, structured, meanfield or amortized", f.method)
	case f.data == "":
		return errors.New("train fhmm: -data is required")
	case f.out == "":
		return errors.New("train fhmm: -out is required")
	case f.learn && f.params != "":
		return errors.New("train fhmm: -learn and -params exclude each other: -learn fits the parameters, -params gives them")
	case !f.learn && f.params == "":
		return errors.New("train fhmm: give -params FILE (parameters to infer the chains with) or -learn")
	case f.chains < 0 || f.learn && f.chains == 0:
		return fmt.Errorf("train fhmm: -chains %d: need at least one chain", f.chains)
	case f.states < 0 || f.learn && f.states == 0:
		return fmt.Errorf("train fhmm: -states %d: need at least one state", f.states)
	case f.iters < 0:
		return fmt.Errorf("train fhmm: -iters %d is negative", f.iters)
	case f.starts < 0:
		return fmt.Errorf("train fhmm: -starts %d is negative", f.starts)
	case f.learn && f.method == "meanfield":
		return errors.New("train fhmm: -learn -method meanfield: variational EM (fhmm.Learn) runs a structured or an exact E-step; use -method structured or exact")
	case !f.learn && f.method == "exact" && f.starts > 1:
		return fmt.Errorf("train fhmm: -starts %d: exact inference has no starts (it applies to structured, meanfield and -learn)", f.starts)
	case !f.learn && f.method == "exact" && f.iters > 0:
		return fmt.Errorf("train fhmm: -iters %d: exact inference has no iterations (it applies to structured, meanfield and -learn)", f.iters)
	}
	if err := f.validateNet(); err != nil {
		return err
	}
	if f.learn {
		return checkExactLimit(f.method, f.chains, f.states)
	}
	return nil
}

// validateNet checks the flags of -method amortized.
func (f *fhmmFlags) validateNet() error {
	if f.method != "amortized" {
		for _, name := range []string{"window", "hidden", "steps", "lr", "estimator", "particles", "dtype"} {
			if f.set[name] {
				return fmt.Errorf("train fhmm: -%s applies to -method amortized only", name)
			}
		}
		return nil
	}
	switch {
	case f.window < 0:
		return fmt.Errorf("train fhmm: -window %d is negative", f.window)
	case f.hidden < 1:
		return fmt.Errorf("train fhmm: -hidden %d: need at least one hidden unit", f.hidden)
	case f.steps < 1:
		return fmt.Errorf("train fhmm: -steps %d: need at least one Adam step", f.steps)
	case !(f.lr > 0) || math.IsInf(f.lr, 1):
		return fmt.Errorf("train fhmm: -lr %v: want a finite positive learning rate", f.lr)
	case f.set["particles"] && f.estimator != "score":
		return fmt.Errorf("train fhmm: -particles applies to -estimator score")
	case f.particles < 2:
		return fmt.Errorf("train fhmm: -particles %d: the score estimator's leave-one-out baseline needs at least 2", f.particles)
	}
	if _, err := fhmm.ParseNetEstimator(f.estimator); err != nil {
		return fmt.Errorf("train fhmm: -estimator %q: want closed, enum or score", f.estimator)
	}
	if _, err := svi.ParseDType(f.dtype); err != nil {
		return fmt.Errorf("train fhmm: -dtype: %w", err)
	}
	return nil
}

// jointStates returns L^M, saturated just above fhmm.MaxExactStates.
func jointStates(m, l int) int {
	k := 1
	for i := 0; i < m && k <= fhmm.MaxExactStates; i++ {
		k *= l
	}
	return k
}

// checkExactLimit refuses -method exact beyond fhmm.MaxExactStates.
func checkExactLimit(method string, m, l int) error {
	if method == "exact" && jointStates(m, l) > fhmm.MaxExactStates {
		return fmt.Errorf("train fhmm: -method exact: L^M = %d^%d joint states exceed the limit fhmm.MaxExactStates = %d; use -method structured or meanfield",
			l, m, fhmm.MaxExactStates)
	}
	return nil
}

func runFHMM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, fs, stop, err := parseCommand("fhmm", args, stderr, declareFHMMFlags)
	if err != nil {
		return err
	}
	defer stop()
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if err := f.validate(); err != nil {
		return err
	}
	od, err := begin(fs, f.out, nil, stderr)
	if err != nil {
		return err
	}
	defer od.Abort()
	y, rep, err := f.loadData()
	if err != nil {
		return err
	}
	var p fhmm.Params
	if !f.learn {
		if p, err = readFHMMParams(f.params, f.chains, f.states, rep.D, "-data "+f.data); err != nil {
			return fmt.Errorf("train fhmm: -params %w", err)
		}
		f.chains, f.states = p.M(), p.L()
		if err := checkExactLimit(f.method, f.chains, f.states); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep.Chains, rep.States = f.chains, f.states
	rep.JointStates = math.Pow(float64(f.states), float64(f.chains))
	if f.learn {
		p, err = f.fitLearn(y, rep)
	} else if f.method != "amortized" {
		err = f.fitInfer(p, y, rep)
	}
	if err == nil && f.method == "amortized" {
		err = f.fitNet(ctx, p, y, rep)
	}
	if err != nil {
		return err
	}
	if err := addExact(p, y, rep); err != nil {
		return err
	}
	return finishFHMM(p, f, rep, od, stdout, stderr)
}

// loadData reads -data, keeps the -columns and standardizes them if asked.
func (f *fhmmFlags) loadData() ([][]float64, *fhmmReport, error) {
	tb, err := f.table.read(f.data)
	if err != nil {
		return nil, nil, fmt.Errorf("train fhmm: -data %w", err)
	}
	cols, names, err := selectColumns(tb, f.columns)
	if err != nil {
		return nil, nil, fmt.Errorf("train fhmm: -columns %q: %w", f.columns, err)
	}
	d := len(cols)
	if tb.Rows < 2 {
		return nil, nil, fmt.Errorf("train fhmm: -data %s: T = %d time step(s); need at least 2", f.data, tb.Rows)
	}
	x := make([]float64, 0, tb.Rows*d)
	for t := 0; t < tb.Rows; t++ {
		for _, j := range cols {
			x = append(x, tb.At(t, j))
		}
	}
	rep := &fhmmReport{Model: "fhmm", Method: f.method, Data: f.data, Columns: names, T: tb.Rows, D: d,
		ExactLimit: fhmm.MaxExactStates, Standardized: f.standardize, Params: f.params, Learned: f.learn, Seed: f.seed}
	if f.standardize {
		for k, j := range cols {
			if constantColumn(tb, j) {
				return nil, nil, fmt.Errorf("train fhmm: -standardize: column %s of %s is constant", names[k], f.data)
			}
		}
		if x, rep.ColumnMean, rep.ColumnStd, err = table.Standardize(x, d); err != nil {
			return nil, nil, fmt.Errorf("train fhmm: -standardize %s: %w", f.data, err)
		}
	}
	y := make([][]float64, tb.Rows)
	for t := range y {
		y[t] = x[t*d : (t+1)*d]
	}
	return y, rep, nil
}

// constantColumn reports whether column j of tb holds one value.
func constantColumn(tb *table.Table, j int) bool {
	for t := 1; t < tb.Rows; t++ {
		if tb.At(t, j) != tb.At(0, j) {
			return false
		}
	}
	return true
}

// selectColumns returns the indices and names of the columns spec names
// (all when spec is empty).
func selectColumns(tb *table.Table, spec string) ([]int, []string, error) {
	name := func(j int) string {
		if tb.Header != nil {
			return tb.Header[j]
		}
		return fmt.Sprintf("column %d", j+1)
	}
	var cols []int
	var names []string
	if spec == "" {
		for j := 0; j < tb.Cols; j++ {
			cols, names = append(cols, j), append(names, name(j))
		}
		return cols, names, nil
	}
	for _, s := range strings.Split(spec, ",") {
		s = strings.TrimSpace(s)
		j := -1
		for k := 0; tb.Header != nil && k < tb.Cols; k++ {
			if tb.Header[k] == s {
				j = k
			}
		}
		if n, err := strconv.Atoi(s); j < 0 && err == nil && n >= 1 && n <= tb.Cols {
			j = n - 1
		}
		switch {
		case j < 0 && tb.Header == nil:
			return nil, nil, fmt.Errorf("no column %q: the file has no header and %d columns (give 1-based indices)", s, tb.Cols)
		case j < 0:
			return nil, nil, fmt.Errorf("no column %q: the header has %s (or give 1-based indices up to %d)", s, strings.Join(tb.Header, ", "), tb.Cols)
		}
		for _, c := range cols {
			if c == j {
				return nil, nil, fmt.Errorf("column %q given twice", s)
			}
		}
		cols, names = append(cols, j), append(names, name(j))
	}
	return cols, names, nil
}

// fitLearn learns the parameters by variational EM and reports the best
// start's final E-step.
func (f *fhmmFlags) fitLearn(y [][]float64, rep *fhmmReport) (fhmm.Params, error) {
	set := fhmm.LearnSettings{Starts: f.starts, Seed: f.seed, MaxIter: f.iters}
	if f.method == "exact" {
		set.EStep = fhmm.EStepExact
	}
	start := time.Now()
	fit, err := fhmm.Learn(y, f.chains, f.states, set)
	if err != nil {
		return fhmm.Params{}, fmt.Errorf("train %w", err)
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.Starts, rep.StartELBO, rep.BestStart = len(fit.StartELBO), fit.StartELBO, fit.Start
	rep.Iterations, rep.Converged = fit.Iters, fit.Converged
	rep.ELBOTrace, rep.Marginals = fit.ELBO, fit.Marginals
	if f.method == "structured" {
		e := fit.ELBO[len(fit.ELBO)-1]
		rep.ELBO = &e
	}
	return fit.Params, nil
}

// fitInfer runs the inference method with the given parameters, from
// -starts starts (start 0 the methods' default, the others random).
func (f *fhmmFlags) fitInfer(p fhmm.Params, y [][]float64, rep *fhmmReport) error {
	start := time.Now()
	defer func() { rep.Seconds = time.Since(start).Seconds() }()
	if f.method == "exact" {
		return nil // addExact computes it
	}
	starts := max(f.starts, 1)
	rep.Starts = starts
	var best *fhmm.MeanField
	for i := 0; i < starts; i++ {
		set := fhmm.Settings{MaxSweeps: f.iters}
		run := fhmm.Structured
		if f.method == "meanfield" {
			run = fhmm.Factorized
		}
		if i > 0 {
			tab := randomStart(len(y), p.M(), p.L(), f.seed, uint64(i), f.method == "structured")
			if f.method == "structured" {
				set.InitLogH = tab
			} else {
				set.InitMarginals = tab
			}
		}
		q, err := run(p, y, set)
		if err != nil {
			return fmt.Errorf("train %w (start %d)", err, i)
		}
		e := q.ELBO[len(q.ELBO)-1]
		rep.StartELBO = append(rep.StartELBO, e)
		if best == nil || e > best.ELBO[len(best.ELBO)-1] {
			best, rep.BestStart = q, i
		}
	}
	e := best.ELBO[len(best.ELBO)-1]
	rep.ELBO, rep.ELBOTrace, rep.Marginals = &e, best.ELBO, best.Marginals
	rep.Iterations, rep.Converged = best.Sweeps, best.Converged
	return nil
}

// randomStart returns start i's T×M×L table drawn from
// rand.New(rand.NewPCG(seed, i)): log-potentials N(0, 2²) for structured,
// probability vectors ∝ U(0.05, 1) for meanfield (the distributions of
// the random starts in models/fhmm/RESULTS.md).
func randomStart(t, m, l int, seed, i uint64, potentials bool) [][][]float64 {
	r := rand.New(rand.NewPCG(seed, i))
	x := make([][][]float64, t)
	for s := range x {
		x[s] = make([][]float64, m)
		for c := range x[s] {
			row := make([]float64, l)
			var sum float64
			for k := range row {
				if potentials {
					row[k] = 2 * r.NormFloat64()
				} else {
					row[k] = 0.05 + 0.95*r.Float64()
					sum += row[k]
				}
			}
			for k := range row {
				if !potentials {
					row[k] /= sum
				}
			}
			x[s][c] = row
		}
	}
	return x
}

// addExact adds the exact log-likelihood (and, beside an approximate
// method, the exact marginals and the gap) when L^M fits the limit.
func addExact(p fhmm.Params, y [][]float64, rep *fhmmReport) error {
	if jointStates(rep.Chains, rep.States) > fhmm.MaxExactStates {
		rep.ExactSkipped = fmt.Sprintf("L^M = %d^%d joint states exceed fhmm.MaxExactStates = %d: no exact log-likelihood",
			rep.States, rep.Chains, fhmm.MaxExactStates)
		return nil
	}
	start := time.Now()
	post, err := fhmm.Exact(p, y)
	if err != nil {
		return fmt.Errorf("train fhmm: exact inference: %w", err)
	}
	ll := post.LogLik
	rep.LogLikelihood = &ll
	if rep.Method == "exact" && !rep.Learned {
		rep.Seconds, rep.Marginals = time.Since(start).Seconds(), post.Marginals
		return nil
	}
	rep.ExactSeconds = time.Since(start).Seconds()
	if rep.Method == "exact" {
		return nil // exact EM: its marginals are the exact posterior's
	}
	rep.ExactMarginals = post.Marginals
	gap := ll - *rep.ELBO
	rep.Gap = &gap
	var diff float64
	for t, mt := range post.Marginals {
		for c, row := range mt {
			for l, v := range row {
				diff = math.Max(diff, math.Abs(v-rep.Marginals[t][c][l]))
			}
		}
	}
	rep.MaxMarginalDiff = &diff
	return nil
}

// finishFHMM writes params.json (-learn), the plots and the report, and
// commits the outputs.
func finishFHMM(p fhmm.Params, f *fhmmFlags, rep *fhmmReport, od *outDir, stdout, stderr io.Writer) error {
	if f.learn {
		rep.Params = od.Path("params.json")
		if err := od.WriteFile("params.json", func(w io.Writer) error { return writeFHMMParams(w, p) }); err != nil {
			return fmt.Errorf("train fhmm: params.json: %w", err)
		}
	}
	if err := plotFHMM(rep, od); err != nil {
		return fmt.Errorf("train fhmm: plot: %w", err)
	}
	fmt.Fprintf(stderr, "fhmm %s: T = %d, D = %d, M = %d, L = %d%s\n", rep.Method, rep.T, rep.D, rep.Chains, rep.States, fhmmSummary(rep))
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fhmm: wrote %s\n", od.Path(reportName))
	return nil
}

// fhmmSummary is the figures of the run for the console.
func fhmmSummary(rep *fhmmReport) string {
	var parts []string
	if rep.ELBO != nil {
		parts = append(parts, fmt.Sprintf("ELBO %.4f", *rep.ELBO))
	}
	if rep.LogLikelihood != nil {
		parts = append(parts, fmt.Sprintf("log-likelihood %.4f", *rep.LogLikelihood))
	}
	if rep.Gap != nil {
		parts = append(parts, fmt.Sprintf("gap %.4f nats", *rep.Gap))
	}
	if g := rep.AmortizationGap; g != nil {
		parts = append(parts, fmt.Sprintf("amortization gap %.4f nats (%.4f per step) against structured ELBO %.4f", g.Total, g.PerStep, g.StructuredELBO))
	}
	if rep.Method != "exact" || rep.Learned {
		parts = append(parts, fmt.Sprintf("%d iterations", rep.Iterations))
	}
	parts = append(parts, fmt.Sprintf("%.3g s", rep.Seconds))
	return ": " + strings.Join(parts, ", ")
}
