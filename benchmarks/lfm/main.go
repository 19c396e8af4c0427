// Command lfm compares the svi estimators for discrete sites on the binary
// latent factor model (models/lfm): for each estimator, the exact ELBO of
// the mean-field q it reaches after a budget of steps and after a budget of
// wall time, the steps its running ELBO estimate takes to come within 1 nat
// of the mean-field optimum, the variance of its gradient at the final
// parameters, the distance of q's marginals to the exact posterior's, and
// the time per step; then the amortized encoder against the best
// mean-field fit (the amortization gap). It prints Markdown tables.
//
// Usage (from the repository root):
//
//	go run ./benchmarks/lfm -data bars [-k 10 -rows 500 -steps 2000 -seconds 20]
//	go run ./benchmarks/lfm -data digits [-k 10 -rows 300 -learn-steps 3000]
//
// Bars: lfm.Bars(K, r) and lfm.Generate(p, N, r) with r = rand.New(
// rand.NewPCG(1, 2)), Gaussian outputs, the generating parameters (the
// data benchmarks/peers/lfm_torch.py --data bars builds, bit for bit).
// Digits: the first -rows images of data/digits_8x8/digits.csv, pixels >
// 8 set to 1, Bernoulli outputs, parameters learned by lfm.LearnSVI.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/lfm"
	"github.com/govi/govi/svi"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type options struct {
	data, digits      string
	k, rows, steps    int
	learnSteps        int
	seconds           float64
	seed              uint64
	lr                float64
	amortized, hidden int
	toTarget          int
	targetEstimators  string
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("lfm", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.data, "data", "bars", "bars or digits")
	fs.StringVar(&o.digits, "digits", "data/digits_8x8/digits.csv", "the digits CSV")
	fs.IntVar(&o.k, "k", 10, "factors")
	fs.IntVar(&o.rows, "rows", 500, "rows of data")
	fs.IntVar(&o.steps, "steps", 2000, "the step budget")
	fs.Float64Var(&o.seconds, "seconds", 20, "the wall-time budget")
	fs.IntVar(&o.learnSteps, "learn-steps", 3000, "steps of lfm.LearnSVI (digits)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the fits")
	fs.Float64Var(&o.lr, "lr", 0.05, "Adam's learning rate")
	fs.IntVar(&o.amortized, "batch", 64, "the amortized fits' minibatch rows")
	fs.IntVar(&o.hidden, "hidden", 64, "the encoder's hidden width")
	fs.IntVar(&o.toTarget, "to-target", 0, "instead of the tables: run enum, score (leave-one-out, S = 8) and concrete (τ = 0.5, S = 1) for up to this many steps and print the steps each takes to within 1 nat of CAVI's optimum (Gaussian outputs), as benchmarks/peers/lfm_torch.py --target-elbo counts them")
	fs.StringVar(&o.targetEstimators, "to-target-estimators", "enum,score,vimco,concrete", "the estimators of -to-target, a comma list of enum, score (leave-one-out, S = 8), vimco (S = 8) and concrete (τ = 0.5, S = 1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, x, err := problem(o)
	if err != nil {
		return err
	}
	post, err := lfm.Exact(p, x)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Data %s: N = %d, D = %d, K = %d, %v outputs; log evidence %.2f; GOMAXPROCS %d; load %s\n\n",
		o.data, len(x), p.D(), p.K(), p.Likelihood, post.Total, runtime.GOMAXPROCS(0), load())
	if o.toTarget > 0 {
		return toTarget(w, o, p, x)
	}
	rows, best, err := meanField(o, p, x, post)
	if err != nil {
		return err
	}
	printMeanField(w, o, rows, best, post.Total)
	am, err := amortized(o, p, x, post)
	if err != nil {
		return err
	}
	printAmortized(w, o, am, best)
	return nil
}

// problem returns the parameters and data of the comparison.
func problem(o options) (lfm.Params, [][]float64, error) {
	if o.data == "bars" {
		r := rand.New(rand.NewPCG(1, 2))
		p, err := lfm.Bars(o.k, r)
		if err != nil {
			return p, nil, err
		}
		_, x, err := lfm.Generate(p, o.rows, r)
		return p, x, err
	}
	if o.data != "digits" {
		return lfm.Params{}, nil, fmt.Errorf("-data: want bars or digits, got %q", o.data)
	}
	t, err := table.ReadFile(o.digits)
	if err != nil {
		return lfm.Params{}, nil, err
	}
	if t.Cols < 64 {
		return lfm.Params{}, nil, fmt.Errorf("%s: %d columns, want 64 pixels and a label", o.digits, t.Cols)
	}
	var x [][]float64
	for i := 0; i < t.Rows && len(x) < o.rows; i++ {
		px := make([]float64, 64)
		for j := range px {
			if t.Data[i*t.Cols+j] > 8 {
				px[j] = 1
			}
		}
		x = append(x, px)
	}
	p, fit, err := lfm.LearnSVI(context.Background(), x, o.k, lfm.Bernoulli, 0,
		lfm.SVISettings{Estimator: svi.ScoreELBO, Particles: 8, Steps: o.learnSteps, LearnRate: o.lr, Seed: o.seed, GradDraws: 2})
	if err != nil {
		return p, nil, err
	}
	fmt.Fprintf(os.Stderr, "learned the digits' factors: ELBO %.2f in %v\n", fit.ELBO, fit.Runtime.Round(time.Millisecond))
	return p, x, nil
}

func load() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?"
	}
	return string(b[:14])
}

// stepsToWithin returns the first step at which the running mean over 50
// steps of trace is within 1 nat of target, or −1.
func stepsToWithin(trace []float64, target float64) int {
	var sum float64
	for i, v := range trace {
		sum += v
		if i >= 50 {
			sum -= trace[i-50]
		}
		if sum/float64(min(i+1, 50)) >= target-1 {
			return i + 1
		}
	}
	return -1
}

// marginalDistance is the mean |λ_nj − p(z_nj = 1 | x_n)|.
func marginalDistance(lambda, exact [][]float64) float64 {
	var s float64
	var n int
	for i, row := range lambda {
		for j, v := range row {
			s += math.Abs(v - exact[i][j])
			n++
		}
	}
	return s / float64(n)
}

// config is one estimator setting of the comparison.
type config struct {
	name string
	set  lfm.SVISettings
}

func configs(o options) []config {
	base := lfm.SVISettings{LearnRate: o.lr, Seed: o.seed, GradDraws: 200}
	with := func(est svi.Estimator, s int, b svi.Baseline, tau float64) lfm.SVISettings {
		c := base
		c.Estimator, c.Particles, c.Baseline, c.Temperature = est, s, b, tau
		return c
	}
	return []config{
		{"enum", with(svi.EnumELBO, 1, 0, 0)},
		{"score, leave-one-out, S = 8", with(svi.ScoreELBO, 8, svi.BaselineLOO, 0)},
		{"score, no baseline, S = 8", with(svi.ScoreELBO, 8, svi.BaselineNone, 0)},
		{"score, running average, S = 1", with(svi.ScoreELBO, 1, svi.BaselineAvg, 0)},
		{"vimco, S = 8", with(svi.VIMCOBound, 8, 0, 0)},
		{"concrete τ = 0.5, S = 1", with(svi.ConcreteELBO, 1, 0, 0.5)},
		{"concrete τ = 0.1, S = 1", with(svi.ConcreteELBO, 1, 0, 0.1)},
	}
}

// result is one estimator's row.
type result struct {
	name      string
	elboSteps float64 // exact ELBO after the step budget
	elboTime  float64 // after the wall-time budget
	stepsTime int     // steps taken in the wall-time budget
	toWithin  int     // steps to within 1 nat (−1: not reached)
	gradVar   float64 // of the logits, at the final parameters
	gradNorm2 float64
	dist      float64 // mean |λ − exact marginal|
	stepTime  time.Duration
	rows      []float64 // per-row ELBO (amortized fits)
}

// meanField runs every configuration with the mean-field guide and returns
// the rows and the best mean-field ELBO of every data row: the largest over
// the fits (and CAVI's, for Gaussian outputs).
func meanField(o options, p lfm.Params, x [][]float64, post *lfm.Posterior) ([]result, []float64, error) {
	var out []result
	var traces [][]float64
	best := make([]float64, len(x))
	for i := range best {
		best[i] = math.Inf(-1)
	}
	bestTotal := math.Inf(-1)
	keep := func(rowELBO []float64, total float64) {
		for i, v := range rowELBO {
			best[i] = math.Max(best[i], v)
		}
		bestTotal = math.Max(bestTotal, total)
	}
	if p.Likelihood == lfm.Gaussian {
		q, err := lfm.CAVI(p, x, lfm.Settings{})
		if err != nil {
			return nil, nil, err
		}
		keep(q.RowELBO, q.ELBO[len(q.ELBO)-1])
	}
	for _, c := range configs(o) {
		s := c.set
		s.Steps = o.steps
		fit, err := lfm.FitSVI(context.Background(), p, x, s)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name, err)
		}
		s.Steps, s.Runtime, s.GradDraws = 1<<30, time.Duration(o.seconds*float64(time.Second)), 2
		timed, err := lfm.FitSVI(context.Background(), p, x, s)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name, err)
		}
		r := result{name: c.name, elboSteps: fit.ELBO, elboTime: timed.ELBO, stepsTime: len(timed.Trace),
			dist: marginalDistance(fit.Lambda, post.Marginals), stepTime: fit.Runtime / time.Duration(len(fit.Trace))}
		if b := fit.GradVar.Block("guides/z/logits"); b != nil {
			r.gradVar, r.gradNorm2 = b.TotalVar, b.MeanSq
		}
		out, traces = append(out, r), append(traces, timed.Trace)
		keep(fit.RowELBO, fit.ELBO)
		keep(timed.RowELBO, timed.ELBO)
		fmt.Fprintf(os.Stderr, "%s: ELBO %.2f after %d steps (%v/step), %.2f after %d steps in %gs\n",
			c.name, fit.ELBO, o.steps, r.stepTime, timed.ELBO, len(timed.Trace), o.seconds)
	}
	for i := range out {
		out[i].toWithin = stepsToWithin(traces[i], bestTotal)
	}
	return out, best, nil
}

func printMeanField(w io.Writer, o options, rows []result, best []float64, logEvidence float64) {
	var total float64
	for _, v := range best {
		total += v
	}
	fmt.Fprintf(w, "Mean-field q, one logit per row and factor, all rows every step, Adam (lr %g), seed %d. Best mean-field ELBO %.2f (each row's best over every fit below and CAVI's for Gaussian outputs); log evidence %.2f, so the approximation gap is %.2f nats (%.4f per row). Steps to within 1 nat: the first step whose 50-step running mean of the ELBO estimate (the bound, for vimco; the relaxed objective, for concrete) is within 1 nat of the best single fit's ELBO, in the wall-time run.\n\n",
		o.lr, o.seed, total, logEvidence, logEvidence-total, (logEvidence-total)/float64(len(best)))
	fmt.Fprintf(w, "| estimator | ELBO after %d steps | ELBO after %g s (steps) | steps to within 1 nat | gradient variance (‖mean‖²) | mean abs. marginal error | time per step |\n|---|---|---|---|---|---|---|\n", o.steps, o.seconds)
	for _, r := range rows {
		within := "not reached"
		if r.toWithin > 0 {
			within = fmt.Sprint(r.toWithin)
		}
		fmt.Fprintf(w, "| %s | %.2f | %.2f (%d) | %s | %.4g (%.4g) | %.4f | %v |\n", r.name, r.elboSteps, r.elboTime, r.stepsTime, within, r.gradVar, r.gradNorm2, r.dist, r.stepTime.Round(time.Microsecond))
	}
	fmt.Fprintln(w)
}

// amortized fits the encoder guide with each estimator on minibatches.
func amortized(o options, p lfm.Params, x [][]float64, post *lfm.Posterior) ([]result, error) {
	var out []result
	for _, c := range configs(o) {
		if c.set.Estimator == svi.ScoreELBO && c.set.Baseline == svi.BaselineNone {
			c = config{"score, nvil, S = 1", c.set}
			c.set.Baseline, c.set.Particles = svi.BaselineNVIL, 1
		}
		s := c.set
		s.Steps, s.Amortized, s.Hidden, s.Batch = o.steps, true, []int{o.hidden}, o.amortized
		fit, err := lfm.FitSVI(context.Background(), p, x, s)
		if err != nil {
			return nil, fmt.Errorf("amortized %s: %w", c.name, err)
		}
		out = append(out, result{name: c.name, elboSteps: fit.ELBO, rows: fit.RowELBO,
			dist: marginalDistance(fit.Lambda, post.Marginals), stepTime: fit.Runtime / time.Duration(len(fit.Trace))})
		fmt.Fprintf(os.Stderr, "amortized %s: ELBO %.2f\n", c.name, fit.ELBO)
	}
	return out, nil
}

func printAmortized(w io.Writer, o options, rows []result, best []float64) {
	fmt.Fprintf(w, "Amortized q(z_n | x_n): an encoder with one hidden layer of %d ReLU units, minibatches of %d rows, %d steps. Amortization gap: the best mean-field fit's ELBO minus the encoder's, per row (mean over rows).\n\n", o.hidden, o.amortized, o.steps)
	fmt.Fprintln(w, "| estimator | ELBO | amortization gap per row | mean abs. marginal error | time per step |\n|---|---|---|---|---|")
	for _, r := range rows {
		var gap float64
		for i, v := range r.rows {
			gap += best[i] - v
		}
		fmt.Fprintf(w, "| %s | %.2f | %.4f | %.4f | %v |\n", r.name, r.elboSteps, gap/float64(len(best)), r.dist, r.stepTime.Round(time.Microsecond))
	}
	fmt.Fprintln(w)
}

// toTarget prints the steps each estimator takes to come within 1 nat of
// CAVI's optimum, for comparison with the PyTorch peer's --target-elbo.
func toTarget(w io.Writer, o options, p lfm.Params, x [][]float64) error {
	ests, err := targetEstimators(o.targetEstimators)
	if err != nil {
		return err
	}
	q, err := lfm.CAVI(p, x, lfm.Settings{})
	if err != nil {
		return fmt.Errorf("-to-target needs gaussian outputs (CAVI's optimum): %w", err)
	}
	target := q.ELBO[len(q.ELBO)-1]
	fmt.Fprintf(w, "target: CAVI's ELBO %.2f\n", target)
	for _, c := range ests {
		fit, err := lfm.FitSVI(context.Background(), p, x, lfm.SVISettings{Estimator: c.est, Particles: c.s,
			Steps: o.toTarget, LearnRate: o.lr, Seed: o.seed, GradDraws: 2})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%v (S = %d): steps to within 1 nat %d of %d; exact ELBO at the end %.3f; %v per step; load %s\n",
			c.est, c.s, stepsToWithin(fit.Trace, target), len(fit.Trace), fit.ELBO, fit.Runtime/time.Duration(len(fit.Trace)), load())
	}
	return nil
}

// targetEstimator is an estimator of -to-target with its particles.
type targetEstimator struct {
	est svi.Estimator
	s   int
}

// targetEstimators parses -to-target-estimators.
func targetEstimators(list string) ([]targetEstimator, error) {
	known := map[string]targetEstimator{"enum": {svi.EnumELBO, 1}, "score": {svi.ScoreELBO, 8},
		"vimco": {svi.VIMCOBound, 8}, "concrete": {svi.ConcreteELBO, 1}}
	var out []targetEstimator
	for _, name := range strings.Split(list, ",") {
		c, ok := known[strings.TrimSpace(name)]
		if !ok {
			return nil, fmt.Errorf("-to-target-estimators: unknown %q (want enum, score, vimco or concrete)", name)
		}
		out = append(out, c)
	}
	return out, nil
}
