package guides

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// DefaultInitScale is MeanField's initial standard deviation when InitScale
// is zero, as in NumPyro's AutoNormal.
const DefaultInitScale = 0.1

// MeanField is the fully factorized Gaussian guide: each unconstrained
// element is independent, q(u) = Πᵢ N(uᵢ; locᵢ, σᵢ²) with σ = special.Softplus(ρ).
// It has a closed-form entropy Σᵢ log σᵢ + ½ + ½ log 2π.
//
// Its parameters are "guides/<site>/loc" and "guides/<site>/rho".
type MeanField struct {
	// InitScale is the initial σ of every element; 0 means DefaultInitScale.
	InitScale float64
	// InitLoc optionally gives initial locations in the unconstrained space
	// by site name; a site without an entry starts at InitLocFn's values,
	// or at zero.
	InitLoc map[string][]float64
	// InitLocFn, when set, fills the initial location of sites without an
	// InitLoc entry (for example small random values to break the symmetry
	// of a neural network's weights).
	InitLocFn func(site svi.Site, dst []float64, r *rand.Rand)
}

var _ svi.Guide = MeanField{}
var _ svi.Momenter = MeanField{}
var _ svi.HostDrawer = MeanField{}
var _ interface {
	svi.Entropier
	svi.Marginaler
	svi.DetachedLogQer
} = (*mfBuilt)(nil)

func (g MeanField) scale() float64 {
	if g.InitScale == 0 {
		return DefaultInitScale
	}
	return g.InitScale
}

// Build declares loc and ρ per site and draws u = loc + special.Softplus(ρ)⊙ε.
func (g MeanField) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	rho0, err := g.rho0()
	if err != nil {
		return nil, err
	}
	S := c.Particles()
	out := &mfBuilt{drawn: newDrawn(S, true), mfSites: newMFSites(c, sites)}
	b := out.b
	for _, site := range sites {
		shape := paramShape(site)
		q, err := g.siteQ(c, b, site, rho0)
		if err != nil {
			return nil, err
		}
		out.q[site.Name] = q
		for s := 0; s < S; s++ {
			eps := c.StdNormal(fmt.Sprintf("%s/eps%d", site.Name, s), shape)
			// One fused op for loc + σ⊙ε and its gradient, with σ =
			// special.Softplus(ρ) computed once for all particles.
			u, err := ops.Reparam(q.Loc, q.Scale, eps)
			if err != nil {
				return nil, err
			}
			lq, err := q.LogProb(u)
			if err != nil {
				return nil, err
			}
			out.draws[s][site.Name] = u
			out.logQ[s] = add(b, out.logQ[s], scaled(b, b.Sum(lq), site.Scale))
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: MeanField: %w", err)
	}
	return out, c.Err()
}

func (g MeanField) rho0() (float64, error) {
	s0 := g.scale()
	if !(s0 > 0) || math.IsInf(s0, 0) {
		return 0, fmt.Errorf("guides: MeanField InitScale must be positive and finite, got %v", s0)
	}
	return special.InverseSoftplus(s0), nil
}

// mfSites is what a MeanField build knows of its sites: each one's q.
type mfSites struct {
	c       *svi.GuideContext
	b       *graph.B
	sites   []svi.Site
	q       map[string]dist.Normal
	entropy *G.Node
}

func newMFSites(c *svi.GuideContext, sites []svi.Site) mfSites {
	return mfSites{c: c, b: graph.New(c.Graph()), sites: sites, q: map[string]dist.Normal{}}
}

// Entropy returns Σ_sites scale · Σᵢ (log σᵢ + ½ + ½ log 2π).
func (m *mfSites) Entropy() (*G.Node, error) {
	if m.entropy != nil {
		return m.entropy, nil
	}
	b := m.b
	for _, site := range m.sites {
		// Σ log σ as one op (ops.SumLog) rather than dist.Normal's
		// elementwise Log and a Sum, whose gradient repeats a scalar over
		// every weight of a network.
		sl, err := ops.SumLog(m.q[site.Name].Scale)
		if err != nil {
			return nil, fmt.Errorf("guides: MeanField entropy of %q: %w", site.Name, err)
		}
		n := float64(m.q[site.Name].Scale.Shape().TotalSize())
		h := b.Add(sl, b.Const(n*(0.5+dist.LogSqrt2Pi)))
		m.entropy = add(b, m.entropy, scaled(b, h, site.Scale))
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: MeanField: %w", err)
	}
	return m.entropy, nil
}

// Marginals returns each site's N(loc, special.Softplus(ρ)²).
func (m *mfSites) Marginals() (map[string]dist.LogProber, error) {
	out := make(map[string]dist.LogProber, len(m.q))
	for name, q := range m.q {
		out[name] = q
	}
	return out, nil
}

// mfBuilt is MeanField's contribution to a graph.
type mfBuilt struct {
	drawn
	mfSites
	detached []*G.Node
}

// LogQDetached evaluates each particle's log q with loc and ρ held fixed.
func (m *mfBuilt) LogQDetached() ([]*G.Node, error) {
	if m.detached != nil {
		return m.detached, nil
	}
	b, c := m.b, m.c
	out := make([]*G.Node, len(m.draws))
	for _, site := range m.sites {
		qd := dist.Normal{Loc: c.Detached("guides/" + site.Name + "/loc"), Scale: b.Softplus(c.Detached("guides/" + site.Name + "/rho"))}
		for s, d := range m.draws {
			lqd, err := qd.LogProb(d[site.Name])
			if err != nil {
				return nil, err
			}
			out[s] = add(b, out[s], scaled(b, b.Sum(lqd), site.Scale))
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: MeanField: %w", err)
	}
	m.detached = out
	return out, c.Err()
}

func (g MeanField) locInit(site svi.Site) (func([]float64, *rand.Rand), error) {
	if v, ok := g.InitLoc[site.Name]; ok {
		if len(v) != site.Size() {
			return nil, fmt.Errorf("guides: InitLoc of site %q has %d values, want %d", site.Name, len(v), site.Size())
		}
		return func(dst []float64, _ *rand.Rand) { copy(dst, v) }, nil
	}
	if g.InitLocFn != nil {
		return func(dst []float64, r *rand.Rand) { g.InitLocFn(site, dst, r) }, nil
	}
	return nil, nil
}

// Draw samples u = loc + special.Softplus(ρ)⊙ε on the host.
func (g MeanField) Draw(p *svi.Params, sites []svi.Site, r *rand.Rand, n int) (map[string][]float64, error) {
	out := make(map[string][]float64, len(sites))
	for _, site := range sites {
		loc, sd, err := g.moments(p, site)
		if err != nil {
			return nil, err
		}
		k := len(loc)
		d := make([]float64, n*k)
		for i := 0; i < n; i++ {
			for j := 0; j < k; j++ {
				d[i*k+j] = loc[j] + sd[j]*r.NormFloat64()
			}
		}
		out[site.Name] = d
	}
	return out, nil
}

// Moments returns loc and special.Softplus(ρ) of sites[i].
func (g MeanField) Moments(p *svi.Params, sites []svi.Site, i int) (mean, std []float64, err error) {
	return g.moments(p, sites[i])
}

func (MeanField) moments(p *svi.Params, site svi.Site) (mean, std []float64, err error) {
	loc, ok1 := p.Get("guides/" + site.Name + "/loc")
	rho, ok2 := p.Get("guides/" + site.Name + "/rho")
	if !ok1 || !ok2 {
		return nil, nil, fmt.Errorf("guides: no MeanField parameters for site %q", site.Name)
	}
	std = make([]float64, len(rho))
	for i, v := range rho {
		std[i] = special.Softplus(v)
	}
	return append([]float64(nil), loc...), std, nil
}

func paramShape(site svi.Site) []int {
	if len(site.Unconstrained) == 0 {
		return []int{1}
	}
	return site.Unconstrained
}

// scaled multiplies a site's log-density term by its minibatch scale.
func scaled(b *graph.B, x *G.Node, scale float64) *G.Node {
	if scale == 1 || scale == 0 {
		return x
	}
	return b.Mul(x, b.Const(scale))
}

// checkUnscaled rejects sites declared under a minibatch scale, for guides
// whose joint density cannot be split per site.
func checkUnscaled(guide string, sites []svi.Site) error {
	for _, s := range sites {
		if s.Scale != 1 && s.Scale != 0 {
			return fmt.Errorf("guides: %s couples sites jointly and cannot take the local (minibatch-scaled) site %q; give it its own guide with Join", guide, s.Name)
		}
	}
	return nil
}

func add(b *graph.B, acc, x *G.Node) *G.Node {
	if acc == nil {
		return x
	}
	return b.Add(acc, x)
}

// siteQ declares a site's loc and ρ and returns q = N(loc, special.Softplus(ρ)²).
func (g MeanField) siteQ(c *svi.GuideContext, b *graph.B, site svi.Site, rho0 float64) (dist.Normal, error) {
	shape := paramShape(site)
	init, err := g.locInit(site)
	if err != nil {
		return dist.Normal{}, err
	}
	loc := c.Param("guides/"+site.Name+"/loc", shape, init)
	rho := c.Param("guides/"+site.Name+"/rho", shape, func(dst []float64, _ *rand.Rand) {
		for i := range dst {
			dst[i] = rho0
		}
	})
	if err := c.Err(); err != nil {
		return dist.Normal{}, err
	}
	scale, err := ops.SoftplusScale(rho)
	if err != nil {
		return dist.Normal{}, fmt.Errorf("guides: MeanField scale of %q: %w", site.Name, err)
	}
	return dist.Normal{Loc: loc, Scale: scale}, nil
}

var _ svi.VectorGuide = MeanField{}

// mfVecBuilt is MeanField's contribution to a vectorized graph.
type mfVecBuilt struct {
	drawn
	mfSites
}

// BuildVector is Build for svi.Config.Vectorize: one draw node per site
// with a leading axis of S particles, u = loc + special.Softplus(ρ) ⊙ ε with ε of
// shape [S, site.Unconstrained...] (one fused op and its gradient, which
// sums over the particles), with the marginals and the closed-form entropy.
func (g MeanField) BuildVector(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	rho0, err := g.rho0()
	if err != nil {
		return nil, err
	}
	S := c.Particles()
	out := &mfVecBuilt{drawn: newDrawn(1, false), mfSites: newMFSites(c, sites)}
	b := out.b
	for _, site := range sites {
		shape := paramShape(site)
		q, err := g.siteQ(c, b, site, rho0)
		if err != nil {
			return nil, err
		}
		out.q[site.Name] = q
		eps := c.StdNormal(site.Name+"/eps", append([]int{S}, shape...))
		u, err := ops.ReparamN(q.Loc, q.Scale, eps)
		if err != nil {
			return nil, err
		}
		if len(site.Unconstrained) == 0 {
			u = b.Reshape(u, S) // a scalar site: [S, 1] → [S]
		}
		out.draws[0][site.Name] = u
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: MeanField: %w", err)
	}
	return out, c.Err()
}
