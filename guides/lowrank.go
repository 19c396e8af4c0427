package guides

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// LowRank is a multivariate normal guide over all sites jointly whose
// covariance is a rank-R factor plus a diagonal:
//
//	u = loc + Wη + σ⊙ε,  η ~ N(0, I_R), ε ~ N(0, I_D),  Σ = WWᵀ + diag(σ²),
//
// with σ = special.Softplus(ρ). It captures the R leading directions of posterior
// correlation at O(D·R) parameters and work, where FullRank needs O(D²).
// log q and the entropy use the matrix determinant lemma and the Woodbury
// identity with the R×R capacitance matrix C = I + Wᵀdiag(σ⁻²)W.
//
// Parameters: "guides/<sites>/loc" [D], "guides/<sites>/rho" [D] and
// "guides/<sites>/factor" [D, R].
type LowRank struct {
	Rank      int     // R ≥ 1
	InitScale float64 // initial σ; 0 means DefaultInitScale
	// InitLoc optionally gives initial unconstrained locations by site name.
	InitLoc map[string][]float64
}

var _ svi.Guide = LowRank{}
var _ svi.Momenter = LowRank{}
var _ svi.HostDrawer = LowRank{}
var _ interface {
	svi.Entropier
	svi.DetachedLogQer
} = (*lrBuilt)(nil)

func lrNames(sites []svi.Site) (loc, rho, factor string) {
	p := jointPrefix(sites)
	return p + "loc", p + "rho", p + "factor"
}

// lrParts are the nodes from which log q is computed.
type lrParts struct {
	loc, w, wt, dinv, cinv *G.Node
	halfLogDet             *G.Node
}

func lrBuild(b *graph.B, loc, rho, w *G.Node, R int) lrParts {
	sigma := b.Softplus(rho)
	dinv := b.Inverse(b.Square(sigma))
	wt := b.Apply("Transpose", func(x *G.Node) (*G.Node, error) { return G.Transpose(x) }, w)
	D := w.Shape()[0]
	eye := make([]float64, R*R)
	for i := 0; i < R; i++ {
		eye[i*R+i] = 1
	}
	I := graph.Tensor(b.G, "guides/eye", eye, R, R)
	wd := b.Mul(w, b.Reshape(dinv, D, 1))
	c := b.Add(I, b.MatMul(wt, wd))
	logDetC := b.Apply("LogDetSPD", ops.LogDetSPD, c)
	cinv := b.Apply("InvSPD", ops.InvSPD, c)
	half := b.Add(b.Sum(b.Log(sigma)), b.Mul(b.Const(0.5), logDetC))
	return lrParts{loc: loc, w: w, wt: wt, dinv: dinv, cinv: cinv, halfLogDet: half}
}

// logQ returns log N(u; loc, WWᵀ + diag σ²) for r = u − loc.
func (p lrParts) logQ(b *graph.B, r *G.Node) *G.Node {
	rd := b.Mul(r, p.dinv)
	z := b.MatMul(p.wt, rd)
	quad := b.Sub(b.Sum(b.Mul(r, rd)), b.Sum(b.Mul(z, b.MatMul(p.cinv, z))))
	D := float64(p.loc.Shape()[0])
	return b.Neg(b.Add(b.Add(b.Mul(b.Const(0.5), quad), p.halfLogDet), b.Const(D*dist.LogSqrt2Pi)))
}

// Build declares loc, ρ and W and draws u = loc + Wη + σ⊙ε per particle.
func (g LowRank) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	R := g.Rank
	if R < 1 {
		return nil, fmt.Errorf("guides: LowRank needs Rank ≥ 1, got %d", R)
	}
	loc, rho, s0, err := jointParams(c, "LowRank", g.InitScale, sites, g.InitLoc)
	if err != nil {
		return nil, err
	}
	D := totalSize(sites)
	nLoc, _, nW := lrNames(sites)
	// W starts small and random: W = 0 is a stationary point of the ELBO.
	w := c.Param(nW, []int{D, R}, func(dst []float64, r *rand.Rand) {
		for i := range dst {
			dst[i] = 0.1 * s0 * r.NormFloat64()
		}
	})
	if err := c.Err(); err != nil {
		return nil, err
	}
	b := graph.New(c.Graph())
	live := lrBuild(b, loc, rho, w, R)
	S := c.Particles()
	out := &lrBuilt{jointBuilt: jointBuilt{drawn: newDrawn(S, true), c: c, b: b, sites: sites}, rank: R}
	out.entropy = b.Add(live.halfLogDet, b.Const(float64(D)*(0.5+dist.LogSqrt2Pi)))
	sigma := b.Softplus(rho)
	for s := 0; s < S; s++ {
		eta := c.StdNormal(fmt.Sprintf("%s/eta%d", nLoc, s), []int{R})
		eps := c.StdNormal(fmt.Sprintf("%s/eps%d", nLoc, s), []int{D})
		r := b.Add(b.MatMul(w, eta), b.Mul(sigma, eps))
		u := b.Add(loc, r)
		out.logQ[s] = live.logQ(b, r)
		out.joint = append(out.joint, u)
		out.draws[s] = splitSites(b, u, sites)
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: LowRank: %w", err)
	}
	return out, c.Err()
}

// lrBuilt is LowRank's contribution to a graph.
type lrBuilt struct {
	jointBuilt
	rank int
}

// LogQDetached evaluates log q(u) with loc, ρ and W held fixed.
func (l *lrBuilt) LogQDetached() ([]*G.Node, error) {
	if l.detached != nil {
		return l.detached, nil
	}
	nLoc, nRho, nW := lrNames(l.sites)
	c, b := l.c, l.b
	fixed := lrBuild(b, c.Detached(nLoc), c.Detached(nRho), c.Detached(nW), l.rank)
	for _, u := range l.joint {
		l.detached = append(l.detached, fixed.logQ(b, b.Sub(u, fixed.loc)))
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: LowRank: %w", err)
	}
	return l.detached, c.Err()
}

// Draw samples u = loc + Wη + σ⊙ε on the host and splits it by site.
func (g LowRank) Draw(p *svi.Params, sites []svi.Site, r *rand.Rand, n int) (map[string][]float64, error) {
	loc, sigma, w, err := g.values(p, sites)
	if err != nil {
		return nil, err
	}
	D, R := len(loc), g.Rank
	out := map[string][]float64{}
	u := make([]float64, D)
	eta := make([]float64, R)
	for i := 0; i < n; i++ {
		for k := range eta {
			eta[k] = r.NormFloat64()
		}
		for j := 0; j < D; j++ {
			v := loc[j] + sigma[j]*r.NormFloat64()
			for k := 0; k < R; k++ {
				v += w[j*R+k] * eta[k]
			}
			u[j] = v
		}
		off := 0
		for _, s := range sites {
			out[s.Name] = append(out[s.Name], u[off:off+s.Size()]...)
			off += s.Size()
		}
	}
	return out, nil
}

func (g LowRank) values(p *svi.Params, sites []svi.Site) (loc, sigma, w []float64, err error) {
	nLoc, nRho, nW := lrNames(sites)
	loc, ok1 := p.Get(nLoc)
	rho, ok2 := p.Get(nRho)
	w, ok3 := p.Get(nW)
	if !ok1 || !ok2 || !ok3 || len(w) != len(loc)*g.Rank {
		return nil, nil, nil, fmt.Errorf("guides: no LowRank(rank %d) parameters for these sites", g.Rank)
	}
	sigma = make([]float64, len(rho))
	for i, v := range rho {
		sigma[i] = special.Softplus(v)
	}
	return loc, sigma, w, nil
}

// Cov returns the covariance WWᵀ + diag(σ²) of the joint unconstrained vector.
func (g LowRank) Cov(p *svi.Params, sites []svi.Site) (*mat.SymDense, error) {
	_, sigma, w, err := g.values(p, sites)
	if err != nil {
		return nil, err
	}
	D := len(sigma)
	cov := mat.NewSymDense(D, nil)
	cov.SymOuterK(1, mat.NewDense(D, g.Rank, w))
	for i, s := range sigma {
		cov.SetSym(i, i, cov.At(i, i)+s*s)
	}
	return cov, nil
}

// Moments returns the mean and marginal standard deviations of sites[i].
func (g LowRank) Moments(p *svi.Params, sites []svi.Site, i int) (mean, std []float64, err error) {
	loc, sigma, w, err := g.values(p, sites)
	if err != nil {
		return nil, nil, err
	}
	off := totalSize(sites[:i])
	for j := off; j < off+sites[i].Size(); j++ {
		v := sigma[j] * sigma[j]
		for k := 0; k < g.Rank; k++ {
			v += w[j*g.Rank+k] * w[j*g.Rank+k]
		}
		mean = append(mean, loc[j])
		std = append(std, math.Sqrt(v))
	}
	return mean, std, nil
}
