package guides

import (
	"fmt"
	"math/rand/v2"
	"slices"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/svi"
)

// Part assigns a guide to a set of sites, for Join.
type Part struct {
	Guide svi.Guide
	Sites []string
}

// Joined is a guide made of guides over disjoint sets of sites, for example a
// FullRank guide over a model's global sites and MeanField over the rest,
// or Delta (MAP) for hyperparameters. q is the product of the parts.
type Joined struct {
	parts []Part
}

var _ svi.Guide = Joined{}
var _ svi.Momenter = Joined{}

// Join combines guides over disjoint sets of sites. It fails when a site is
// named twice or a part has no sites; a model site that no part covers is
// an error when the trainer is built.
func Join(parts ...Part) (Joined, error) {
	seen := map[string]int{}
	for i, p := range parts {
		if p.Guide == nil {
			return Joined{}, fmt.Errorf("guides: Join: part %d has no guide", i)
		}
		if len(p.Sites) == 0 {
			return Joined{}, fmt.Errorf("guides: Join: part %d has no sites", i)
		}
		for _, s := range p.Sites {
			if j, dup := seen[s]; dup {
				return Joined{}, fmt.Errorf("guides: Join: site %q is in parts %d and %d", s, j, i)
			}
			seen[s] = i
		}
	}
	return Joined{parts: slices.Clone(parts)}, nil
}

// split returns each part's sites, in model order, and checks coverage.
func (j Joined) split(sites []svi.Site) ([][]svi.Site, error) {
	out := make([][]svi.Site, len(j.parts))
	for _, s := range sites {
		found := false
		for i, p := range j.parts {
			if slices.Contains(p.Sites, s.Name) {
				out[i] = append(out[i], s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("guides: Join: no part covers site %q", s.Name)
		}
	}
	for i, p := range j.parts {
		for _, name := range p.Sites {
			if !slices.ContainsFunc(out[i], func(s svi.Site) bool { return s.Name == name }) {
				return nil, fmt.Errorf("guides: Join: the model has no site %q", name)
			}
		}
	}
	return out, nil
}

// Build builds every part on its sites and combines them: draws are merged
// and log q adds. The combined build has each capability (entropy,
// marginals, detached log q) when every part that is not a point mass has
// it, and says which part lacks it otherwise.
func (j Joined) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	split, err := j.split(sites)
	if err != nil {
		return nil, err
	}
	S := c.Particles()
	out := &joinedBuilt{drawn: newDrawn(S, true), b: graph.New(c.Graph()), g: c.Graph(), point: map[string]bool{}}
	b := out.b
	haveLogQ := true
	for i, p := range j.parts {
		gg, err := p.Guide.Build(c, split[i])
		if err != nil {
			return nil, err
		}
		var pm map[string]bool
		if pmr, ok := gg.(svi.PointMasser); ok {
			pm = pmr.PointMass()
		}
		for name, v := range pm {
			out.point[name] = v
		}
		for s, d := range gg.Draws() {
			for name, n := range d {
				out.draws[s][name] = n
			}
		}
		if len(pm) == len(split[i]) {
			continue // a point mass adds nothing to log q or the entropy
		}
		out.parts = append(out.parts, joinedPart{index: i, guide: p.Guide, built: gg})
		lq := gg.LogQ()
		if lq == nil {
			haveLogQ = false
			continue
		}
		for s := range out.logQ {
			out.logQ[s] = add(b, out.logQ[s], lq[s])
		}
	}
	if !haveLogQ || out.logQ[0] == nil {
		out.logQ = nil
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: Join: %w", err)
	}
	return out, c.Err()
}

// joinedPart is one part of a Joined build that is not a point mass.
type joinedPart struct {
	index int
	guide svi.Guide
	built svi.Built
}

func (p joinedPart) lacks(what string) error {
	return fmt.Errorf("guides: Join: part %d (%T) has no %s", p.index, p.guide, what)
}

// joinedBuilt is a Joined guide's contribution to a graph.
type joinedBuilt struct {
	drawn
	b     *graph.B
	g     *G.ExprGraph
	parts []joinedPart // the parts that are not point masses
	point map[string]bool
}

var _ interface {
	svi.Entropier
	svi.Marginaler
	svi.DetachedLogQer
	svi.PointMasser
	svi.Discreter
} = (*joinedBuilt)(nil)

// PointMass names the sites of the parts that are point masses.
func (j *joinedBuilt) PointMass() map[string]bool { return j.point }

// Entropy returns the sum of the parts' entropies.
func (j *joinedBuilt) Entropy() (*G.Node, error) {
	var h *G.Node
	for _, p := range j.parts {
		e, ok := p.built.(svi.Entropier)
		if !ok {
			return nil, p.lacks("closed-form entropy")
		}
		x, err := e.Entropy()
		if err != nil {
			return nil, err
		}
		h = add(j.b, h, x)
	}
	if h == nil {
		return graph.Scalar(j.g, 0), nil // every part is a point mass
	}
	return h, j.b.Err()
}

// Marginals merges the parts' marginals.
func (j *joinedBuilt) Marginals() (map[string]dist.LogProber, error) {
	out := map[string]dist.LogProber{}
	for _, p := range j.parts {
		m, ok := p.built.(svi.Marginaler)
		if !ok {
			return nil, p.lacks("marginals (it does not factorize over sites)")
		}
		qs, err := m.Marginals()
		if err != nil {
			return nil, err
		}
		for name, q := range qs {
			out[name] = q
		}
	}
	return out, nil
}

// LogQDetached adds the parts' detached log q.
func (j *joinedBuilt) LogQDetached() ([]*G.Node, error) {
	out := make([]*G.Node, len(j.draws))
	for _, p := range j.parts {
		d, ok := p.built.(svi.DetachedLogQer)
		if !ok {
			return nil, p.lacks("log q with detached parameters")
		}
		lq, err := d.LogQDetached()
		if err != nil {
			return nil, err
		}
		for s := range out {
			out[s] = add(j.b, out[s], lq[s])
		}
	}
	return out, j.b.Err()
}

// Draw draws each part's sites from that part.
func (j Joined) Draw(p *svi.Params, sites []svi.Site, r *rand.Rand, n int) (map[string][]float64, error) {
	split, err := j.split(sites)
	if err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for i, part := range j.parts {
		hd, ok := part.Guide.(svi.HostDrawer)
		if !ok {
			return nil, fmt.Errorf("guides: Join: part %d (%T) cannot draw outside the graph", i, part.Guide)
		}
		d, err := hd.Draw(p, split[i], r, n)
		if err != nil {
			return nil, err
		}
		for k, v := range d {
			out[k] = v
		}
	}
	return out, nil
}

// Moments delegates to the part that holds sites[i], when it is a Momenter.
func (j Joined) Moments(p *svi.Params, sites []svi.Site, i int) (mean, std []float64, err error) {
	split, err := j.split(sites)
	if err != nil {
		return nil, nil, err
	}
	for k, part := range j.parts {
		for idx, s := range split[k] {
			if s.Name != sites[i].Name {
				continue
			}
			m, ok := part.Guide.(svi.Momenter)
			if !ok {
				return nil, nil, fmt.Errorf("guides: the guide of site %q has no closed-form moments", s.Name)
			}
			return m.Moments(p, split[k], idx)
		}
	}
	return nil, nil, fmt.Errorf("guides: no part holds site %q", sites[i].Name)
}

// Discrete merges the discrete parts' distributions of their sites.
func (j *joinedBuilt) Discrete() map[string]dist.LogProber {
	out := map[string]dist.LogProber{}
	for _, p := range j.parts {
		if d, ok := p.built.(svi.Discreter); ok {
			for name, q := range d.Discrete() {
				out[name] = q
			}
		}
	}
	return out
}
