package svi

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
)

// klELBO is [KLELBO]: the average log-likelihood log p(x | z_s) minus the
// closed-form KL(q‖p) of every site. With Config.KLFallback a site without
// a closed form contributes its Monte Carlo prior and log-Jacobian terms to
// each particle and its marginal's closed-form entropy instead.
type klELBO struct{}

func (klELBO) loss(p *parts) (report, surrogate *G.Node, err error) {
	kl, fallback, err := klTerm(p)
	if err != nil {
		return nil, nil, err
	}
	obj := make([]*G.Node, p.instances())
	for i := range obj {
		obj[i] = p.logLik[i]
		for _, site := range fallback {
			obj[i] = add(p.b, obj[i], p.priorTerms[i][site.Name])
			if ld := p.siteLogDet[i][site.Name]; ld != nil {
				obj[i] = p.b.Add(obj[i], ld)
			}
		}
	}
	return negate(p, p.b.Sub(p.mean(obj), kl))
}

// klTerm returns Σ_sites KL(q_site ‖ prior_site) in closed form. With the
// fallback, a site without a closed form contributes −H(q_site) instead
// (scaled like the site) and is returned in the second result: the caller
// adds its Monte Carlo log prior and log-Jacobian to each particle.
func klTerm(p *parts) (*G.Node, []Site, error) {
	mg, ok := p.q.(Marginaler)
	if !ok {
		return nil, nil, fmt.Errorf("svi: the %s estimator needs a guide that factorizes over sites", KLELBO)
	}
	marginals, err := mg.Marginals()
	if err != nil {
		return nil, nil, fmt.Errorf("svi: the %s estimator needs a guide that factorizes over sites: %w", KLELBO, err)
	}
	b := p.b
	var kl *G.Node
	var mc []Site
	for _, site := range p.sites {
		if p.point[site.Name] {
			continue
		}
		q, ok := marginals[site.Name]
		if !ok {
			return nil, nil, fmt.Errorf("svi: the guide gives no marginal for site %q", site.Name)
		}
		k, why := siteKL(site, q, p.priors[site.Name])
		if why != nil {
			if !p.cfg.KLFallback {
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

// siteKL returns the closed-form KL(q ‖ prior) of a real-valued site, or
// why there is none.
func siteKL(site Site, q, prior dist.LogProber) (*G.Node, error) {
	if _, ok := site.Support.(dist.Identity); !ok {
		return nil, fmt.Errorf("svi: the kl estimator needs real-valued sites; site %q has support %s", site.Name, site.Support)
	}
	k, err := dist.KL(q, prior)
	if err != nil {
		return nil, fmt.Errorf("svi: site %q: %w", site.Name, err)
	}
	return k, nil
}
