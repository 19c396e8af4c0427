package svi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
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
}

// Batch maps the names declared by [M.Data] to their values for one step,
// row-major, each with exactly the declared number of elements. Names left
// out keep the values of the previous step.
type Batch map[string][]float64

// Info is the diagnostics of one step.
type Info struct {
	Iter int     // steps taken, including this one
	Loss float64 // −ELBO estimate at the parameters before the update
}

// Trainer holds the training graph of a model and guide: the negative ELBO,
// its gradient and the compiled program. It is built once by New and run by
// Step for any number of States. A Trainer is not safe for concurrent use;
// build one per goroutine.
type Trainer struct {
	cfg    Config
	model  Model
	guide  Guide
	sites  []Site
	train  *program   // the first worker's program
	progs  []*program // one per worker
	share  []float64  // each worker's share of the particles
	grads  *Params    // the combined gradient
	eval   *program   // built on first use by the diagnostics
	losses []float64  // per-worker scratch of runAll
	errs   []error    // per-worker scratch of runAll
	batch  Batch      // the data last fed, for the evaluation program
	layout *Params    // names and shapes of the parameters
	backup *State     // scratch copy of the state before an update
}

// program is one compiled graph of the model and guide with S particles.
type program struct {
	g       *G.ExprGraph
	vm      G.VM
	tape    *tape // runs vm
	loss    *G.Node
	logw    []G.Value // per-particle log importance weights, when readable
	params  []paramDecl
	derived []derivedDecl
	noise   []noiseDecl
	data    []dataDecl
	fed     []bool
	grads   *Params // nil for an evaluation program
}

// New builds the training graph: the guide's draws, the model's log-joint on
// each particle, the negative ELBO, and its gradient with respect to the
// guide's parameters.
func New(model Model, guide Guide, cfg Config) (*Trainer, error) {
	if model == nil || guide == nil {
		return nil, errors.New("svi: New needs a model and a guide")
	}
	if cfg.Particles < 0 {
		return nil, fmt.Errorf("svi: particles must be at least 1, got %d", cfg.Particles)
	}
	if cfg.Particles == 0 {
		cfg.Particles = 1
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = Adam{}
	}
	if v, ok := cfg.Optimizer.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	if cfg.ClipNorm < 0 || math.IsNaN(cfg.ClipNorm) {
		return nil, fmt.Errorf("svi: ClipNorm must be non-negative, got %v", cfg.ClipNorm)
	}
	if cfg.Estimator < 0 || int(cfg.Estimator) >= len(estimatorNames) {
		return nil, fmt.Errorf("svi: unknown estimator %v", cfg.Estimator)
	}
	sites, err := Trace(model)
	if err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, model: model, guide: guide, sites: sites}
	if cfg.Workers < 0 || cfg.Workers > cfg.Particles {
		return nil, fmt.Errorf("svi: workers must lie between 1 and the %d particles, got %d", cfg.Particles, cfg.Workers)
	}
	if cfg.Workers == 0 {
		cfg.Workers = 1
		t.cfg.Workers = 1
	}
	if cfg.Workers > 1 && cfg.Estimator == IWAEBound {
		return nil, fmt.Errorf("svi: the %s estimator cannot be split over workers", cfg.Estimator)
	}
	if err := checkVectorize(cfg, model, guide); err != nil {
		return nil, err
	}
	for w := 0; w < cfg.Workers; w++ {
		n := cfg.Particles / cfg.Workers
		if w < cfg.Particles%cfg.Workers {
			n++
		}
		p, err := t.build(n, cfg.Estimator, true)
		if err != nil {
			return nil, err
		}
		t.progs = append(t.progs, p)
		t.share = append(t.share, float64(n)/float64(cfg.Particles))
	}
	t.train = t.progs[0]
	t.grads = t.train.grads.ZerosLike()
	t.layout = NewParams()
	for _, p := range t.train.params {
		_ = t.layout.Add(p.name, p.shape, make([]float64, size(p.shape)))
	}
	return t, nil
}

// Trace runs the model once on a scratch graph and returns its latent sites.
func Trace(model Model) ([]Site, error) {
	var decl []dataDecl
	m := &M{g: G.NewGraph(), tracing: true, data: map[string]*G.Node{}, dataDecl: &decl, scale: 1}
	if err := model.Build(m); err != nil {
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

// build compiles the model and guide with S particles. With grad it
// differentiates the loss of estimator est; without, it computes the trace
// ELBO and reads every particle's log weight.
func (t *Trainer) build(S int, est Estimator, grad bool) (*program, error) {
	if grad && t.cfg.Vectorize {
		return t.buildVector(S, est)
	}
	p := &program{g: G.NewGraph()}
	dataMap := map[string]*G.Node{}
	gc := &GuideContext{g: p.g, particles: S, data: dataMap, dataDecl: &p.data}
	gg, err := t.guide.Build(gc, t.sites)
	if err == nil {
		err = gc.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("svi: guide: %w", err)
	}
	if err := checkGuideGraph(gg, t.sites, S); err != nil {
		return nil, err
	}
	if err := checkEstimator(est, gg, t.sites); err != nil {
		return nil, err
	}
	allPoint := len(gg.PointMass) > 0
	for _, site := range t.sites {
		allPoint = allPoint && gg.PointMass[site.Name]
	}
	b := graph.New(p.g)
	var objective *G.Node
	logw := make([]*G.Node, S)
	var kl *G.Node
	var fallback []Site // KL estimator: sites without a closed-form KL
	for s := 0; s < S; s++ {
		m := &M{g: p.g, latents: map[string]*G.Node{}, data: dataMap, dataDecl: &p.data, scale: 1,
			guide: gc, particle: s, marginals: gg.Marginals}
		var logDet *G.Node
		siteLD := map[string]*G.Node{} // scaled log-Jacobian of each site
		for _, site := range t.sites {
			u := gg.Draws[s][site.Name]
			if len(site.Shape) == 0 && !u.IsScalar() {
				u = b.Sum(u)
			}
			x, ld, err := site.Support.Forward(u)
			if err != nil {
				return nil, fmt.Errorf("svi: site %q: %w", site.Name, err)
			}
			m.latents[site.Name] = x
			if !gg.PointMass[site.Name] && !isZeroConst(ld) {
				if site.Scale != 1 {
					ld = b.Mul(ld, b.Const(site.Scale))
				}
				logDet = add(b, logDet, ld)
				siteLD[site.Name] = ld
			}
		}
		if err := t.model.Build(m); err != nil {
			return nil, fmt.Errorf("svi: model (particle %d): %w", s, err)
		}
		if err := gc.Err(); err != nil {
			return nil, fmt.Errorf("svi: model (particle %d): %w", s, err)
		}
		lj, err := m.logJoint()
		if err != nil {
			return nil, fmt.Errorf("svi: model (particle %d): %w", s, err)
		}
		if err := sameSites(t.sites, m.sites); err != nil {
			return nil, err
		}
		lw := lj
		if logDet != nil {
			lw = b.Add(lw, logDet)
		}
		if allPoint {
			logw[s] = lw
		} else if gg.LogQ != nil && gg.LogQ[s] != nil {
			logw[s] = b.Sub(lw, gg.LogQ[s])
		}
		var obj *G.Node
		switch {
		case allPoint:
			obj = lw
		case est == TraceELBO || est == IWAEBound:
			obj = logw[s]
		case est == EntropyELBO:
			obj = lw
		case est == STLELBO:
			obj = b.Sub(lw, gg.LogQDetached[s])
		case est == KLELBO:
			if obj, err = m.logLik(); err != nil {
				return nil, err
			}
			if s == 0 {
				if kl, fallback, err = klTerm(b, t.sites, gg, m.priors, t.cfg.KLFallback); err != nil {
					return nil, err
				}
			}
			for _, site := range fallback {
				obj = add(b, obj, m.priorTerms[site.Name])
				if ld := siteLD[site.Name]; ld != nil {
					obj = b.Add(obj, ld)
				}
			}
		}
		if est != IWAEBound || allPoint {
			objective = add(b, objective, obj)
		}
	}
	var elbo *G.Node
	switch {
	case est == IWAEBound && !allPoint:
		elbo = logMeanExp(b, logw)
	default:
		elbo = objective
		if S > 1 {
			elbo = b.Mul(elbo, b.Const(1/float64(S)))
		}
		if est == EntropyELBO && !allPoint {
			elbo = b.Add(elbo, gg.Entropy)
		}
		if est == KLELBO && !allPoint {
			elbo = b.Sub(elbo, kl)
		}
	}
	p.loss = b.Neg(elbo)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("svi: building the ELBO: %w", err)
	}
	if grad {
		return p, p.compileGrad(gc)
	}
	p.params, p.noise, p.derived = gc.params, gc.noise, gc.derived
	if len(p.params) == 0 {
		return nil, errors.New("svi: the guide declares no parameters")
	}
	p.fed = make([]bool, len(p.data))
	roots := G.Nodes{p.loss}
	if logw[0] != nil {
		p.logw = make([]G.Value, S)
		for s, n := range logw {
			roots = append(roots, G.Read(n, &p.logw[s]))
		}
	}
	prog := p.g.SubgraphRoots(roots...)
	p.pruneDerived(prog)
	p.vm = G.NewTapeMachine(prog)
	return p, nil
}

// compileGrad differentiates p.loss with respect to the guide's
// parameters and compiles the program of the loss and its gradient.
func (p *program) compileGrad(gc *GuideContext) error {
	p.params, p.noise, p.derived = gc.params, gc.noise, gc.derived
	if len(p.params) == 0 {
		return errors.New("svi: the guide declares no parameters")
	}
	p.fed = make([]bool, len(p.data))
	nodes := make(G.Nodes, len(p.params))
	for i, d := range p.params {
		nodes[i] = d.node
	}
	grads, err := G.Grad(p.loss, nodes...)
	if err != nil {
		return fmt.Errorf("svi: differentiating the ELBO: %w", err)
	}
	p.grads = NewParams()
	for _, d := range p.params {
		_ = p.grads.Add(d.name, d.shape, make([]float64, size(d.shape)))
	}
	prog := p.g.SubgraphRoots(append(G.Nodes{p.loss}, grads...)...)
	p.pruneDerived(prog)
	p.vm = G.NewTapeMachine(prog, G.BindDualValues(nodes...))
	return nil
}

// pruneDerived drops the derived inputs the compiled program does not read
// (the detached copies of a guide when the estimator is not STL), so no
// step pays for filling them.
func (p *program) pruneDerived(prog *G.ExprGraph) {
	used := map[*G.Node]bool{}
	for _, n := range prog.AllNodes() {
		used[n] = true
	}
	kept := p.derived[:0]
	for _, d := range p.derived {
		if used[d.node] {
			kept = append(kept, d)
		}
	}
	p.derived = kept
}

func checkEstimator(est Estimator, gg *GuideGraph, sites []Site) error {
	all := len(gg.PointMass) > 0
	for _, s := range sites {
		all = all && gg.PointMass[s.Name]
	}
	if all {
		return nil
	}
	switch est {
	case TraceELBO, IWAEBound:
		if gg.LogQ == nil {
			return fmt.Errorf("svi: the %s estimator needs log q from the guide", est)
		}
	case EntropyELBO:
		if gg.Entropy == nil {
			return fmt.Errorf("svi: the %s estimator needs a guide with a closed-form entropy", est)
		}
	case STLELBO:
		if gg.LogQDetached == nil {
			return fmt.Errorf("svi: the %s estimator needs a guide that evaluates log q with detached parameters", est)
		}
	case KLELBO:
		if gg.Marginals == nil {
			return fmt.Errorf("svi: the %s estimator needs a guide that factorizes over sites", est)
		}
	}
	return nil
}

// klTerm returns Σ_sites KL(q_site ‖ prior_site) in closed form. With
// fallback, a site without a closed form contributes −H(q_site) instead
// (scaled like the site) and is returned in the second result: the caller
// adds its Monte Carlo log prior and log-Jacobian to each particle.
func klTerm(b *graph.B, sites []Site, gg *GuideGraph, priors map[string]dist.LogProber, fallback bool) (*G.Node, []Site, error) {
	var kl *G.Node
	var mc []Site
	for _, site := range sites {
		if gg.PointMass[site.Name] {
			continue
		}
		q, ok := gg.Marginals[site.Name]
		if !ok {
			return nil, nil, fmt.Errorf("svi: the guide gives no marginal for site %q", site.Name)
		}
		var k *G.Node
		var why error
		if _, ok := site.Support.(dist.Identity); !ok {
			why = fmt.Errorf("svi: the kl estimator needs real-valued sites; site %q has support %s", site.Name, site.Support)
		} else if k, why = dist.KL(q, priors[site.Name]); why != nil {
			why = fmt.Errorf("svi: site %q: %w", site.Name, why)
		}
		if why != nil {
			if !fallback {
				return nil, nil, fmt.Errorf("%w (Config.KLFallback estimates such sites by Monte Carlo)", why)
			}
			e, ok := q.(dist.Entropier)
			if !ok {
				return nil, nil, fmt.Errorf("%w, and the guide's marginal has no closed-form entropy to fall back on", why)
			}
			h, err := e.Entropy()
			if err != nil {
				return nil, nil, fmt.Errorf("svi: site %q: %w", site.Name, err)
			}
			k = b.Neg(h)
			mc = append(mc, site)
		}
		k = b.Sum(k)
		if site.Scale != 1 {
			k = b.Mul(k, b.Const(site.Scale))
		}
		kl = add(b, kl, k)
	}
	return kl, mc, b.Err()
}

// logMeanExp returns log (1/n) Σᵢ exp(xᵢ) of scalar nodes as
// m + log Σᵢ exp(xᵢ − m) − log n, with m = maxᵢ xᵢ built from the scalar
// identity max(a, b) = (a + b + |a − b|)/2. The gradient is exact: the
// contributions through m cancel. It stays with scalar operations because
// gorgonia v0.9.18 mis-computes graphs that gather many scalars into a
// vector (Reshape's gradient from a scalar is mis-typed, and a long chain of
// scalar-times-unit-vector sums gave wrong values for 10 or more terms).
func logMeanExp(b *graph.B, xs []*G.Node) *G.Node {
	m := xs[0]
	half := b.Const(0.5)
	for _, x := range xs[1:] {
		m = b.Mul(half, b.Add(b.Add(m, x), b.Abs(b.Sub(m, x))))
	}
	var sum *G.Node
	for _, x := range xs {
		sum = add(b, sum, b.Exp(b.Sub(x, m)))
	}
	return b.Sub(b.Add(m, b.Log(sum)), b.Const(math.Log(float64(len(xs)))))
}

func add(b *graph.B, acc, x *G.Node) *G.Node {
	if acc == nil {
		return x
	}
	return b.Add(acc, x)
}

// Sites returns the model's latent sites.
func (t *Trainer) Sites() []Site { return t.sites }

// Particles returns the number of particles per step.
func (t *Trainer) Particles() int { return t.cfg.Particles }

// Layout returns the names and shapes of the guide's parameters (values zero).
func (t *Trainer) Layout() *Params { return t.layout.ZerosLike() }

// Init returns a new state: parameters initialized by the guide from a
// random source seeded with seed, fresh optimizer state, step 0. The same
// seed gives the same state.
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
	st.Opt = t.cfg.Optimizer.Init(st.Params)
	return st, nil
}

// Step takes one stochastic gradient step on st with the data in b and
// appends the loss to st.Trace. On a non-finite loss, gradient or updated
// parameter it returns a *NonFiniteError and leaves st's parameters,
// optimizer state, step count and trace as they were (its random source has
// advanced).
func (t *Trainer) Step(st *State, b Batch) (Info, error) {
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
	if t.backup == nil {
		t.backup = &State{Params: st.Params.Clone(), Opt: cloneOpt(st.Opt)}
	} else {
		_ = t.backup.Params.CopyFrom(st.Params)
		copyOpt(t.backup.Opt, st.Opt)
	}
	if err := t.cfg.Optimizer.Update(st.Opt, st.Params, g); err != nil {
		return Info{Iter: st.Iter, Loss: loss}, err
	}
	if name, j, v, bad := st.Params.firstNonFinite(); bad {
		_ = st.Params.CopyFrom(t.backup.Params)
		copyOpt(st.Opt, t.backup.Opt)
		return Info{Iter: st.Iter, Loss: loss}, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "parameter " + name, Index: j, Value: v}
	}
	st.Iter++
	st.Trace = append(st.Trace, loss)
	return Info{Iter: st.Iter, Loss: loss}, nil
}

// lossGrad evaluates the loss and its gradient (into t.train.grads) at st's
// parameters with fresh noise.
func (t *Trainer) lossGrad(st *State, b Batch) (float64, error) {
	if err := t.checkState(st); err != nil {
		return math.NaN(), err
	}
	if err := t.Feed(b); err != nil {
		return math.NaN(), err
	}
	r := st.rand()
	for _, p := range t.progs {
		p.fillNoise(r)
	}
	loss, err := t.runAll(st.Params)
	if err != nil {
		return loss, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "loss", Index: -1}
	}
	g := t.grads
	for i, name := range g.names {
		for j, v := range g.values[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return loss, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "gradient of " + name, Index: j, Value: v}
			}
		}
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

func (p *program) fillNoise(r *rand.Rand) {
	for _, n := range p.noise {
		n.fill(n.value.Float64s(), r)
	}
}

// run loads ps into the graph, runs the program with the current noise and
// data, and returns the loss, with the gradient in p.grads when p has one.
func (p *program) run(ps *Params) (float64, error) {
	for i, d := range p.params {
		copy(d.value.Float64s(), ps.values[i])
		if p.grads == nil {
			continue
		}
		if gv, err := d.node.Grad(); err == nil {
			if gt, ok := gv.(*tensor.Dense); ok {
				gt.Zero()
			}
		}
	}
	for _, d := range p.derived {
		d.fill(ps, d.value.Float64s())
	}
	if p.tape == nil {
		p.tape = newTape(p.vm)
	}
	if err := p.tape.run(); err != nil {
		return math.NaN(), fmt.Errorf("svi: running the graph: %w", err)
	}
	loss, err := scalarValue(p.loss)
	if err != nil || p.grads == nil {
		return loss, err
	}
	for i, d := range p.params {
		gv, err := d.node.Grad()
		if err != nil {
			return loss, fmt.Errorf("svi: gradient of %s: %w", d.name, err)
		}
		gt, ok := gv.(*tensor.Dense)
		if !ok {
			return loss, fmt.Errorf("svi: gradient of %s has type %T", d.name, gv)
		}
		copy(p.grads.values[i], gt.Data().([]float64))
	}
	return loss, nil
}

func scalarValue(n *G.Node) (float64, error) {
	return valueOf(n.Value())
}

func valueOf(v G.Value) (float64, error) {
	switch v := v.(type) {
	case *G.F64:
		return float64(*v), nil
	case *tensor.Dense:
		if d, ok := v.Data().([]float64); ok && len(d) == 1 {
			return d[0], nil
		}
		if f, ok := v.Data().(float64); ok {
			return f, nil
		}
	}
	return math.NaN(), fmt.Errorf("svi: expected a scalar value, got %v", v)
}

// Feed copies b's arrays into the graph's data inputs. Every declared data
// array must have been fed before the first step. The trainer keeps a
// reference to b's slices for its diagnostics: do not modify them until the
// next Feed.
func (t *Trainer) Feed(b Batch) error {
	for _, p := range t.progs {
		if err := p.feed(b); err != nil {
			return err
		}
	}
	if t.batch == nil {
		t.batch = Batch{}
	}
	for k, v := range b {
		t.batch[k] = v
	}
	if t.eval != nil {
		return t.eval.feed(b)
	}
	return nil
}

func (p *program) feed(b Batch) error {
	for name := range b {
		if !slices.ContainsFunc(p.data, func(d dataDecl) bool { return d.name == name }) {
			return fmt.Errorf("svi: batch has %q, which the model does not declare as data", name)
		}
	}
	for i, d := range p.data {
		v, ok := b[d.name]
		if !ok {
			if !p.fed[i] {
				return fmt.Errorf("svi: no value given for data %q", d.name)
			}
			continue
		}
		dst := d.value.Float64s()
		if len(v) != len(dst) {
			return fmt.Errorf("svi: data %q has %d values, the model declares shape %v (%d values)", d.name, len(v), d.shape, len(dst))
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("svi: data %q element %d is %v", d.name, j, x)
			}
		}
		copy(dst, v)
		p.fed[i] = true
	}
	return nil
}

func (t *Trainer) checkState(st *State) error {
	if st == nil || st.Params == nil || st.RNG == nil || st.Opt == nil {
		return errors.New("svi: state is not initialized (use Trainer.Init)")
	}
	return t.layout.sameLayout(st.Params)
}
func isZeroConst(n *G.Node) bool {
	if n == nil {
		return true
	}
	if n.Op() == nil || !n.IsScalar() {
		return false
	}
	v, ok := n.Value().(*G.F64)
	return ok && float64(*v) == 0
}

func checkGuideGraph(gg *GuideGraph, sites []Site, S int) error {
	if gg == nil || len(gg.Draws) != S {
		return fmt.Errorf("svi: guide returned draws for the wrong number of particles (want %d)", S)
	}
	for s, d := range gg.Draws {
		if len(d) != len(sites) {
			return fmt.Errorf("svi: guide draws %d sites for particle %d, the model has %d", len(d), s, len(sites))
		}
		for _, site := range sites {
			u, ok := d[site.Name]
			if !ok {
				return fmt.Errorf("svi: guide has no draw of site %q", site.Name)
			}
			if len(site.Shape) == 0 && u.IsScalar() {
				continue // a scalar site may be drawn as a scalar
			}
			if want := uShape(site); !slices.Equal([]int(u.Shape()), want) {
				return fmt.Errorf("svi: guide draws site %q with shape %v, want %v", site.Name, u.Shape(), want)
			}
		}
	}
	return nil
}

// uShape is the shape of a site's unconstrained draw in the graph: a scalar
// site is drawn as a one-element vector.
func uShape(s Site) []int {
	if len(s.Unconstrained) == 0 {
		return []int{1}
	}
	return s.Unconstrained
}

func sameSites(want, got []Site) error {
	if len(want) != len(got) {
		return fmt.Errorf("svi: the model declared %d sites, then %d: it must declare the same sites every time", len(want), len(got))
	}
	for i := range want {
		if want[i].Name != got[i].Name || !slices.Equal(want[i].Shape, got[i].Shape) || want[i].Scale != got[i].Scale {
			return fmt.Errorf("svi: site %d was %q %v, then %q %v: a model must declare the same sites every time", i, want[i].Name, want[i].Shape, got[i].Name, got[i].Shape)
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
