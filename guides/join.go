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

// Build builds every part on its sites and combines them: draws are merged,
// log q and entropies add.
func (j Joined) Build(c *svi.GuideContext, sites []svi.Site) (*svi.GuideGraph, error) {
	split, err := j.split(sites)
	if err != nil {
		return nil, err
	}
	S := c.Particles()
	out := &svi.GuideGraph{Draws: make([]map[string]*G.Node, S), LogQ: make([]*G.Node, S),
		LogQDetached: make([]*G.Node, S), Marginals: map[string]dist.LogProber{}, PointMass: map[string]bool{}}
	for s := range out.Draws {
		out.Draws[s] = map[string]*G.Node{}
	}
	b := graph.New(c.Graph())
	haveEntropy, haveDetached, haveLogQ, haveMarginals := true, true, true, true
	for i, p := range j.parts {
		gg, err := p.Guide.Build(c, split[i])
		if err != nil {
			return nil, err
		}
		point := len(gg.PointMass) == len(split[i])
		for name, v := range gg.PointMass {
			out.PointMass[name] = v
		}
		for s := 0; s < S; s++ {
			for name, n := range gg.Draws[s] {
				out.Draws[s][name] = n
			}
		}
		if point {
			continue // a point mass adds nothing to log q or the entropy
		}
		if gg.LogQ == nil {
			haveLogQ = false
		} else {
			for s := range out.LogQ {
				out.LogQ[s] = add(b, out.LogQ[s], gg.LogQ[s])
			}
		}
		if gg.LogQDetached == nil {
			haveDetached = false
		} else {
			for s := range out.LogQDetached {
				out.LogQDetached[s] = add(b, out.LogQDetached[s], gg.LogQDetached[s])
			}
		}
		if gg.Entropy == nil {
			haveEntropy = false
		} else {
			out.Entropy = add(b, out.Entropy, gg.Entropy)
		}
		if gg.Marginals == nil {
			haveMarginals = false
		}
		for name, q := range gg.Marginals {
			out.Marginals[name] = q
		}
	}
	if !haveLogQ || out.LogQ[0] == nil {
		out.LogQ = nil
	}
	if !haveDetached || out.LogQDetached[0] == nil {
		out.LogQDetached = nil
	}
	if !haveEntropy {
		out.Entropy = nil
	}
	if !haveMarginals {
		out.Marginals = nil
	}
	if out.Entropy == nil && out.LogQ == nil {
		out.Entropy = graph.Scalar(c.Graph(), 0) // every part is a point mass
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: Join: %w", err)
	}
	return out, c.Err()
}

// Draw draws each part's sites from that part.
func (j Joined) Draw(p *svi.Params, sites []svi.Site, r *rand.Rand, n int) (map[string][]float64, error) {
	split, err := j.split(sites)
	if err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for i, part := range j.parts {
		d, err := part.Guide.Draw(p, split[i], r, n)
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
