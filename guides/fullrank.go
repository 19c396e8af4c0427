package guides

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// FullRank is a multivariate normal guide over all sites jointly: the
// unconstrained values of every site, concatenated in site order into one
// vector u of length D, follow N(loc, LLᵀ) with L lower triangular,
//
//	L = tril(T, −1) + diag(special.Softplus(ρ)),
//
// so the diagonal stays positive. Draws are u = loc + Lε. Its entropy is
// Σᵢ log Lᵢᵢ + D/2 (1 + log 2π). It captures posterior correlations that
// MeanField cannot, at O(D²) parameters and O(D²) work per draw.
//
// Parameters: "guides/<sites>/loc" [D], "guides/<sites>/rho" [D] and
// "guides/<sites>/tril" [D, D] (only its strictly lower triangle is used),
// where <sites> is the site names joined by "+".
type FullRank struct {
	// InitScale is the initial diagonal of L; 0 means DefaultInitScale.
	InitScale float64
	// InitLoc optionally gives initial unconstrained locations by site name.
	InitLoc map[string][]float64
}

var _ svi.Guide = FullRank{}
var _ svi.Momenter = FullRank{}
var _ svi.HostDrawer = FullRank{}
var _ interface {
	svi.Entropier
	svi.DetachedLogQer
} = (*frBuilt)(nil)

// frNames returns the names of the loc, ρ and T parameters for sites.
func frNames(sites []svi.Site) (loc, rho, tril string) {
	p := jointPrefix(sites)
	return p + "loc", p + "rho", p + "tril"
}

// jointPrefix is "guides/<site names joined by +>/", the parameter prefix of
// a guide over several sites jointly.
func jointPrefix(sites []svi.Site) string {
	names := make([]string, len(sites))
	for i, s := range sites {
		names[i] = s.Name
	}
	return "guides/" + strings.Join(names, "+") + "/"
}

// jointParams validates the settings of a joint Gaussian guide and declares
// its location and ρ (softplus⁻¹ of the initial scale) over the sites'
// concatenated unconstrained values.
func jointParams(c *svi.GuideContext, guide string, initScale float64, sites []svi.Site, init map[string][]float64) (loc, rho *G.Node, s0 float64, err error) {
	s0 = initScale
	if s0 == 0 {
		s0 = DefaultInitScale
	}
	if !(s0 > 0) || math.IsInf(s0, 0) {
		return nil, nil, 0, fmt.Errorf("guides: %s InitScale must be positive and finite, got %v", guide, s0)
	}
	if err := checkUnscaled(guide, sites); err != nil {
		return nil, nil, 0, err
	}
	initLoc, err := joinedInit(sites, init)
	if err != nil {
		return nil, nil, 0, err
	}
	D := totalSize(sites)
	p := jointPrefix(sites)
	loc = c.Param(p+"loc", []int{D}, func(dst []float64, _ *rand.Rand) { copy(dst, initLoc) })
	rho0 := special.InverseSoftplus(s0)
	rho = c.Param(p+"rho", []int{D}, func(dst []float64, _ *rand.Rand) {
		for i := range dst {
			dst[i] = rho0
		}
	})
	return loc, rho, s0, c.Err()
}

// Build declares loc, ρ and T and draws u = loc + Lε per particle.
func (g FullRank) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	loc, rho, _, err := jointParams(c, "FullRank", g.InitScale, sites, g.InitLoc)
	if err != nil {
		return nil, err
	}
	D := totalSize(sites)
	_, _, frTril := frNames(sites)
	tril := c.Param(frTril, []int{D, D}, nil)
	if err := c.Err(); err != nil {
		return nil, err
	}
	gr := c.Graph()
	b := graph.New(gr)
	mask := make([]float64, D*D)
	eye := make([]float64, D*D)
	for i := 0; i < D; i++ {
		eye[i*D+i] = 1
		for j := 0; j < i; j++ {
			mask[i*D+j] = 1
		}
	}
	diag := b.Softplus(rho)
	L := b.Add(b.Mul(tril, matConst(gr, D, mask)), b.Mul(matConst(gr, D, eye), b.Reshape(diag, 1, D)))
	sumLogDiag := b.Sum(b.Log(diag))
	const half = 0.5
	out := &frBuilt{jointBuilt{drawn: newDrawn(c.Particles(), true), c: c, b: b, sites: sites}}
	out.entropy = b.Add(sumLogDiag, b.Const(float64(D)*(0.5+dist.LogSqrt2Pi)))
	constant := b.Const(float64(D) * dist.LogSqrt2Pi)
	for s := range out.draws {
		eps := c.StdNormal(fmt.Sprintf("%s/eps%d", jointPrefix(sites)+"loc", s), []int{D})
		u := b.Add(loc, b.MatMul(L, eps))
		out.logQ[s] = b.Neg(b.Add(b.Add(b.Mul(b.Const(half), b.Sum(b.Square(eps))), sumLogDiag), constant))
		out.joint = append(out.joint, u)
		out.draws[s] = splitSites(b, u, sites)
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: FullRank: %w", err)
	}
	return out, c.Err()
}

// jointBuilt is the contribution to a graph of a Gaussian guide over its
// sites jointly (FullRank, LowRank): each particle's joint draw u, and the
// entropy, computed with the draws.
type jointBuilt struct {
	drawn
	c        *svi.GuideContext
	b        *graph.B
	sites    []svi.Site
	joint    []*G.Node // each particle's joint draw u
	entropy  *G.Node
	detached []*G.Node // log q with detached parameters, once built
}

// Entropy returns ½ log det Σ + D/2 (1 + log 2π).
func (j *jointBuilt) Entropy() (*G.Node, error) { return j.entropy, nil }

// frBuilt is FullRank's contribution to a graph.
type frBuilt struct{ jointBuilt }

// LogQDetached evaluates log q(u) with loc and L⁻¹ held fixed (fed from
// the host each run).
func (f *frBuilt) LogQDetached() ([]*G.Node, error) {
	if f.detached != nil {
		return f.detached, nil
	}
	c, b, sites := f.c, f.b, f.sites
	D := totalSize(sites)
	frLoc, frRho, frTril := frNames(sites)
	locD := c.Detached(frLoc)
	linvD := c.Derived(frTril+"/inverse", []int{D, D}, func(p *svi.Params, dst []float64) {
		Lm := lowerFactor(p, sites)
		var inv mat.TriDense
		if err := inv.InverseTri(Lm); err != nil {
			for i := range dst {
				dst[i] = math.NaN()
			}
			return
		}
		for i := 0; i < D; i++ {
			for j := 0; j < D; j++ {
				dst[i*D+j] = inv.At(i, j)
			}
		}
	})
	logDiagD := c.Derived(frRho+"/sumlogdiag", []int{1}, func(p *svi.Params, dst []float64) {
		r, _ := p.Get(frRho)
		s := 0.0
		for _, v := range r {
			s += math.Log(special.Softplus(v))
		}
		dst[0] = s
	})
	constant := b.Const(float64(D) * dist.LogSqrt2Pi)
	for _, u := range f.joint {
		r := b.MatMul(linvD, b.Sub(u, locD))
		f.detached = append(f.detached, b.Neg(b.Add(b.Add(b.Mul(b.Const(0.5), b.Sum(b.Square(r))), b.Sum(logDiagD)), constant)))
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: FullRank: %w", err)
	}
	return f.detached, c.Err()
}

// Draw samples u = loc + Lε on the host and splits it by site.
func (g FullRank) Draw(p *svi.Params, sites []svi.Site, r *rand.Rand, n int) (map[string][]float64, error) {
	D := totalSize(sites)
	frLoc, _, _ := frNames(sites)
	loc, ok := p.Get(frLoc)
	if !ok || len(loc) != D {
		return nil, fmt.Errorf("guides: no FullRank parameters for these sites")
	}
	L := lowerFactor(p, sites)
	out := map[string][]float64{}
	for _, s := range sites {
		out[s.Name] = make([]float64, 0, n*s.Size())
	}
	eps := mat.NewVecDense(D, nil)
	var u mat.VecDense
	for i := 0; i < n; i++ {
		for j := 0; j < D; j++ {
			eps.SetVec(j, r.NormFloat64())
		}
		u.MulVec(L, eps)
		off := 0
		for _, s := range sites {
			for j := 0; j < s.Size(); j++ {
				out[s.Name] = append(out[s.Name], loc[off+j]+u.AtVec(off+j))
			}
			off += s.Size()
		}
	}
	return out, nil
}

// Moments returns the mean and marginal standard deviations of sites[i].
func (g FullRank) Moments(p *svi.Params, sites []svi.Site, i int) (mean, std []float64, err error) {
	frLoc, _, _ := frNames(sites)
	loc, ok := p.Get(frLoc)
	if !ok || len(loc) != totalSize(sites) {
		return nil, nil, fmt.Errorf("guides: no FullRank parameters for these sites")
	}
	cov := g.Cov(p, sites)
	off := totalSize(sites[:i])
	for j := off; j < off+sites[i].Size(); j++ {
		mean = append(mean, loc[j])
		std = append(std, math.Sqrt(cov.At(j, j)))
	}
	return mean, std, nil
}

// Cov returns the covariance LLᵀ of the joint unconstrained vector of sites.
func (FullRank) Cov(p *svi.Params, sites []svi.Site) *mat.SymDense {
	L := lowerFactor(p, sites)
	cov := mat.NewSymDense(totalSize(sites), nil)
	cov.SymOuterK(1, L)
	return cov
}

func lowerFactor(p *svi.Params, sites []svi.Site) *mat.TriDense {
	D := totalSize(sites)
	_, frRho, frTril := frNames(sites)
	rho, _ := p.Get(frRho)
	tril, _ := p.Get(frTril)
	L := mat.NewTriDense(D, mat.Lower, nil)
	for i := 0; i < D; i++ {
		for j := 0; j < i; j++ {
			L.SetTri(i, j, tril[i*D+j])
		}
		L.SetTri(i, i, special.Softplus(rho[i]))
	}
	return L
}

func totalSize(sites []svi.Site) int {
	D := 0
	for _, s := range sites {
		D += s.Size()
	}
	return D
}

func joinedInit(sites []svi.Site, init map[string][]float64) ([]float64, error) {
	var out []float64
	for _, s := range sites {
		v, ok := init[s.Name]
		if !ok {
			v = make([]float64, s.Size())
		} else if len(v) != s.Size() {
			return nil, fmt.Errorf("guides: InitLoc of site %q has %d values, want %d", s.Name, len(v), s.Size())
		}
		out = append(out, v...)
	}
	return out, nil
}

// matConst returns the [d, d] constant v, of g's dtype.
func matConst(g *G.ExprGraph, d int, v []float64) *G.Node {
	return graph.Tensor(g, "guides/const", v, d, d)
}

// splitSites cuts the joint vector u into each site's unconstrained value.
func splitSites(b *graph.B, u *G.Node, sites []svi.Site) map[string]*G.Node {
	out := make(map[string]*G.Node, len(sites))
	if len(sites) == 1 && len(paramShape(sites[0])) == 1 {
		out[sites[0].Name] = u
		return out
	}
	off := 0
	D := totalSize(sites)
	for _, s := range sites {
		k := s.Size()
		var part *G.Node
		if k == 1 && len(s.Shape) > 0 {
			// Slicing one element gives a scalar, and gorgonia's Reshape from
			// a scalar back to [1] has a mis-typed gradient: select the
			// element with a one-hot row instead.
			e := make([]float64, D)
			e[off] = 1
			sel := graph.Tensor(b.G, "guides/select", e, 1, D)
			part = b.MatMul(sel, u)
		} else {
			o := off
			part = b.Apply("Slice", func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(o, o+k)) }, u)
		}
		if shape := paramShape(s); len(shape) > 1 {
			part = b.Reshape(part, shape...)
		}
		out[s.Name] = part
		off += k
	}
	return out
}
