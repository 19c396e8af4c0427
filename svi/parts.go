package svi

import (
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// parts are the pieces of one graph of a model and its guide that the
// estimators combine into a negative ELBO (see objective): the guide's
// draws and log q, and for each model instance its log-joint, its
// log-likelihood, the log-Jacobians of the supports and the prior terms.
// A graph holds one model instance per particle, or one instance for all S
// particles when vectorized; then every term is a sum over the particles.
// Either way the estimate of an expectation is Σ terms / S (see mean).
type parts struct {
	b        *graph.B
	S        int  // particles
	vector   bool // one instance for all particles
	sites    []Site
	q        Built
	point    map[string]bool // point-mass sites (a Delta guide)
	allPoint bool            // every site is a point mass: MAP
	cfg      Config

	// One entry per model instance.
	logJoint   []*G.Node // log p(x, z)
	logLik     []*G.Node // the Observe and Factor terms
	logDet     []*G.Node // Σ of the non-point sites' scaled log|J|; nil entries when none
	siteLogDet []map[string]*G.Node
	priorTerms []map[string]*G.Node
	priors     map[string]dist.LogProber // the first instance's priors
	rows       []*G.Node                 // Σ of the plate's row terms ([plate] vector); nil entries without a plate
	values     []map[string]*G.Node      // the unconstrained values the instance was built on

	plate    int                       // the model's plate rows (0: none)
	rowScale float64                   // the Scale of every row term (−1: they differ)
	disc     map[string]dist.LogProber // q of each discrete site (Discreter)
	enum     *enumeration              // set when the instances enumerate discrete states
	gc       *GuideContext
}

// buildParts builds the guide on gc and the model on each particle's
// draws (or once on all of them when vector is set).
//
// A training graph of the concrete estimator is built with gc's
// temperature set, and one of the enum estimator with one model instance
// per particle and per joint state of the discrete sites (see enum.go).
func buildParts(model Model, guide Guide, sites []Site, gc *GuideContext, cfg Config, vector, train bool) (*parts, error) {
	S := gc.particles
	var q Built
	var err error
	if vector {
		q, err = guide.(VectorGuide).BuildVector(gc, sites)
	} else {
		q, err = guide.Build(gc, sites)
	}
	if err == nil {
		err = gc.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("svi: guide: %w", err)
	}
	p := &parts{gc: gc, b: graph.New(gc.g), S: S, vector: vector, sites: sites, q: q, cfg: cfg, point: map[string]bool{}}
	if pm, ok := q.(PointMasser); ok {
		p.point = pm.PointMass()
	}
	p.allPoint = len(p.point) > 0
	for _, site := range sites {
		p.allPoint = p.allPoint && p.point[site.Name]
	}
	draws := q.Draws()
	if err := checkDraws(draws, sites, S, vector); err != nil {
		return nil, err
	}
	if err := p.checkDiscrete(); err != nil {
		return nil, err
	}
	if train && cfg.Estimator == EnumELBO {
		if draws, err = p.enumerate(gc.g, draws); err != nil {
			return nil, err
		}
	}
	for s, d := range draws {
		if err := p.addInstance(model, gc, s, d); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addInstance builds the model on one map of draws.
func (p *parts) addInstance(model Model, gc *GuideContext, s int, draws map[string]*G.Node) error {
	b := p.b
	m := &M{g: gc.g, latents: map[string]*G.Node{}, data: gc.data, dataDecl: gc.dataDecl, scale: 1,
		guide: gc, particle: s}
	if mg, ok := p.q.(Marginaler); ok {
		m.marginals, _ = mg.Marginals()
	}
	if p.vector {
		m.particles = p.S
	}
	if p.enum != nil && p.enum.R > 1 {
		m.expand = p.enum.R
	}
	var logDet *G.Node
	siteLD := map[string]*G.Node{}
	for _, site := range p.sites {
		u := draws[site.Name]
		if !p.vector && len(site.Shape) == 0 && !u.IsScalar() {
			u = b.Sum(u)
		}
		x, ld, err := site.Support.Forward(u)
		if err != nil {
			return fmt.Errorf("svi: site %q: %w", site.Name, err)
		}
		if m.expand > 1 && site.Plate > 0 && !site.Discrete() {
			// A continuous local site enters every block of the expanded
			// plate; its log|J| is counted once.
			x = b.Apply("TileRows", func(x *G.Node) (*G.Node, error) { return ops.TileRows(x, m.expand) }, x)
		}
		m.latents[site.Name] = x
		if p.point[site.Name] || isZeroConst(ld) {
			continue
		}
		if site.Scale != 1 {
			ld = b.Mul(ld, b.Const(site.Scale))
		}
		logDet = add(b, logDet, ld)
		siteLD[site.Name] = ld
	}
	what := fmt.Sprintf("particle %d", s)
	if p.vector {
		what = "vectorized"
	}
	if err := build(model, m); err != nil {
		return fmt.Errorf("svi: model (%s): %w", what, err)
	}
	if err := gc.Err(); err != nil {
		return fmt.Errorf("svi: model (%s): %w", what, err)
	}
	if err := sameSites(p.sites, m.sites); err != nil {
		return err
	}
	lj, err := m.logJoint()
	if err != nil {
		return fmt.Errorf("svi: model (%s): %w", what, err)
	}
	ll, err := m.logLik()
	if err != nil {
		return err
	}
	if s == 0 {
		p.priors = m.priors
	}
	p.logJoint = append(p.logJoint, lj)
	p.logLik = append(p.logLik, ll)
	p.logDet = append(p.logDet, logDet)
	p.siteLogDet = append(p.siteLogDet, siteLD)
	p.priorTerms = append(p.priorTerms, m.priorTerms)
	p.values = append(p.values, draws)
	var rows *G.Node
	if len(m.rowTerms) > 0 {
		p.plate, p.rowScale = m.plate, m.rowScale
		rows = sumVectors(b, m.rowTerms)
	}
	p.rows = append(p.rows, rows)
	return b.Err()
}

// instances returns the number of model instances: S, or 1 when vectorized.
func (p *parts) instances() int { return len(p.logJoint) }

// joint returns instance i's log p(x, z) + log|J|.
func (p *parts) joint(i int) *G.Node {
	if p.logDet[i] == nil {
		return p.logJoint[i]
	}
	return p.b.Add(p.logJoint[i], p.logDet[i])
}

// logQ returns log q of each particle's draw, or an error naming the
// estimator that needs it.
func (p *parts) logQ(est Estimator) ([]*G.Node, error) {
	lq := p.q.LogQ()
	if len(lq) == p.S && lq[0] != nil {
		return lq, nil
	}
	if p.vector {
		return nil, fmt.Errorf("svi: the %s estimator needs log q of each particle's draw, which a vectorized graph does not have (Config.Vectorize works with the entropy and kl estimators)", est)
	}
	return nil, fmt.Errorf("svi: the %s estimator needs log q from the guide", est)
}

// logWeightsFor returns each particle's log importance weight
// log p(x, z) + log|J| − log q(u) (without log q when every site is a point
// mass), or an error naming the estimator that needs them.
func (p *parts) logWeightsFor(est Estimator) ([]*G.Node, error) {
	out := make([]*G.Node, p.instances())
	if p.allPoint {
		for i := range out {
			out[i] = p.joint(i)
		}
		return out, nil
	}
	lq, err := p.logQ(est)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = p.b.Sub(p.joint(i), lq[i])
	}
	return out, nil
}

// mean returns the Monte Carlo average Σᵢ termsᵢ / S of per-instance terms.
func (p *parts) mean(terms []*G.Node) *G.Node {
	var sum *G.Node
	for _, t := range terms {
		sum = add(p.b, sum, t)
	}
	if p.S > 1 {
		sum = p.b.Mul(sum, p.b.Const(1/float64(p.S)))
	}
	return sum
}

// entropy returns q's closed-form entropy, or an error naming the
// estimator that needs it.
func (p *parts) entropy(est Estimator) (*G.Node, error) {
	e, ok := p.q.(Entropier)
	if !ok {
		return nil, fmt.Errorf("svi: the %s estimator needs a guide with a closed-form entropy", est)
	}
	h, err := e.Entropy()
	if err != nil {
		return nil, fmt.Errorf("svi: the %s estimator needs a guide with a closed-form entropy: %w", est, err)
	}
	return h, nil
}

func checkDraws(draws []map[string]*G.Node, sites []Site, S int, vector bool) error {
	if vector {
		if len(draws) != 1 {
			return fmt.Errorf("svi: a vectorized guide must give one map of draws, got %d", len(draws))
		}
	} else if len(draws) != S {
		return fmt.Errorf("svi: guide returned draws for %d particles, want %d", len(draws), S)
	}
	for s, d := range draws {
		if len(d) != len(sites) {
			return fmt.Errorf("svi: guide draws %d sites for particle %d, the model has %d", len(d), s, len(sites))
		}
		for _, site := range sites {
			u, ok := d[site.Name]
			if !ok {
				return fmt.Errorf("svi: guide has no draw of site %q", site.Name)
			}
			want := uShape(site)
			if vector {
				want = append([]int{S}, site.Unconstrained...)
			} else if len(site.Shape) == 0 && u.IsScalar() {
				continue // a scalar site may be drawn as a scalar
			}
			if !slices.Equal([]int(u.Shape()), want) {
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

func sumVectors(b *graph.B, xs []*G.Node) *G.Node {
	var s *G.Node
	for _, x := range xs {
		s = add(b, s, x)
	}
	return s
}

func isZeroConst(n *G.Node) bool {
	if n == nil {
		return true
	}
	if n.Op() == nil || !n.IsScalar() {
		return false
	}
	switch v := n.Value().(type) {
	case *G.F64:
		return float64(*v) == 0
	case *G.F32:
		return float32(*v) == 0
	}
	return false
}

func add(b *graph.B, acc, x *G.Node) *G.Node {
	if acc == nil {
		return x
	}
	return b.Add(acc, x)
}
