package svi

import (
	"errors"
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
)

// VectorGuide is implemented by guides that can draw all S particles of a
// site as one node with a leading particle axis, for [Config.Vectorize].
type VectorGuide interface {
	Guide
	// BuildVector is Build with one entry in Draws, whose node for each
	// site has shape [S, site.Unconstrained...] ([S] for a scalar site);
	// it must give Entropy (and Marginals for the kl estimator).
	BuildVector(c *GuideContext, sites []Site) (*GuideGraph, error)
}

// VectorModel is a Model whose Build also handles the vectorized case,
// M.Particles() > 0, for [Config.Vectorize]. New refuses Vectorize for a
// model that is not one, or whose Vectorizes reports false: a model written
// for one particle at a time could otherwise broadcast the particle axis
// against its data without an error.
type VectorModel interface {
	Model
	// Vectorizes reports whether Build handles M.Particles() > 0 in the
	// model's present configuration.
	Vectorizes() bool
}

// Particles returns S when the model is built once for all S particles
// ([Config.Vectorize]): then every latent value has a leading particle axis
// ([S, shape...], a scalar site [S]), and the model must keep the particles
// apart in its likelihood and sum its terms over them (the ELBO divides by
// S). It returns 0 otherwise: the values are one particle's. A model
// written for both checks it once in Build.
func (m *M) Particles() int { return m.particles }

// checkVectorize validates Config.Vectorize against the guide and estimator.
func checkVectorize(cfg Config, model Model, guide Guide) error {
	if !cfg.Vectorize {
		return nil
	}
	if vm, ok := model.(VectorModel); !ok {
		return fmt.Errorf("svi: Config.Vectorize needs a model written for all particles at once (svi.VectorModel); %T is not one", model)
	} else if !vm.Vectorizes() {
		return fmt.Errorf("svi: Config.Vectorize: this %T cannot be vectorized in its present configuration", model)
	}
	if _, ok := guide.(VectorGuide); !ok {
		return fmt.Errorf("svi: Config.Vectorize needs a guide that draws all particles at once (svi.VectorGuide); %T is not one", guide)
	}
	if cfg.Estimator != EntropyELBO && cfg.Estimator != KLELBO {
		return fmt.Errorf("svi: Config.Vectorize works with the entropy and kl estimators, not %v", cfg.Estimator)
	}
	if cfg.Workers > 1 {
		return errors.New("svi: Config.Vectorize evaluates the particles in one graph; it cannot be split over Workers")
	}
	return nil
}

// buildVector compiles the training program of a vectorized model: one
// model instance whose latents carry a leading axis of S particles.
func (t *Trainer) buildVector(S int, est Estimator) (*program, error) {
	p := &program{g: G.NewGraph()}
	dataMap := map[string]*G.Node{}
	gc := &GuideContext{g: p.g, particles: S, data: dataMap, dataDecl: &p.data}
	gg, err := t.guide.(VectorGuide).BuildVector(gc, t.sites)
	if err == nil {
		err = gc.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("svi: guide: %w", err)
	}
	if len(gg.Draws) != 1 {
		return nil, fmt.Errorf("svi: a vectorized guide must give one map of draws, got %d", len(gg.Draws))
	}
	if gg.Entropy == nil {
		return nil, errors.New("svi: a vectorized guide must give its entropy")
	}
	b := graph.New(p.g)
	m := &M{g: p.g, latents: map[string]*G.Node{}, data: dataMap, dataDecl: &p.data, scale: 1,
		guide: gc, marginals: gg.Marginals, particles: S}
	var logDet *G.Node
	siteLD := map[string]*G.Node{}
	for _, site := range t.sites {
		u, ok := gg.Draws[0][site.Name]
		if !ok {
			return nil, fmt.Errorf("svi: the guide gives no draw of site %q", site.Name)
		}
		want := append([]int{S}, site.Unconstrained...)
		if len(site.Shape) == 0 {
			want = []int{S}
		}
		if !slices.Equal([]int(u.Shape()), want) {
			return nil, fmt.Errorf("svi: vectorized draw of site %q has shape %v, want %v", site.Name, u.Shape(), want)
		}
		x, ld, err := site.Support.Forward(u)
		if err != nil {
			return nil, fmt.Errorf("svi: site %q: %w", site.Name, err)
		}
		m.latents[site.Name] = x
		if !isZeroConst(ld) {
			if site.Scale != 1 {
				ld = b.Mul(ld, b.Const(site.Scale))
			}
			logDet = add(b, logDet, ld)
			siteLD[site.Name] = ld
		}
	}
	if err := t.model.Build(m); err != nil {
		return nil, fmt.Errorf("svi: vectorized model: %w", err)
	}
	if err := gc.Err(); err != nil {
		return nil, fmt.Errorf("svi: vectorized model: %w", err)
	}
	if err := sameSites(t.sites, m.sites); err != nil {
		return nil, err
	}
	var obj *G.Node
	switch est {
	case EntropyELBO:
		lj, err := m.logJoint()
		if err != nil {
			return nil, err
		}
		obj = lj
		if logDet != nil {
			obj = b.Add(obj, logDet)
		}
	case KLELBO:
		if obj, err = m.logLik(); err != nil {
			return nil, err
		}
	}
	// The terms are sums over the S particles: their mean is the estimate.
	elbo := obj
	if S > 1 {
		elbo = b.Mul(elbo, b.Const(1/float64(S)))
	}
	switch est {
	case EntropyELBO:
		elbo = b.Add(elbo, gg.Entropy)
	case KLELBO:
		kl, fallback, err := klTerm(b, t.sites, gg, m.priors, t.cfg.KLFallback)
		if err != nil {
			return nil, err
		}
		var mc *G.Node
		for _, site := range fallback {
			mc = add(b, mc, m.priorTerms[site.Name])
			if ld := siteLD[site.Name]; ld != nil {
				mc = b.Add(mc, ld)
			}
		}
		if mc != nil {
			elbo = b.Add(elbo, b.Mul(mc, b.Const(1/float64(S))))
		}
		elbo = b.Sub(elbo, kl)
	}
	p.loss = b.Neg(elbo)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("svi: building the ELBO: %w", err)
	}
	return p, p.compileGrad(gc)
}
