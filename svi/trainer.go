package svi

import (
	"errors"
	"fmt"
	"math"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// Estimator selects the Monte Carlo estimator of the ELBO.
type Estimator int

const (
	// TraceELBO averages log p(x, z_s) + log|J| − log q(z_s) over the S
	// particles: the plain reparameterized estimator.
	TraceELBO Estimator = iota
	// EntropyELBO averages log p(x, z_s) + log|J| over the particles and
	// adds the guide's closed-form entropy, which removes the variance of
	// the −log q term. New fails if the guide has no closed-form entropy.
	EntropyELBO
)

func (e Estimator) String() string {
	switch e {
	case TraceELBO:
		return "trace"
	case EntropyELBO:
		return "entropy"
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// ParseEstimator returns the estimator named s ("trace" or "entropy").
func ParseEstimator(s string) (Estimator, error) {
	for _, e := range []Estimator{TraceELBO, EntropyELBO} {
		if e.String() == s {
			return e, nil
		}
	}
	return 0, fmt.Errorf("svi: unknown estimator %q (want trace or entropy)", s)
}

// Config holds the choices fixed when the training graph is built. The zero
// value is valid: one particle, the trace estimator, Adam with defaults.
type Config struct {
	Particles int       // S, the number of draws per step; 0 means 1
	Estimator Estimator // ELBO estimator
	Optimizer Optimizer // nil means Adam{}
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
	guide  Guide
	sites  []Site
	g      *G.ExprGraph
	vm     G.VM
	loss   *G.Node
	params []paramDecl
	noise  []noiseDecl
	data   []dataDecl
	fed    []bool
	layout *Params // names and shapes of the parameters
	grads  *Params // scratch gradient buffer
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
	sites, err := Trace(model)
	if err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, guide: guide, sites: sites, g: G.NewGraph()}
	if err := t.build(model); err != nil {
		return nil, err
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

func (t *Trainer) build(model Model) error {
	S := t.cfg.Particles
	gc := &GuideContext{g: t.g, particles: S}
	gg, err := t.guide.Build(gc, t.sites)
	if err == nil {
		err = gc.Err()
	}
	if err != nil {
		return fmt.Errorf("svi: guide: %w", err)
	}
	if err := checkGuideGraph(gg, t.sites, S); err != nil {
		return err
	}
	if t.cfg.Estimator == EntropyELBO && gg.Entropy == nil && !gg.PointMass {
		return fmt.Errorf("svi: the %s estimator needs a guide with a closed-form entropy", t.cfg.Estimator)
	}
	b := graph.New(t.g)
	dataMap := map[string]*G.Node{}
	var objective *G.Node
	for s := 0; s < S; s++ {
		m := &M{g: t.g, latents: map[string]*G.Node{}, data: dataMap, dataDecl: &t.data, scale: 1}
		var logDet *G.Node
		for _, site := range t.sites {
			u := gg.Draws[s][site.Name]
			if len(site.Shape) == 0 {
				u = b.Sum(u)
			}
			x, ld, err := site.Support.Forward(u)
			if err != nil {
				return fmt.Errorf("svi: site %q: %w", site.Name, err)
			}
			m.latents[site.Name] = x
			if !gg.PointMass && !isZeroConst(ld) {
				if logDet == nil {
					logDet = ld
				} else {
					logDet = b.Add(logDet, ld)
				}
			}
		}
		if err := model.Build(m); err != nil {
			return fmt.Errorf("svi: model (particle %d): %w", s, err)
		}
		lj, err := m.logJoint()
		if err != nil {
			return fmt.Errorf("svi: model (particle %d): %w", s, err)
		}
		if err := sameSites(t.sites, m.sites); err != nil {
			return err
		}
		obj := lj
		if logDet != nil {
			obj = b.Add(obj, logDet)
		}
		if t.cfg.Estimator == TraceELBO && !gg.PointMass {
			if gg.LogQ == nil || gg.LogQ[s] == nil {
				return fmt.Errorf("svi: the %s estimator needs log q from the guide", t.cfg.Estimator)
			}
			obj = b.Sub(obj, gg.LogQ[s])
		}
		if objective == nil {
			objective = obj
		} else {
			objective = b.Add(objective, obj)
		}
	}
	elbo := objective
	if S > 1 {
		elbo = b.Mul(elbo, b.Const(1/float64(S)))
	}
	if t.cfg.Estimator == EntropyELBO && !gg.PointMass {
		elbo = b.Add(elbo, gg.Entropy)
	}
	t.loss = b.Neg(elbo)
	if err := b.Err(); err != nil {
		return fmt.Errorf("svi: building the ELBO: %w", err)
	}
	t.params, t.noise = gc.params, gc.noise
	if len(t.params) == 0 {
		return errors.New("svi: the guide declares no parameters")
	}
	t.fed = make([]bool, len(t.data))
	nodes := make(G.Nodes, len(t.params))
	t.layout = NewParams()
	for i, p := range t.params {
		nodes[i] = p.node
		_ = t.layout.Add(p.name, p.shape, make([]float64, size(p.shape)))
	}
	t.grads = t.layout.ZerosLike()
	grads, err := G.Grad(t.loss, nodes...)
	if err != nil {
		return fmt.Errorf("svi: differentiating the ELBO: %w", err)
	}
	prog := t.g.SubgraphRoots(append(G.Nodes{t.loss}, grads...)...)
	t.vm = G.NewTapeMachine(prog, G.BindDualValues(nodes...))
	return nil
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
		if want[i].Name != got[i].Name || !slices.Equal(want[i].Shape, got[i].Shape) {
			return fmt.Errorf("svi: site %d was %q %v, then %q %v: a model must declare the same sites every time", i, want[i].Name, want[i].Shape, got[i].Name, got[i].Shape)
		}
	}
	return nil
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
	for _, p := range t.params {
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

// Step takes one stochastic gradient step on st with the data in b. On a
// non-finite loss or gradient it returns a *NonFiniteError and leaves st's
// parameters, optimizer state and step count unchanged.
func (t *Trainer) Step(st *State, b Batch) (Info, error) {
	loss, err := t.lossGrad(st, b)
	if err != nil {
		return Info{Iter: st.Iter, Loss: loss}, err
	}
	if err := t.cfg.Optimizer.Update(st.Opt, st.Params, t.grads); err != nil {
		return Info{Iter: st.Iter, Loss: loss}, err
	}
	st.Iter++
	return Info{Iter: st.Iter, Loss: loss}, nil
}

// lossGrad evaluates the loss and its gradient (into t.grads) at st's
// parameters with fresh noise.
func (t *Trainer) lossGrad(st *State, b Batch) (float64, error) {
	if err := t.checkState(st); err != nil {
		return math.NaN(), err
	}
	if err := t.Feed(b); err != nil {
		return math.NaN(), err
	}
	r := st.rand()
	for _, n := range t.noise {
		n.fill(n.value.Data().([]float64), r)
	}
	loss, err := t.run(st.Params)
	if err != nil {
		return loss, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "loss", Index: -1}
	}
	for i, name := range t.grads.names {
		for j, v := range t.grads.values[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return loss, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "gradient of " + name, Index: j, Value: v}
			}
		}
	}
	return loss, nil
}

// run loads p into the graph, runs the program with the current noise and
// data, and returns the loss with the gradient in t.grads.
func (t *Trainer) run(p *Params) (float64, error) {
	for i, d := range t.params {
		copy(d.value.Data().([]float64), p.values[i])
		if gv, err := d.node.Grad(); err == nil {
			if gt, ok := gv.(*tensor.Dense); ok {
				gt.Zero()
			}
		}
	}
	t.vm.Reset()
	if err := t.vm.RunAll(); err != nil {
		return math.NaN(), fmt.Errorf("svi: running the graph: %w", err)
	}
	loss, err := scalarValue(t.loss)
	if err != nil {
		return math.NaN(), err
	}
	for i, d := range t.params {
		gv, err := d.node.Grad()
		if err != nil {
			return loss, fmt.Errorf("svi: gradient of %s: %w", d.name, err)
		}
		gt, ok := gv.(*tensor.Dense)
		if !ok {
			return loss, fmt.Errorf("svi: gradient of %s has type %T", d.name, gv)
		}
		copy(t.grads.values[i], gt.Data().([]float64))
	}
	return loss, nil
}

func scalarValue(n *G.Node) (float64, error) {
	switch v := n.Value().(type) {
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
	return math.NaN(), fmt.Errorf("svi: loss has unexpected value %v", n.Value())
}

// Feed copies b's arrays into the graph's data inputs. Every declared data
// array must have been fed before the first step.
func (t *Trainer) Feed(b Batch) error {
	for name := range b {
		if !slices.ContainsFunc(t.data, func(d dataDecl) bool { return d.name == name }) {
			return fmt.Errorf("svi: batch has %q, which the model does not declare as data", name)
		}
	}
	for i, d := range t.data {
		v, ok := b[d.name]
		if !ok {
			if !t.fed[i] {
				return fmt.Errorf("svi: no value given for data %q", d.name)
			}
			continue
		}
		dst := d.value.Data().([]float64)
		if len(v) != len(dst) {
			return fmt.Errorf("svi: data %q has %d values, the model declares shape %v (%d values)", d.name, len(v), d.shape, len(dst))
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("svi: data %q element %d is %v", d.name, j, x)
			}
		}
		copy(dst, v)
		t.fed[i] = true
	}
	return nil
}

func (t *Trainer) checkState(st *State) error {
	if st == nil || st.Params == nil || st.RNG == nil || st.Opt == nil {
		return errors.New("svi: state is not initialized (use Trainer.Init)")
	}
	return t.layout.sameLayout(st.Params)
}
