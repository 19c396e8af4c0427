package lfm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// SVISettings configures [FitSVI]. The zero value fits the mean-field q by
// the score estimator with the leave-one-out baseline over 8 particles.
type SVISettings struct {
	Estimator svi.Estimator // ScoreELBO, VIMCOBound, EnumELBO or ConcreteELBO; the zero value (TraceELBO) means ScoreELBO
	Baseline  svi.Baseline  // the score estimator's control variate
	// Particles is S; 0 means 8 for score and vimco, 1 for enum and concrete.
	Particles   int
	Temperature float64 // concrete's τ; 0 means svi.DefaultTemperature
	Steps       int     // 0 means 2000
	// Runtime, when positive, ends the run after this wall time (or
	// Steps, whichever comes first); not used with a Driver.
	Runtime   time.Duration
	LearnRate float64 // Adam's; 0 means 0.05
	Seed      uint64
	// Amortized fits q(z_n | x_n) by an encoder (guides.AmortizedDiscrete)
	// with hidden widths Hidden (ReLU) on minibatches of Batch rows (0
	// means all rows); otherwise q has one logit per row and factor and
	// every step uses all rows.
	Amortized bool
	Hidden    []int
	Batch     int
	// GradDraws is the number of gradient estimates at the final
	// parameters behind SVIFit.GradVar; 0 means 100.
	GradDraws int
	// Starts is the number of seeded starts of LearnSVI (seeds Seed,
	// Seed+1, …), the one with the best ELBO kept; 0 means 1. The
	// likelihood of the factor model has many local optima (on Bernoulli
	// bars, K = 4, one start in two finds the bars).
	Starts int
	// ClipNorm clips the gradient's global norm (svi.Config.ClipNorm); 0
	// means no clipping.
	ClipNorm float64
	// DType is the training graph's dtype (svi.Config.DType): Float64, the
	// zero value, or Float32 for every estimator and both guides. The
	// exact score of q and the parameters' M-steps stay float64.
	DType svi.DType
	// Driver, when set, starts and runs the optimization in place of Init
	// and svi.Run (see Driver): to resume from a checkpoint, or to run
	// with a stopping rule, iterate averaging or a schedule. Steps counts
	// the steps in all, those of a resumed state included. The trainer's
	// fingerprint names the data, the parameters and these settings, so
	// that a checkpoint of another fit is refused.
	Driver Driver
}

// SVIFit is the result of [FitSVI].
type SVIFit struct {
	Lambda [][]float64 // q(z_nj = 1), N rows of K
	// ELBO is q's ELBO summed over the rows, and RowELBO each row's:
	// exact (ScoreMeanField), except for Bernoulli outputs with K >
	// MaxExactFactors, where ELBO is a Monte Carlo estimate with standard
	// error ELBOStdErr (1,000 draws per row) and RowELBO is nil.
	RowELBO    []float64
	ELBO       float64
	ELBOStdErr float64
	// Trace holds the ELBO estimate of every step (the bound, for vimco;
	// the relaxed objective, for concrete), summed over the data set.
	Trace   []float64
	GradVar *svi.GradientStats // at the final parameters, on all rows
	Runtime time.Duration      // of the steps
}

func (s SVISettings) withDefaults(n int) (SVISettings, error) {
	if s.Estimator == svi.TraceELBO {
		s.Estimator = svi.ScoreELBO
	}
	switch s.Estimator {
	case svi.ScoreELBO, svi.VIMCOBound, svi.EnumELBO, svi.ConcreteELBO:
	default:
		return s, fmt.Errorf("lfm: estimator %v does not train discrete sites (want score, vimco, enum or concrete)", s.Estimator)
	}
	if s.Particles < 0 || s.Steps < 0 || s.Batch < 0 || s.GradDraws < 0 || s.LearnRate < 0 || s.Starts < 0 || s.Runtime < 0 || !(s.ClipNorm >= 0) {
		return s, fmt.Errorf("lfm: SVISettings: Particles, Steps, Batch, GradDraws, LearnRate, Starts, Runtime and ClipNorm must not be negative")
	}
	if s.Particles == 0 {
		s.Particles = 1
		if s.Estimator == svi.ScoreELBO || s.Estimator == svi.VIMCOBound {
			s.Particles = 8
		}
	}
	if s.Steps == 0 {
		s.Steps = 2000
	}
	if s.LearnRate == 0 {
		s.LearnRate = 0.05
	}
	if s.GradDraws == 0 {
		s.GradDraws = 100
	}
	if s.Batch > 0 && !s.Amortized {
		return s, fmt.Errorf("lfm: SVISettings.Batch = %d applies to the amortized guide: the mean-field q has one logit per row and uses all rows every step", s.Batch)
	}
	if s.Batch == 0 || s.Batch > n {
		s.Batch = n
	}
	return s, nil
}

// FitSVI fits the mean-field (or amortized) q(z_n) = Π_j Bernoulli(λ_nj) to
// the rows of x under the fixed parameters p by SVI with one of the
// estimators for discrete sites, then scores it exactly (MeanFieldELBO)
// and measures the gradient's variance at the final parameters. K ≤
// MaxExactFactors, for the exact score.
func FitSVI(ctx context.Context, p Params, x [][]float64, set SVISettings) (*SVIFit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	_, fit, err := fitSVI(ctx, SVIModel{P: p}, x, set, nil)
	return fit, err
}

// LearnSVI learns W, b and π of a model with K factors and the given
// likelihood (σ fixed at sigma for Gaussian outputs) from the rows of x by
// variational EM through SVI: W, b and the prior logits are point masses
// (MAP under SVIModel's priors) fitted jointly with q(z) by the estimator
// of set. W starts at N(0, 0.1²) draws from set.Seed, b at the columns'
// means (their logits, for Bernoulli outputs) and π at ½. It returns the
// learned parameters and the fit of q under them.
func LearnSVI(ctx context.Context, x [][]float64, k int, lik Likelihood, sigma float64, set SVISettings) (Params, *SVIFit, error) {
	if len(x) == 0 || len(x[0]) == 0 {
		return Params{}, nil, fmt.Errorf("lfm: LearnSVI: no data")
	}
	d := len(x[0])
	shape := Params{W: make([][]float64, k), B: make([]float64, d), Pi: make([]float64, k), Sigma: sigma, Likelihood: lik}
	for j := range shape.W {
		shape.W[j] = make([]float64, d)
		shape.Pi[j] = 0.5
	}
	if lik == Bernoulli {
		shape.Sigma = 0
	}
	if err := shape.Validate(); err != nil {
		return Params{}, nil, err
	}
	var best Params
	var bestFit *SVIFit
	for i := range max(set.Starts, 1) {
		s := set
		s.Seed = set.Seed + uint64(i)
		p, fit, err := fitSVI(ctx, SVIModel{P: shape, Learn: true}, x, s, startDelta(x, k, lik, s.Seed))
		if err != nil {
			return Params{}, nil, err
		}
		if bestFit == nil || fit.ELBO > bestFit.ELBO {
			best, bestFit = p, fit
		}
	}
	return best, bestFit, nil
}

// startDelta returns the initial values of LearnSVI's point masses.
func startDelta(x [][]float64, k int, lik Likelihood, seed uint64) map[string][]float64 {
	d := len(x[0])
	r := rand.New(rand.NewPCG(seed, 0x77))
	w := make([]float64, k*d)
	for i := range w {
		w[i] = 0.1 * r.NormFloat64()
	}
	b := make([]float64, d)
	for _, row := range x {
		for i, v := range row {
			b[i] += v / float64(len(x))
		}
	}
	if lik == Bernoulli {
		for i, v := range b {
			b[i] = special.Logit(math.Min(math.Max(v, 0.01), 0.99))
		}
	}
	return map[string][]float64{"w": w, "b": b, "a": make([]float64, k)}
}

// fitSVI runs the fit of model (its Rows and N are set here) on x; with
// learn set the model learns its parameters and learn holds the point
// masses' initial values. It returns the parameters q was scored under.
func fitSVI(ctx context.Context, model SVIModel, x [][]float64, set SVISettings, learn map[string][]float64) (Params, *SVIFit, error) {
	p := model.P
	if err := checkData(x, p.D(), p.Likelihood); err != nil {
		return p, nil, err
	}
	n, d := len(x), p.D()
	set, err := set.withDefaults(n)
	if err != nil {
		return p, nil, err
	}
	model.Rows, model.N = set.Batch, n
	amort := guides.AmortizedDiscrete{Input: "x", Dim: d, Hidden: set.Hidden, Activation: ops.ReLU}
	guide, err := guideOf(set, amort, learn)
	if err != nil {
		return p, nil, err
	}
	flat := make([]float64, 0, n*d)
	for _, row := range x {
		flat = append(flat, row...)
	}
	cfg := svi.Config{Estimator: set.Estimator, Baseline: set.Baseline, BaselineInput: "x", Particles: set.Particles,
		Temperature: set.Temperature, Optimizer: svi.Adam{LearnRate: set.LearnRate}, ClipNorm: set.ClipNorm,
		DType: set.DType, Fingerprint: fingerprint(model, flat, set)}
	tr, err := svi.New(model, guide, cfg)
	if err != nil {
		return p, nil, err
	}
	drv := set.Driver
	if drv == nil {
		drv = plain{runtime: set.Runtime}
	}
	st, err := drv.Start(tr, set.Seed)
	if err != nil {
		return p, nil, err
	}
	next, err := batchesOf(st, flat, n, d, set)
	if err != nil {
		return p, nil, err
	}
	start := time.Now()
	if err := drv.Run(ctx, tr, st, set.Steps, next); err != nil {
		return p, nil, err
	}
	runtime := time.Since(start)
	if learn != nil {
		p = learned(st.Params, p)
	}
	fit, err := score(p, x, flat, st, amort, set)
	if err != nil {
		return p, nil, err
	}
	if learn != nil {
		orientFit(p, fit.Lambda)
	}
	fit.Runtime = runtime
	if set.Batch == n {
		fit.GradVar, err = tr.GradientVariance(st, svi.Batch{"x": flat}, set.GradDraws, set.Seed+1)
	}
	return p, fit, err
}

// guideOf returns q(z)'s guide, joined with point masses for the learned
// parameters when learn is set.
func guideOf(set SVISettings, amort guides.AmortizedDiscrete, learn map[string][]float64) (svi.Guide, error) {
	var guide svi.Guide = guides.Discrete{InitLogitsFn: func(_ svi.Site, dst []float64, r *rand.Rand) {
		for i := range dst {
			dst[i] = 0.01 * r.NormFloat64()
		}
	}}
	if set.Amortized {
		guide = amort
	}
	if learn == nil {
		return guide, nil
	}
	return guides.Join(
		guides.Part{Guide: guides.Delta{InitLoc: learn}, Sites: []string{"w", "b", "a"}},
		guides.Part{Guide: guide, Sites: []string{"z"}},
	)
}

// learned reads W, b and π from the point masses.
func learned(ps *svi.Params, shape Params) Params {
	k, d := shape.K(), shape.D()
	w, _ := ps.Get("guides/w/loc")
	b, _ := ps.Get("guides/b/loc")
	a, _ := ps.Get("guides/a/loc")
	p := shape
	p.W = make([][]float64, k)
	for j := range p.W {
		p.W[j] = append([]float64(nil), w[j*d:(j+1)*d]...)
	}
	p.B = append([]float64(nil), b...)
	p.Pi = make([]float64, k)
	for j, v := range a {
		p.Pi[j] = special.Sigmoid(v)
	}
	return p
}

// orientFit turns every learned factor whose weights sum below zero
// around, in place: z_j ↔ 1 − z_j with w_j → −w_j, b → b + w_j, π_j →
// 1 − π_j and λ_nj → 1 − λ_nj describe the same model and q (the ELBO is
// unchanged), and a non-negative weight sum makes "on" mean "adds ink".
// It reports whether it flipped any.
func orientFit(p Params, lambda [][]float64) bool {
	flipped := false
	for j, w := range p.W {
		var sum float64
		for _, v := range w {
			sum += v
		}
		if sum >= 0 {
			continue
		}
		flipped = true
		floatsAdd(p.B, w, 1)
		for i := range w {
			w[i] = -w[i]
		}
		p.Pi[j] = 1 - p.Pi[j]
		for _, lam := range lambda {
			lam[j] = 1 - lam[j]
		}
	}
	return flipped
}

// score fills the fit's λ, trace and exact ELBO.
func score(p Params, x [][]float64, flat []float64, st *svi.State, amort guides.AmortizedDiscrete, set SVISettings) (*SVIFit, error) {
	n, k := len(x), p.K()
	fit := &SVIFit{}
	for _, l := range st.Trace {
		fit.Trace = append(fit.Trace, -l)
	}
	logits, err := finalLogits(st, amort, flat, n, set)
	if err != nil {
		return nil, err
	}
	fit.Lambda = make([][]float64, n)
	for i := range fit.Lambda {
		fit.Lambda[i] = make([]float64, k)
		for j := range k {
			fit.Lambda[i][j] = special.Sigmoid(logits[i*k+j])
		}
	}
	r := rand.New(rand.NewPCG(set.Seed, 0x73636f7265))
	if fit.ELBO, fit.ELBOStdErr, fit.RowELBO, err = ScoreMeanField(p, x, fit.Lambda, 1000, r); err != nil {
		return nil, err
	}
	return fit, nil
}

// batchesOf returns the batch source of the run: all rows every step, or
// minibatches of set.Batch rows dealt by the state.
func batchesOf(st *svi.State, flat []float64, n, d int, set SVISettings) (func() (svi.Batch, error), error) {
	if set.Batch == n {
		b := svi.Batch{"x": flat}
		return func() (svi.Batch, error) { return b, nil }, nil
	}
	mb, err := svi.NewMinibatches(n, set.Batch, rand.NewPCG(set.Seed, 0x6c666d))
	if err != nil {
		return nil, err
	}
	if err := st.SetBatches(mb); err != nil {
		return nil, err
	}
	buf := make([]float64, set.Batch*d)
	return func() (svi.Batch, error) {
		for i, r := range st.Batches.Next() {
			copy(buf[i*d:(i+1)*d], flat[r*d:(r+1)*d])
		}
		return svi.Batch{"x": buf}, nil
	}, nil
}

// finalLogits returns the fitted logits of every row: the parameters of a
// mean-field fit, or the encoder's output on all rows.
func finalLogits(st *svi.State, amort guides.AmortizedDiscrete, flat []float64, n int, set SVISettings) ([]float64, error) {
	if set.Amortized {
		l, err := amort.Logits(st.Params, []string{"z"}, flat, n)
		if err != nil {
			return nil, err
		}
		return l["z"], nil
	}
	l, ok := st.Params.Get("guides/z/logits")
	if !ok {
		return nil, fmt.Errorf("lfm: the fit has no logits")
	}
	return l, nil
}
