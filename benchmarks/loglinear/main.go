// Command loglinear checks govi's variational fits of the Bayesian
// log-linear classifier (models/bnn with no hidden layer: softmax
// regression with N(0, σ_p²) weights) against a reference posterior
// computed independently: HMC preconditioned by the Laplace approximation
// (internal/softmaxreg, internal/mcmc), with its R̂ and ESS, and
// Pareto-smoothed importance sampling from the Laplace proposal with its
// k̂. It prints a Markdown table: predictive probabilities on the test
// rows (mean and largest absolute difference), test log-loss and
// accuracy, and the weights' posterior means and sds (correlation,
// relative error) of each fit against the reference, with wall times.
//
// The split is that of `train bnn -data` (bnn.HoldOut with -test-frac and
// -seed), and the fits are those of `train bnn -hidden 0 -task
// classification` with the same settings, full batch.
//
// Usage (from the repository root):
//
//	go run ./benchmarks/loglinear [-data data/digits_8x8/digits.csv] [-classes 0-9] [-pool 1] \
//	    [-steps 20000] [-lr 0.01] [-guides meanfield,fullrank] [-hmc-draws 1000] [-chains 4]
//
// models/bnn/LOGLINEAR_RESULTS.md holds the measured table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/govi/govi/internal/mcmc"
	"github.com/govi/govi/internal/softmaxreg"
	"github.com/govi/govi/models/bnn"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	data, classes, guides         string
	pool, steps, particles, draws int
	fullSteps                     int
	hmcWarmup, hmcDraws, chains   int
	isDraws, leapfrog, pilot      int
	lr, testFrac, priorScale      float64
	anneal                        float64
	seed                          uint64
}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("loglinear", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.data, "data", "data/digits_8x8/digits.csv", "table `file`: 8×8 pixel columns, then the label")
	fs.StringVar(&o.classes, "classes", "0-9", "classes kept, e.g. 0-9 or 3,5,8 (relabeled in that order)")
	fs.IntVar(&o.pool, "pool", 1, "sum f×f pixel blocks (2: 16 inputs instead of 64)")
	fs.StringVar(&o.guides, "guides", "meanfield,fullrank", "govi guides to fit")
	fs.IntVar(&o.steps, "steps", 20000, "SVI steps (full batch)")
	fs.IntVar(&o.fullSteps, "fullrank-steps", 0, "SVI steps of the fullrank guide; 0 means -steps")
	fs.Float64Var(&o.lr, "lr", 0.01, "Adam learning rate")
	fs.Float64Var(&o.anneal, "anneal", 0.25, "fraction of the steps at a tenth of the learning rate (train bnn's -anneal)")
	fs.IntVar(&o.particles, "particles", 2, "SVI particles per step (train bnn's default)")
	fs.IntVar(&o.draws, "draws", 4000, "guide draws for predictions and weight moments")
	fs.Float64Var(&o.priorScale, "prior-scale", bnn.DefaultPriorScale, "σ_p of the N(0, σ_p²) prior on weights and biases")
	fs.Float64Var(&o.testFrac, "test-frac", 0.2, "seeded hold-out fraction (train bnn's -test-frac)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the split, the fits and the samplers (train bnn's -seed)")
	fs.IntVar(&o.hmcWarmup, "hmc-warmup", 500, "HMC warm-up iterations per chain")
	fs.IntVar(&o.hmcDraws, "hmc-draws", 1000, "HMC draws kept per chain")
	fs.IntVar(&o.chains, "chains", 4, "HMC chains")
	fs.IntVar(&o.leapfrog, "leapfrog", 16, "most leapfrog steps per HMC trajectory")
	fs.IntVar(&o.pilot, "pilot", 0, "draws per chain of a pilot HMC run whose covariance preconditions the reference run (0: the Laplace covariance)")
	fs.IntVar(&o.isDraws, "is-draws", 4000, "importance-sampling draws from the Laplace proposal")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("loglinear: unexpected arguments %v", fs.Args())
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	pr, err := load(o)
	if err != nil {
		return err
	}
	var gds []bnn.Guide
	for _, g := range strings.Split(o.guides, ",") {
		gd, err := bnn.ParseGuide(strings.TrimSpace(g))
		if err != nil {
			return err
		}
		gds = append(gds, gd)
	}
	fmt.Fprintf(stdout, "data %s, classes %s (K = %d), pool %d: D = %d inputs, %d training and %d test rows (bnn.HoldOut(%.2f, seed %d)); %d parameters, σ_p = %g\n\n",
		o.data, o.classes, pr.k, o.pool, pr.train.D, pr.train.N, pr.test.N, o.testFrac, o.seed, pr.post.Dim(), o.priorScale)
	// The reference and the fits run concurrently; each fit's comparison
	// waits for the reference.
	start := time.Now()
	var ref *refResult
	var refErr error
	refDone := make(chan struct{})
	var log strings.Builder
	go func() {
		defer close(refDone)
		ref, refErr = reference(pr, o, &log)
	}()
	type fit struct {
		wall time.Duration
		c    *softmaxreg.Comparison
		err  error
	}
	fits := make([]fit, len(gds))
	var wg sync.WaitGroup
	for i, gd := range gds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &fits[i]
			var v *viResult
			if v, f.err = fitVI(ctx, pr, o, gd); f.err != nil {
				return
			}
			f.wall = v.wall
			<-refDone
			if refErr == nil {
				f.c = ref.cmp(v.probs, v.mean, v.sd)
			}
		}()
	}
	wg.Wait()
	<-refDone
	if refErr != nil {
		return refErr
	}
	fmt.Fprint(stdout, log.String())
	fmt.Fprintln(stdout, "| method | wall s | test log-loss | test acc. | probs MAD | probs max | mean corr | mean rel. err | max mean z | sd corr | median sd ratio | mean abs sd rel. err |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	row(stdout, "reference (HMC)", ref.wall, ref.cmp(ref.probs, ref.mean, ref.sd))
	row(stdout, "Laplace", ref.lapWall, ref.cmp(ref.lapProbs, ref.la.Mode, ref.la.SD))
	row(stdout, "PSIS from Laplace", ref.lapWall+ref.isWall, ref.cmp(ref.isProbs, ref.is.Mean, ref.is.SD))
	for i, f := range fits {
		if f.err != nil {
			return f.err
		}
		row(stdout, "govi "+gds[i].String(), f.wall, f.c)
	}
	fmt.Fprintf(stdout, "\nwall %.0f s in all, process CPU %.0f s (the reference and the fits ran concurrently)\n", time.Since(start).Seconds(), cpuSeconds())
	return nil
}

// row prints one line of the table.
func row(w io.Writer, name string, wall time.Duration, c *softmaxreg.Comparison) {
	fmt.Fprintf(w, "| %s | %.1f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.2f | %.4f | %.3f | %.3f |\n",
		name, wall.Seconds(), c.LogLoss, c.Accuracy, c.ProbMAD, c.ProbMax, c.MeanCorr, c.MeanRelErr, c.MeanMaxZ, c.SDCorr, c.SDRatio, c.SDRelErr)
}

// problem is the data set and its exact posterior.
type problem struct {
	train, test *bnn.Data
	k           int
	xTest       []float64 // standardized test inputs
	post        *softmaxreg.Posterior
}

// load reads the data, keeps the classes asked for, pools the pixels,
// splits as train bnn does and standardizes with the training split's
// scaler (bnn.NewScaler, the one bnn.Fit uses for classification).
func load(o *options) (*problem, error) {
	all, err := bnn.ReadData(o.data)
	if err != nil {
		return nil, err
	}
	classes, err := parseClasses(o.classes)
	if err != nil {
		return nil, err
	}
	x, y, err := softmaxreg.SelectClasses(all.X, all.Y, all.D, classes)
	if err != nil {
		return nil, err
	}
	d := all.D
	if o.pool > 1 {
		if x, err = softmaxreg.Pool(x, 8, o.pool); err != nil {
			return nil, err
		}
		d = len(x) / len(y)
	}
	sub, err := bnn.NewData(x, y, d)
	if err != nil {
		return nil, err
	}
	train, test, err := bnn.HoldOut(sub, o.testFrac, o.seed)
	if err != nil {
		return nil, err
	}
	sc, err := bnn.NewScaler(train, false)
	if err != nil {
		return nil, err
	}
	xs, err := sc.X(train.X)
	if err != nil {
		return nil, err
	}
	xt, err := sc.X(test.X)
	if err != nil {
		return nil, err
	}
	post, err := softmaxreg.New(xs, train.Y, d, len(classes), o.priorScale)
	if err != nil {
		return nil, err
	}
	return &problem{train: train, test: test, k: len(classes), xTest: xt, post: post}, nil
}

// parseClasses reads "a-b" or "a,b,c".
func parseClasses(s string) ([]int, error) {
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err := errors.Join(err1, err2); err != nil || b <= a {
			return nil, fmt.Errorf("loglinear: bad -classes %q", s)
		}
		var out []int
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
		return out, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("loglinear: bad -classes %q", s)
		}
		out = append(out, c)
	}
	return out, nil
}

// refResult is the reference posterior and its baselines.
type refResult struct {
	pr                    *problem
	mean, sd, probs       []float64
	la                    *softmaxreg.Laplace
	lapProbs              []float64
	is                    *softmaxreg.Importance
	isProbs               []float64
	wall, lapWall, isWall time.Duration
}

// cmp compares predictions and moments against the HMC reference.
func (r *refResult) cmp(probs, mean, sd []float64) *softmaxreg.Comparison {
	c, err := softmaxreg.Compare(r.pr.test.Y, r.pr.k, r.probs, probs, r.mean, r.sd, mean, sd)
	if err != nil {
		return &softmaxreg.Comparison{} // lengths are fixed by construction
	}
	return c
}

// reference computes the Laplace approximation, PSIS from it and the HMC
// reference, and prints their diagnostics.
func reference(pr *problem, o *options, w io.Writer) (*refResult, error) {
	r := &refResult{pr: pr}
	t0 := time.Now()
	la, err := pr.post.NewLaplace()
	if err != nil {
		return nil, err
	}
	r.la, r.lapWall = la, time.Since(t0)
	t0 = time.Now()
	is, err := pr.post.Importance(la, o.isDraws, rand.New(rand.NewPCG(o.seed, 0x6973)))
	if err != nil {
		return nil, err
	}
	r.is, r.isWall = is, time.Since(t0)
	r.lapProbs = pr.post.WeightedProbs(pr.xTest, is.Draws, nil)
	r.isProbs = pr.post.WeightedProbs(pr.xTest, is.Draws, is.LogW)
	t0 = time.Now()
	ref, err := pr.post.Sample(la, mcmc.HMC{Seed: o.seed, Warmup: o.hmcWarmup, Draws: o.hmcDraws, Leapfrog: o.leapfrog}, o.chains, o.pilot)
	if err != nil {
		return nil, err
	}
	r.wall = time.Since(t0) + r.lapWall
	s := ref.Summary
	if ps := ref.Pilot; ps != nil {
		fmt.Fprintf(w, "HMC pilot (Laplace-preconditioned): %d chains × (%d warm-up + %d draws): max split R̂ = %.4f, min ESS = %.0f (median %.0f); its covariance preconditions the reference run.\n",
			o.chains, o.hmcWarmup, o.pilot, ps.MaxRhat, ps.MinESS, median(ps.ESS))
	}
	r.mean, r.sd = s.Mean, s.SD
	r.probs = pr.post.PredictiveProbs(pr.xTest, ref)
	fmt.Fprintf(w, "Laplace: mode found to ‖∇‖∞ = %.1e in %.1f s. PSIS from Laplace: %d draws, k̂ = %.2f (threshold %.2f), ESS = %.1f, %.1f s.\n",
		la.Grad, r.lapWall.Seconds(), o.isDraws, is.KHat, is.Threshold, is.ESS, r.isWall.Seconds())
	fmt.Fprintf(w, "HMC reference: %d chains × (%d warm-up + %d draws), ≤ %d leapfrog steps, step sizes %.3f, acceptance %.2f; max split R̂ = %.4f, min ESS = %.0f (median %.0f), %.1f s.\n\n",
		o.chains, o.hmcWarmup, o.hmcDraws, o.leapfrog, ref.Chains.Step, ref.Chains.Accept, s.MaxRhat, s.MinESS, median(s.ESS), time.Since(t0).Seconds())
	return r, nil
}

// viResult is a govi fit's wall time, test predictions and weight moments.
type viResult struct {
	wall            time.Duration
	probs, mean, sd []float64
}

// fitVI fits the network with no hidden layer and guide g, as train bnn
// -hidden 0 -task classification -batch N does.
func fitVI(ctx context.Context, pr *problem, o *options, g bnn.Guide) (*viResult, error) {
	cfg := bnn.Config{Task: bnn.Classification, Classes: pr.k, PriorScale: o.priorScale}
	steps := o.steps
	if g == bnn.FullRank && o.fullSteps > 0 {
		steps = o.fullSteps
	}
	t0 := time.Now()
	net, err := bnn.Fit(ctx, cfg, pr.train, bnn.Settings{Steps: steps, Batch: pr.train.N, LearnRate: o.lr, Particles: o.particles,
		Anneal: o.anneal, Guide: g, Seed: o.seed})
	if err != nil {
		return nil, err
	}
	v := &viResult{wall: time.Since(t0)}
	cp, err := net.PredictClass(pr.test.X, o.draws, o.seed+1000)
	if err != nil {
		return nil, err
	}
	th, err := thetaDraws(net, o.draws, o.seed+1000)
	if err != nil {
		return nil, err
	}
	v.probs = cp.Probs
	v.mean, v.sd = softmaxreg.Moments(th, pr.post.Dim())
	return v, nil
}

// thetaDraws returns t draws of θ = (vec W, b) from the network's guide,
// in softmaxreg's layout.
func thetaDraws(net *bnn.Net, t int, seed uint64) ([]float64, error) {
	ds, err := net.Sample(t, seed)
	if err != nil {
		return nil, err
	}
	w, b := ds[bnn.WeightSite(0)], ds[bnn.BiasSite(0)]
	nw, nb := len(w)/t, len(b)/t
	out := make([]float64, 0, t*(nw+nb))
	for k := range t {
		out = append(out, w[k*nw:(k+1)*nw]...)
		out = append(out, b[k*nb:(k+1)*nb]...)
	}
	return out, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

// cpuSeconds returns the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
