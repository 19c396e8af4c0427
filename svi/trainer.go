package svi

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"sync"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/vec"
)

// Config holds the choices fixed when the training graph is built. The zero
// value is valid: one particle, the trace estimator, Adam with defaults.
type Config struct {
	Particles int       // S, the number of draws per step; 0 means 1
	Estimator Estimator // ELBO estimator
	Optimizer Optimizer // nil means Adam{}
	// ClipNorm, when positive, rescales each step's gradient so that its
	// global Euclidean norm over all parameters is at most ClipNorm.
	ClipNorm float64
	// Workers splits the particles over this many graphs run in parallel
	// goroutines (0 means 1). The noise is drawn in a fixed order and the
	// gradients are summed in a fixed order, so results depend on Workers
	// but not on GOMAXPROCS or scheduling. It cannot exceed Particles and
	// is refused with the IWAE estimator, whose bound does not split.
	Workers int
	// KLFallback lets the KL estimator take sites without a closed-form
	// KL(q‖p) (a constrained site, or a prior dist.KL does not pair with
	// the guide's marginal): such a site contributes the Monte Carlo
	// estimate of E_q[log p(z) + log|J|] plus the closed-form entropy of its
	// marginal, as the entropy estimator would. Without it New refuses such
	// a site, so a fit never silently leaves the closed form.
	KLFallback bool
	// Vectorize builds the model once for all S particles, with a leading
	// particle axis on every latent value (see M.Particles), instead of S
	// copies of the graph: far fewer graph operations per step when S is
	// large. It needs a VectorGuide (guides.MeanField), the entropy or kl
	// estimator, one worker, and a model written for it (a VectorModel). The evaluation
	// programs (ELBO, LogWeights, Diagnose) still build one copy per
	// particle, so the model must also work with M.Particles() == 0.
	Vectorize bool
	// Fingerprint names the data and settings the fit depends on beyond
	// the model's sites and the guide (see Fingerprint): SaveCheckpoint
	// records it and LoadCheckpoint refuses a checkpoint with another. Nil
	// means nothing beyond them. New keeps a copy.
	Fingerprint Fingerprint
	// Baseline is the score estimator's control variate (see Baseline);
	// the zero value chooses leave-one-out with two or more particles and
	// the running average with one.
	Baseline Baseline
	// BaselineInput names the data array ([rows, D], in the plate) the
	// nvil baseline's network reads, and BaselineHidden its hidden width
	// (0 means DefaultBaselineHidden).
	BaselineInput  string
	BaselineHidden int
	// Temperature is the concrete estimator's relaxation temperature τ;
	// 0 means DefaultTemperature. Other estimators ignore it.
	Temperature float64
	// Reduce, when set, makes the Trainer one rank of a data-parallel fit:
	// Step replaces its loss and gradient (its own workers' combination)
	// by their mean over the ranks, before the finiteness check, the
	// clipping and the optimizer update, so every rank applies the same
	// update and the parameters stay identical without being sent; Init
	// broadcasts rank 0's parameters when Reduce is a [Broadcaster]. Each
	// rank's model must scale its likelihood by P·N_r/B_r (its N_r rows,
	// minibatches of B_r) and every rank must use the same seed; see
	// [Reducer] for why the mean of the ranks' losses then counts the
	// global sites' terms once. The evaluation methods and LossGrad stay
	// local to the rank.
	Reduce Reducer
	// DType is the floating-point type of the training graph: Float64
	// (the zero value) or Float32, with any estimator; New fails when a
	// guide or model builds an operation (or a constant) that is not
	// float32 (see Float32 for what stays float64).
	DType DType
}

// DefaultTemperature is the concrete estimator's default temperature, the
// value Jang, Gu & Poole (2017) anneal down to.
const DefaultTemperature = 0.5

// Batch maps the names declared by [M.Data] to their values for one step,
// row-major, each with exactly the declared number of elements. Names left
// out keep the values of the previous step.
type Batch map[string][]float64

// Info is the diagnostics of one step.
type Info struct {
	Iter int     // steps taken, including this one
	Loss float64 // −ELBO estimate at the parameters before the update
	// Retried is set by a [Guarded] stepper when the step failed and the
	// state was rolled back to the last good one: the step did not count.
	Retried bool
}

// Trainer holds the training graph of a model and guide: the negative ELBO,
// its gradient and the compiled program. It is built once by New and run by
// Step for any number of States; the evaluation methods (ELBO, LogWeights,
// Diagnose) run a program of their own, with their own data, so they never
// change what the next Step trains on. A Trainer is not safe for concurrent
// use; build one per goroutine.
type Trainer struct {
	cfg    Config
	model  Model
	guide  Guide
	sites  []Site
	train  *program   // the first worker's program
	progs  []*program // one per worker
	share  []float64  // each worker's share of the particles
	grads  *Params    // the combined gradient
	eval   *program   // the evaluation program, built on first use
	losses []float64  // per-worker scratch of runAll
	errs   []error    // per-worker scratch of runAll
	layout *Params    // names and shapes of the parameters
	backup *State     // scratch copy of the state before an update
	gmax   float64    // the largest |gradient| of the last lossGrad
	flat   []float64  // scratch of reduce: the gradient and the loss
}

// New builds the training graph: the guide's draws, the model's log-joint on
// each particle, the negative ELBO of the configured estimator, and its
// gradient with respect to the guide's parameters.
func New(model Model, guide Guide, cfg Config) (*Trainer, error) {
	if model == nil || guide == nil {
		return nil, errors.New("svi: New needs a model and a guide")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkVectorize(cfg, model, guide); err != nil {
		return nil, err
	}
	sites, err := Trace(model)
	if err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, model: model, guide: guide, sites: sites}
	for w := 0; w < cfg.Workers; w++ {
		n := cfg.Particles / cfg.Workers
		if w < cfg.Particles%cfg.Workers {
			n++
		}
		p, pt, err := newProgram(model, guide, sites, cfg, n, cfg.Vectorize, true)
		if err == nil {
			err = p.compileTrain(pt, cfg.Estimator)
		}
		if err != nil && cfg.DType == Float32 {
			return nil, fmt.Errorf("svi: building the float32 training graph: %w", err)
		}
		if err != nil {
			return nil, err
		}
		t.progs = append(t.progs, p)
		t.share = append(t.share, float64(n)/float64(cfg.Particles))
	}
	t.train = t.progs[0]
	t.grads = t.train.grads // one worker: its gradient is the step's (no copy)
	if len(t.progs) > 1 {
		t.grads = t.train.grads.ZerosLike()
	}
	t.layout = NewParams()
	for _, p := range t.train.params {
		_ = t.layout.Add(p.name, p.shape, make([]float64, size(p.shape)))
	}
	return t, nil
}

// withDefaults fills the zero fields of c and validates it.
func (c Config) withDefaults() (Config, error) {
	if c.Particles < 0 {
		return c, fmt.Errorf("svi: particles must be at least 1, got %d", c.Particles)
	}
	if c.Particles == 0 {
		c.Particles = 1
	}
	if c.Optimizer == nil {
		c.Optimizer = Adam{}
	}
	if v, ok := c.Optimizer.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return c, err
		}
	}
	if c.ClipNorm < 0 || math.IsNaN(c.ClipNorm) {
		return c, fmt.Errorf("svi: ClipNorm must be non-negative, got %v", c.ClipNorm)
	}
	if !c.Estimator.valid() {
		return c, fmt.Errorf("svi: unknown estimator %v", c.Estimator)
	}
	if c.Workers < 0 || c.Workers > c.Particles {
		return c, fmt.Errorf("svi: workers must lie between 1 and the %d particles, got %d", c.Particles, c.Workers)
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if err := c.checkDType(); err != nil {
		return c, err
	}
	c.Fingerprint = maps.Clone(c.Fingerprint)
	if c.Workers > 1 && (c.Estimator == IWAEBound || c.Estimator == VIMCOBound || c.Estimator == ScoreELBO) {
		return c, fmt.Errorf("svi: the %s estimator cannot be split over workers (its particles share one bound or baseline)", c.Estimator)
	}
	return c.discreteDefaults()
}

// Trace runs the model once on a scratch graph and returns its latent sites.
func Trace(model Model) ([]Site, error) {
	var decl []dataDecl
	m := &M{g: G.NewGraph(), tracing: true, data: map[string]*G.Node{}, dataDecl: &decl, scale: 1}
	if err := build(model, m); err != nil {
		return nil, fmt.Errorf("svi: model: %w", err)
	}
	if _, err := m.logJoint(); err != nil {
		return nil, err
	}
	if len(m.sites) == 0 {
		return nil, ErrNoSites
	}
	return m.sites, nil
}

// Sites returns the model's latent sites.
func (t *Trainer) Sites() []Site { return t.sites }

// Particles returns the number of particles per step.
func (t *Trainer) Particles() int { return t.cfg.Particles }

// Layout returns the names and shapes of the guide's parameters (values zero).
func (t *Trainer) Layout() *Params { return t.layout.ZerosLike() }

// Init returns a new state: parameters initialized by the guide from a
// random source seeded with seed, fresh optimizer state, step 0. The same
// seed gives the same state. With a Config.Reduce that is a [Broadcaster]
// every rank then holds rank 0's parameters.
func (t *Trainer) Init(seed uint64) (*State, error) {
	st := &State{RNG: NewRNG(seed)}
	r := st.rand()
	st.Params = NewParams()
	for _, p := range t.train.params {
		v := make([]float64, size(p.shape))
		if p.init != nil {
			p.init(v, r)
		}
		if err := st.Params.Add(p.name, p.shape, v); err != nil {
			return nil, err
		}
	}
	if t.cfg.Reduce != nil {
		if err := t.broadcast(st.Params); err != nil {
			return nil, err
		}
	}
	st.Opt = t.cfg.Optimizer.Init(st.Params)
	return st, nil
}

// Step takes one stochastic gradient step on st with the data in b and
// appends the loss to st.Trace. On a non-finite loss, gradient or updated
// parameter it returns a *NonFiniteError and leaves st's parameters,
// optimizer state, step count and trace as they were (its random source has
// advanced).
func (t *Trainer) Step(st *State, b Batch) (Info, error) {
	if err := t.checkState(st); err != nil {
		return Info{}, err
	}
	loss, err := t.lossGrad(st, b)
	if err != nil {
		return Info{Iter: st.Iter, Loss: loss}, err
	}
	g := t.grads
	if t.cfg.ClipNorm > 0 {
		if n := g.Norm(); n > t.cfg.ClipNorm {
			g.Scale(t.cfg.ClipNorm / n)
		}
	}
	// The backup lets a step that makes a parameter non-finite be undone;
	// an optimizer that proves, from the gradient's size, that it cannot
	// (Adam below 1e150) spares the copy of every parameter and moment.
	fs, ok := t.cfg.Optimizer.(finiteStepper)
	checked := !ok || !fs.finiteStep(st.Opt, t.gmax)
	if checked {
		if t.backup == nil {
			t.backup = &State{Params: st.Params.Clone(), Opt: cloneOpt(st.Opt)}
		} else {
			_ = t.backup.Params.CopyFrom(st.Params)
			copyOpt(t.backup.Opt, st.Opt)
		}
	}
	if err := t.cfg.Optimizer.Update(st.Opt, st.Params, g); err != nil {
		return Info{Iter: st.Iter, Loss: loss}, err
	}
	if checked {
		if name, j, v, bad := st.Params.firstNonFinite(); bad {
			_ = st.Params.CopyFrom(t.backup.Params)
			copyOpt(st.Opt, t.backup.Opt)
			return Info{Iter: st.Iter, Loss: loss}, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "parameter " + name, Index: j, Value: v}
		}
	}
	st.Iter++
	st.Trace = append(st.Trace, loss)
	return Info{Iter: st.Iter, Loss: loss}, nil
}

// lossGrad evaluates the loss and its gradient (into t.train.grads) at st's
// parameters with fresh noise.
func (t *Trainer) lossGrad(st *State, b Batch) (float64, error) {
	if err := t.Feed(b); err != nil {
		return math.NaN(), err
	}
	r := st.rand()
	b0 := avgBaseline(st.Trace)
	for _, p := range t.progs {
		p.fillNoise(r, st.RNG)
		p.gc.avgBaseline = b0
	}
	loss, err := t.runAll(st.Params)
	if err != nil {
		return loss, err
	}
	// The reduced values are the same on every rank, so every rank makes
	// the same decision below and none is left waiting in the next step.
	if loss, err = t.reduce(loss); err != nil {
		return loss, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "loss", Index: -1}
	}
	g := t.grads
	t.gmax = 0
	for i, name := range g.names {
		m := max(t.gmax, vec.MaxAbs(g.values[i])) // NaN propagates through max
		if math.IsNaN(m) || math.IsInf(m, 0) {
			for j, v := range g.values[i] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return loss, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "gradient of " + name, Index: j, Value: v}
				}
			}
		}
		t.gmax = m
	}
	return loss, nil
}

// runAll runs every worker's program on ps with its current noise and
// returns the particle-weighted loss, with the gradient in t.grads.
func (t *Trainer) runAll(ps *Params) (float64, error) {
	if len(t.progs) == 1 {
		loss, err := t.train.run(ps)
		if err == nil {
			_ = t.grads.CopyFrom(t.train.grads)
		}
		return loss, err
	}
	if len(t.losses) != len(t.progs) {
		t.losses, t.errs = make([]float64, len(t.progs)), make([]error, len(t.progs))
	}
	losses, errs := t.losses, t.errs
	var wg sync.WaitGroup
	for w, p := range t.progs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			losses[w], errs[w] = p.run(ps)
		}()
	}
	wg.Wait()
	loss := 0.0
	for i := range t.grads.values {
		clear(t.grads.values[i])
	}
	for w, p := range t.progs {
		if errs[w] != nil {
			return math.NaN(), errs[w]
		}
		loss += t.share[w] * losses[w]
		for i, gv := range p.grads.values {
			dst := t.grads.values[i]
			for j, v := range gv {
				dst[j] += t.share[w] * v
			}
		}
	}
	return loss, nil
}

// Feed copies b's arrays into the training graph's data inputs, for the
// steps that follow (a Step's own batch does the same). Every declared data
// array must have been fed before the first step. The evaluation methods
// take their data separately and do not see it.
func (t *Trainer) Feed(b Batch) error {
	for _, p := range t.progs {
		if err := p.feed(b); err != nil {
			return err
		}
	}
	return nil
}

func (t *Trainer) checkState(st *State) error {
	if st == nil || st.Params == nil || st.RNG == nil || st.Opt == nil {
		return errors.New("svi: state is not initialized (use Trainer.Init)")
	}
	if err := checkTrace(st.Iter, len(st.Trace)); err != nil {
		return fmt.Errorf("svi: %w", err)
	}
	if err := t.layout.sameLayout(st.Params); err != nil {
		return err
	}
	for _, s := range st.Opt.Slots {
		if s == nil || t.layout.sameLayout(s) != nil {
			return errors.New("svi: the state's optimizer moments do not match its parameters (use Trainer.Init)")
		}
	}
	return nil
}

// LossGrad evaluates the loss and its gradient at parameters p with the
// noise and data of the last step held fixed: a deterministic function of
// p, for finite-difference checks of a model's or guide's gradient.
func (t *Trainer) LossGrad(p *Params) (float64, *Params, error) {
	if err := t.layout.sameLayout(p); err != nil {
		return math.NaN(), nil, err
	}
	loss, err := t.runAll(p)
	if err != nil {
		return loss, nil, err
	}
	return loss, t.grads.Clone(), nil
}
