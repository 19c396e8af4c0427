package svi

import (
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
)

// A Model is a probabilistic program: Build declares its latent sites and
// observations on m. Build is called several times — once to discover the
// sites, then once per particle on the training graph — and must declare the
// same sites, in the same order, every time.
type Model interface {
	Build(m *M) error
}

// ModelFunc adapts a function to the Model interface.
type ModelFunc func(m *M) error

// Build calls f(m).
func (f ModelFunc) Build(m *M) error { return f(m) }

// M is the context a model is built in. It accumulates the model's log-joint
// log p(x, z) as the model declares latent sites and observations.
//
// Methods that return nodes record the first error and return nil after it;
// Build should return m.Err() (or its own error).
type M struct {
	g        *G.ExprGraph
	tracing  bool
	latents  map[string]*G.Node        // values for Sample, per particle
	data     map[string]*G.Node        // data inputs shared by all particles
	dataDecl *[]dataDecl               // data declared on this graph, in order
	sites    []Site                    // sites declared during this call
	terms    []*G.Node                 // scalar log-density terms
	likTerms []*G.Node                 // the Observe and Factor terms among them
	observed []observation             // the Observe calls, in order
	named    []namedNode               // the nodes named by Deterministic
	priors   map[string]dist.LogProber // each site's prior, as built on this graph
	// priorTerms holds each site's scaled log prior term, as added to the
	// log-joint.
	priorTerms map[string]*G.Node
	scale      float64
	err        error
	// plate is the row count set by Plate (0 before), and rowTerms the
	// per-row log-density terms ([plate] vectors, scaled) declared since.
	plate    int
	rowTerms []*G.Node
	// rowScale is the Scale of every row term, or −1 when they differ.
	rowScale float64
	// expand is the number of joint states R the enum estimator evaluates
	// every plate row in (the plate has R·plate rows then), 0 otherwise.
	expand int

	// guide is the context of the guide being trained and particle the
	// index of the particle this model instance belongs to; nil while
	// tracing. marginals are the guide's per-site marginals, if it has them.
	guide     *GuideContext
	particle  int
	marginals map[string]dist.LogProber
	particles int // S when the model is built once for all particles
}

// Tracing reports whether the model is being run by [Trace] to list its
// sites: then latent values are placeholders, and there is no guide (so
// [M.Marginal] returns nil).
func (m *M) Tracing() bool { return m.tracing }

// Marginal returns the guide's marginal distribution of the unconstrained
// value of latent site name (for example a dist.Normal for a mean-field
// guide, a dist.Bernoulli or dist.Categorical for the discrete guides), or
// nil when the guide has none or while the model is traced. A
// model can use it for the local reparameterization trick (Kingma, Salimans
// & Welling 2015): a dense layer's pre-activations drawn from their exact
// distribution under q instead of through one weight draw. The likelihood
// then depends on the site's parameters but not on its draw, which is only
// unbiased with estimators that treat the two apart (entropy, kl; not iwae).
func (m *M) Marginal(name string) dist.LogProber {
	if m.marginals == nil {
		return nil
	}
	return m.marginals[name]
}

// StdNormal declares a model-side noise input of the given shape, filled
// with independent N(0, 1) draws before every step (after the guide's
// noise, in declaration order), separately for each particle. While the
// model is traced it returns a zero input of that shape.
func (m *M) StdNormal(name string, shape ...int) *G.Node {
	if m.err != nil {
		return nil
	}
	if len(shape) == 0 {
		m.Fail(fmt.Errorf("svi: model noise %q needs a shape (use 1 for a scalar)", name))
		return nil
	}
	if m.guide == nil {
		n, _ := input(m.g, "trace/noise/"+name, shape)
		return n
	}
	return m.guide.StdNormal(fmt.Sprintf("model/%s/p%d", name, m.particle), shape)
}

type dataDecl struct {
	name  string
	shape []int
	node  *G.Node
	value *tensor.Dense
	tile  int       // > 1: fed with the batch's array repeated tile times (an expanded plate)
	host  []float64 // feed's float64 staging for a float32 input
}

// Graph returns the graph the model builds on.
func (m *M) Graph() *G.ExprGraph { return m.g }

// Err returns the first error recorded, or nil.
func (m *M) Err() error { return m.err }

// Fail records err unless an error is already recorded (the first one
// wins, unwrapped), and returns the recorded error.
func (m *M) Fail(err error) error {
	if m.err == nil && err != nil {
		m.err = err
	}
	return m.err
}

// Const returns a scalar constant node.
func (m *M) Const(v float64) *G.Node { return graph.Scalar(m.g, v) }

// Array returns a constant node of the given shape holding a copy of v
// (row-major), for a model's fixed weights or prior parameters. Each call
// makes its own node: gorgonia would merge unnamed inputs of equal shape.
func (m *M) Array(v []float64, shape ...int) *G.Node {
	if m.err != nil {
		return nil
	}
	if len(shape) == 0 || size(shape) != len(v) {
		m.Fail(fmt.Errorf("svi: Array: %d values for shape %v", len(v), shape))
		return nil
	}
	n, t := input(m.g, "const", shape)
	setFrom(t, v)
	return n
}

// Scale sets the factor applied to every later Observe and Factor term and
// to the prior terms of later Sample sites. For minibatches of B rows out of
// N, Scale(N/B) keeps the ELBO unbiased: declare global latents before
// calling it, and local (per-datum) latents and observations after. A site's
// scale is recorded in Site.Scale, and guides scale its log q by it. The
// default is 1.
func (m *M) Scale(s float64) {
	if !(s > 0) || s != s+0 || s > 1e300 {
		m.Fail(fmt.Errorf("svi: likelihood scale must be positive and finite, got %v", s))
		return
	}
	m.scale = s
}

// Data declares an observed array fed through [Batch] under name, and returns
// its input node. All particles share it. The batch must hold exactly the
// shape's number of values each step.
func (m *M) Data(name string, shape ...int) *G.Node {
	if m.err != nil {
		return nil
	}
	if m.expand > 1 && m.plate > 0 && len(shape) > 0 && shape[0] == m.rows() {
		return m.tiledData(name, shape)
	}
	n, err := declareData(m.g, m.data, m.dataDecl, name, shape)
	if err != nil {
		m.Fail(err)
		return nil
	}
	return n
}

// declareData returns the data input name of the given shape, creating it
// on first use; model and guide share it through the same map.
func declareData(g *G.ExprGraph, data map[string]*G.Node, decl *[]dataDecl, name string, shape []int) (*G.Node, error) {
	if n, ok := data[name]; ok {
		if !slices.Equal(n.Shape(), tensor.Shape(shape)) && !(len(shape) == 0 && n.IsScalar()) {
			return nil, fmt.Errorf("svi: data %q declared with shapes %v and %v", name, n.Shape(), shape)
		}
		return n, nil
	}
	if name == "" {
		return nil, fmt.Errorf("svi: data needs a name")
	}
	for _, d := range shape {
		if d < 1 {
			return nil, fmt.Errorf("svi: data %q has non-positive dimension in shape %v", name, shape)
		}
	}
	node, val := input(g, "data/"+name, shape)
	data[name] = node
	*decl = append(*decl, dataDecl{name: name, shape: slices.Clone(shape), node: node, value: val})
	return node, nil
}

// Sample declares a latent site with the given prior and shape and returns
// its value for the current particle, in the prior's support. The prior's
// log-density is added to the log-joint. A constant parameter of the prior
// outside its domain (a Normal's Scale of −1) is an error naming the site
// (dist.CheckConstants), as it is for Observe.
func (m *M) Sample(name string, prior dist.LogProber, shape ...int) *G.Node {
	return m.SampleIn(name, prior, nil, shape...)
}

// SampleIn is Sample with the support given explicitly, for a prior whose
// support is narrower than it declares (a normal truncated below 2 is
// SampleIn(name, prior, dist.Softplus{Low: 2})) or to choose another
// bijector onto the same support (dist.Softplus instead of dist.Exp). A nil
// support means the prior's own.
func (m *M) SampleIn(name string, prior dist.LogProber, support dist.Bijector, shape ...int) *G.Node {
	if m.err != nil {
		return nil
	}
	if name == "" {
		m.Fail(fmt.Errorf("svi: latent site needs a name"))
		return nil
	}
	if prior == nil {
		m.Fail(fmt.Errorf("svi: latent site %q has no prior", name))
		return nil
	}
	if err := dist.CheckConstants(prior); err != nil {
		m.Fail(fmt.Errorf("svi: prior of site %q: %w", name, err))
		return nil
	}
	if m.declared(name) {
		m.Fail(fmt.Errorf("svi: latent site %q declared twice, or its name is used by an observation", name))
		return nil
	}
	for _, d := range shape {
		if d < 1 {
			m.Fail(fmt.Errorf("svi: latent site %q has non-positive dimension in shape %v", name, shape))
			return nil
		}
	}
	site, err := m.newSite(name, prior, support, shape)
	if err != nil {
		m.Fail(err)
		return nil
	}
	m.sites = append(m.sites, site)
	var z *G.Node
	if m.tracing {
		z, _ = input(m.g, "trace/"+name, shape)
	} else {
		var ok bool
		if z, ok = m.latents[name]; !ok {
			m.Fail(fmt.Errorf("svi: latent site %q was not declared in the first pass (a model must declare the same sites every time)", name))
			return nil
		}
	}
	lp, err := prior.LogProb(z)
	if err != nil {
		m.Fail(fmt.Errorf("svi: prior of site %q: %w", name, err))
		return nil
	}
	if m.priors == nil {
		m.priors = map[string]dist.LogProber{}
	}
	m.priors[name] = prior
	t := m.term("prior of site "+name, lp)
	if t == nil {
		return nil
	}
	if m.priorTerms == nil {
		m.priorTerms = map[string]*G.Node{}
	}
	m.priorTerms[name] = t
	return z
}

// observation is one Observe call: the posterior predictive draws the
// site from d.
type observation struct {
	name string
	d    dist.LogProber
	x    *G.Node
}

// namedNode is a node the model names for the posterior predictive.
type namedNode struct {
	name string
	x    *G.Node
}

// Observe adds the log-likelihood of the observed value x under d, summed
// over its elements and multiplied by the current Scale. Each observed
// site needs its own name: [Trainer.Predictive] draws it from d.
func (m *M) Observe(name string, d dist.LogProber, x *G.Node) {
	if m.err != nil {
		return
	}
	if x == nil || d == nil {
		m.Fail(fmt.Errorf("svi: Observe %q: nil distribution or value", name))
		return
	}
	if err := dist.CheckConstants(d); err != nil {
		m.Fail(fmt.Errorf("svi: Observe %q: %w", name, err))
		return
	}
	if m.declared(name) {
		m.Fail(fmt.Errorf("svi: Observe %q: the name is already used by a site or an observation (each is counted once in the log-joint)", name))
		return
	}
	m.observed = append(m.observed, observation{name: name, d: d, x: x})
	lp, err := d.LogProb(x)
	if err != nil {
		m.Fail(fmt.Errorf("svi: Observe %q: %w", name, err))
		return
	}
	m.Factor(name, lp)
}

// Deterministic names a node of the model (a regression's mean, a
// forecast probability) so that [Trainer.Predictive] reports its values
// under draws of the fitted guide. It adds nothing to the log-joint.
func (m *M) Deterministic(name string, x *G.Node) {
	if m.err != nil {
		return
	}
	if x == nil {
		m.Fail(fmt.Errorf("svi: Deterministic %q: nil node", name))
		return
	}
	if m.declared(name) {
		m.Fail(fmt.Errorf("svi: Deterministic %q: the name is already used", name))
		return
	}
	m.named = append(m.named, namedNode{name: name, x: x})
}

// declared reports whether name is taken by a latent site, an observation
// or a deterministic node.
func (m *M) declared(name string) bool {
	for _, s := range m.sites {
		if s.Name == name {
			return true
		}
	}
	for _, o := range m.observed {
		if o.name == name {
			return true
		}
	}
	for _, n := range m.named {
		if n.name == name {
			return true
		}
	}
	return false
}

// Factor adds an arbitrary log-density term, summed over its elements and
// multiplied by the current Scale.
func (m *M) Factor(name string, logp *G.Node) {
	if m.err != nil {
		return
	}
	if logp == nil {
		m.Fail(fmt.Errorf("svi: Factor %q: nil node", name))
		return
	}
	if t := m.term(fmt.Sprintf("Factor %q", name), logp); t != nil {
		m.likTerms = append(m.likTerms, t)
	}
}

// term adds the log-density lp, summed and multiplied by the current
// Scale, to the log-joint and returns that scalar. Inside a plate lp must
// have the plate's rows on its first axis: its row sums are recorded too.
func (m *M) term(what string, lp *G.Node) *G.Node {
	b := graph.New(m.g)
	var t *G.Node
	if m.plate > 0 {
		row, err := rowSums(b, lp, m.rows())
		if err != nil {
			m.Fail(fmt.Errorf("svi: %s: %w", what, err))
			return nil
		}
		if m.scale != 1 {
			row = b.Mul(row, b.Const(m.scale))
		}
		if len(m.rowTerms) == 0 {
			m.rowScale = m.scale
		} else if m.rowScale != m.scale {
			m.rowScale = -1
		}
		m.rowTerms = append(m.rowTerms, row)
		t = b.Sum(row)
	} else {
		t = b.Sum(lp)
		if m.scale != 1 {
			t = b.Mul(t, b.Const(m.scale))
		}
	}
	if err := b.Err(); err != nil {
		m.Fail(fmt.Errorf("svi: %s: %w", what, err))
		return nil
	}
	m.terms = append(m.terms, t)
	return t
}

// logJoint returns the sum of the recorded terms.
func (m *M) logJoint() (*G.Node, error) {
	if m.err != nil {
		return nil, m.err
	}
	if len(m.terms) == 0 {
		return nil, ErrEmptyModel
	}
	return sumNodes(m.g, m.terms)
}

// logLik returns the sum of the Observe and Factor terms, or a zero
// constant when there are none.
func (m *M) logLik() (*G.Node, error) {
	if m.err != nil {
		return nil, m.err
	}
	if len(m.likTerms) == 0 {
		return graph.Scalar(m.g, 0), nil
	}
	return sumNodes(m.g, m.likTerms)
}

func sumNodes(g *G.ExprGraph, ns []*G.Node) (*G.Node, error) {
	b := graph.New(g)
	s := ns[0]
	for _, t := range ns[1:] {
		s = b.Add(s, t)
	}
	return s, b.Err()
}

// input returns an input node of the given shape and of g's dtype
// (graph.Dtype: float64 unless the graph trains in float32) bound to a
// fresh zero tensor, and that tensor. A scalar (empty shape) is stored as a
// one-element vector; the returned node is then its scalar sum, so callers
// always write values through the tensor.
func input(g *G.ExprGraph, name string, shape []int) (*G.Node, *tensor.Dense) {
	name = graph.Name(g, name)
	tshape := shape
	if len(shape) == 0 {
		tshape = []int{1}
	}
	dt := graph.Dtype(g)
	t := tensor.New(tensor.WithShape(tshape...), tensor.Of(dt))
	n := G.NewTensor(g, dt, len(tshape), G.WithShape(tshape...), G.WithName(name), G.WithValue(t))
	if len(shape) == 0 {
		return G.Must(G.Sum(n)), t
	}
	return n, t
}

// build runs model.Build on m. A panic in the model's code is recovered
// into an error naming the last site or observation the model declared,
// so a bug in a user model stops New with a message instead of a crash.
func build(model Model, m *M) (err error) {
	defer func() {
		if r := recover(); r != nil {
			where := "before its first site"
			if n := len(m.sites); n > 0 {
				where = fmt.Sprintf("after site %q", m.sites[n-1].Name)
			}
			if n := len(m.observed); n > 0 {
				where += fmt.Sprintf(" and observation %q", m.observed[n-1].name)
			}
			err = fmt.Errorf("svi: the model panicked %s: %v", where, r)
		}
	}()
	if err := model.Build(m); err != nil {
		return err
	}
	return m.Err()
}
