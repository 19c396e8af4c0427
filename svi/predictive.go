package svi

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/ops"
)

// predictive is the compiled graph of the model run on given latent values:
// it reads the parameters of every observed site's distribution and every
// deterministic node.
type predictive struct {
	p        *program
	latents  []dataDecl // one input per site, in the constrained space
	observed []predictedObs
	named    []predictedNode
}

type predictedObs struct {
	name   string
	d      dist.Drawer
	size   int
	params []G.Value // read after each run
}

type predictedNode struct {
	name  string
	size  int
	value G.Value
}

// Predictive draws from the posterior predictive distribution of the model
// under the guide at st's parameters, in the manner of NumPyro's
// Predictive: n draws z ~ q (from the guide's host draws, see HostDrawer),
// and for each the model run on z with the data in b, each observed site
// drawn from its distribution (which must be a dist.Drawer) and each node
// named by M.Deterministic read. It returns n×size row-major arrays keyed
// by latent site, observation and deterministic name (a categorical
// observation, observed as one-hot rows, is drawn as one category index per
// row). Noise comes from a source seeded by seed; st's own source is not
// used.
func (t *Trainer) Predictive(st *State, b Batch, n int, seed uint64) (map[string][]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("svi: Predictive needs n ≥ 1, got %d", n)
	}
	r := rand.New(NewRNG(seed))
	z, err := t.Sample(st, n, r)
	if err != nil {
		return nil, err
	}
	pr, err := newPredictive(t.model, t.sites)
	if err != nil {
		return nil, err
	}
	if err := pr.p.feed(b); err != nil {
		return nil, fmt.Errorf("%w (Predictive takes its data in its own batch)", err)
	}
	out := make(map[string][]float64, len(z)+len(pr.observed)+len(pr.named))
	for name, v := range z {
		out[name] = v
	}
	for _, o := range pr.observed {
		out[o.name] = make([]float64, n*o.size)
	}
	for _, d := range pr.named {
		out[d.name] = make([]float64, n*d.size)
	}
	for i := 0; i < n; i++ {
		if err := pr.draw(i, z, out, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newPredictive builds the model on latent inputs and compiles the reads.
func newPredictive(model Model, sites []Site) (*predictive, error) {
	p := &program{g: G.NewGraph()}
	gc := &GuideContext{g: p.g, particles: 1, data: map[string]*G.Node{}, dataDecl: &p.data}
	m := &M{g: p.g, latents: map[string]*G.Node{}, data: gc.data, dataDecl: gc.dataDecl, scale: 1, guide: gc}
	pr := &predictive{p: p}
	for _, s := range sites {
		node, val := input(p.g, "latent/"+s.Name, s.Shape)
		m.latents[s.Name] = node
		pr.latents = append(pr.latents, dataDecl{name: s.Name, shape: s.Shape, node: node, value: val})
	}
	if err := build(model, m); err != nil {
		return nil, fmt.Errorf("svi: model: %w", err)
	}
	var roots G.Nodes
	for _, o := range m.observed {
		d, ok := o.d.(dist.Drawer)
		if !ok {
			return nil, fmt.Errorf("svi: Predictive: observed site %q has distribution %T, which cannot draw (dist.Drawer)", o.name, o.d)
		}
		po := predictedObs{name: o.name, d: d, size: o.x.Shape().TotalSize()}
		if _, ok := d.(dist.Categorical); ok {
			// One-hot rows are observed; a category index per row is drawn.
			po.size /= o.x.Shape()[len(o.x.Shape())-1]
		}
		po.params = make([]G.Value, len(d.Params()))
		pr.observed = append(pr.observed, po)
	}
	for i := range pr.observed {
		o := &pr.observed[i]
		for j, n := range o.d.Params() {
			roots = append(roots, G.Read(n, &o.params[j]))
		}
	}
	pr.named = make([]predictedNode, len(m.named))
	for i, d := range m.named {
		pr.named[i] = predictedNode{name: d.name, size: d.x.Shape().TotalSize()}
		roots = append(roots, G.Read(d.x, &pr.named[i].value))
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("svi: Predictive: the model observes nothing and names no deterministic node")
	}
	p.gc = gc
	return pr, p.seal(roots)
}

// draw runs the model on the i-th latent draw and writes the i-th draw of
// every observation and deterministic node into out.
func (pr *predictive) draw(i int, z, out map[string][]float64, r *rand.Rand) error {
	for _, l := range pr.latents {
		dst := l.value.Float64s()
		copy(dst, z[l.name][i*len(dst):(i+1)*len(dst)])
	}
	pr.p.fillNoise(r, nil)
	if pr.p.tape == nil {
		pr.p.tape = newTape(pr.p.vm)
	}
	if err := pr.p.tape.run(); err != nil {
		return fmt.Errorf("svi: Predictive: running the model: %w", err)
	}
	for _, o := range pr.observed {
		params := make([][]float64, len(o.params))
		for j, v := range o.params {
			var err error
			if params[j], err = ops.Floats(v); err != nil {
				return fmt.Errorf("svi: Predictive: observed site %q, parameter %d: %w", o.name, j, err)
			}
		}
		if err := o.d.Draw(out[o.name][i*o.size:(i+1)*o.size], params, r); err != nil {
			return fmt.Errorf("svi: Predictive: observed site %q: %w", o.name, err)
		}
	}
	for _, d := range pr.named {
		v, err := ops.Floats(d.value)
		if err != nil {
			return fmt.Errorf("svi: Predictive: node %q: %w", d.name, err)
		}
		if len(v) != d.size {
			return fmt.Errorf("svi: Predictive: node %q has %d values, want %d", d.name, len(v), d.size)
		}
		copy(out[d.name][i*d.size:(i+1)*d.size], v)
	}
	return nil
}
