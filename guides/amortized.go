package guides

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// Covariance is the form of an amortized guide's per-datum covariance.
type Covariance int

const (
	// Diagonal is the mean-field q(z_n | x_n) = Πⱼ N(z_nj; μ_nj, σ_nj²);
	// the zero value.
	Diagonal Covariance = iota
	// Cholesky is a full covariance L_n L_nᵀ per datum, with L_n lower
	// triangular, diagonal σ_n and strictly lower part output by the
	// encoder.
	Cholesky
)

var covarianceNames = []string{"diagonal", "cholesky"}

func (c Covariance) String() string {
	if c >= 0 && int(c) < len(covarianceNames) {
		return covarianceNames[c]
	}
	return "Covariance(" + strconv.Itoa(int(c)) + ")"
}

// Amortized is an encoder guide for local (per-datum) latents: a
// multilayer perceptron maps each row x_n of a data array to the
// parameters of q(z_n | x_n), shared by every datum, so that nothing is
// stored per datum and minibatches of new rows cost one forward pass.
// For a site z of shape [B, L] (one row per datum of the minibatch) and the
// data array named Input of shape [B, Dim]:
//
//	h = act(…act(x·W₀ + b₀)…)                     the trunk, widths Hidden
//	μ = h·W_μ + b_μ,  σ = softplus(h·W_ρ + b_ρ)   the heads, [B, L] each
//	z_n = μ_n + L_n ε_n,  ε_n ~ N(0, I)
//
// with L_n = diag(σ_n) for Diagonal and, for Cholesky, σ_n on the diagonal
// and a third head h·W_T + b_T giving the L(L−1)/2 entries below it
// (row-major: (1,0), (2,0), (2,1), …). log q(z_n | x_n) = Σⱼ(−½ε²ⱼ −
// log σ_nj − ½ log 2π), and the entropy is its closed form. One
// Amortized guide may cover several sites, each with its own heads on one
// shared trunk; every site must be a matrix with B rows. A site declared
// under a minibatch scale (svi.Site.Scale, normally N/B) has its log q and
// entropy multiplied by that scale, as the model's terms are.
//
// Parameters, for sites joined by "+" as <sites>:
// "guides/<sites>/enc/w<k>" [in, out] and "guides/<sites>/enc/b<k>" [out]
// for the trunk, and "guides/<site>/{loc,rho,tril}/{w,b}" for the heads.
// Weights start Glorot-uniform, U(±√(6/(in+out))), from the state's random
// source; biases start at zero except ρ's, at softplus⁻¹(InitScale); the
// Cholesky head starts at zero (a diagonal covariance).
//
// The guide reads the minibatch through svi.GuideContext.Data: the same
// input node as the model's data array named Input ([B, Dim], declared with
// svi.M.Data and fed through svi.Batch as usual); a shape mismatch is an
// error when the trainer is built. Its draws depend on the data, so it has
// no host-side Draw (svi.HostDrawer): [Amortized.Encode] evaluates q on the
// host for given rows.
// Marginals (for the closed-form KL estimator) and the detached log q (for
// sticking the landing) are given for Diagonal only.
type Amortized struct {
	Input string // name of the model's data array, [B, Dim]
	Dim   int    // columns of the data array
	// Hidden are the widths of the trunk's hidden layers; none means the
	// heads are affine functions of x (a linear encoder).
	Hidden     []int
	Activation ops.Activation // of the hidden layers
	Covariance Covariance
	// InitScale is the σ that ρ's bias starts at; 0 means DefaultInitScale.
	InitScale float64
}

var _ svi.Guide = Amortized{}

func (a Amortized) initScale() float64 {
	if a.InitScale == 0 {
		return DefaultInitScale
	}
	return a.InitScale
}

// Validate reports a field outside its range.
func (a Amortized) Validate() error {
	switch {
	case a.Input == "":
		return errors.New("guides: Amortized needs the name of its Input data")
	case a.Dim < 1:
		return fmt.Errorf("guides: Amortized Dim must be at least 1, got %d", a.Dim)
	case !a.Activation.Valid():
		return fmt.Errorf("guides: Amortized: unknown activation %v", a.Activation)
	case a.Covariance != Diagonal && a.Covariance != Cholesky:
		return fmt.Errorf("guides: Amortized: unknown covariance %v", a.Covariance)
	}
	for i, h := range a.Hidden {
		if h < 1 {
			return fmt.Errorf("guides: Amortized hidden layer %d has width %d", i, h)
		}
	}
	if s := a.initScale(); !(s > 0) || math.IsInf(s, 0) {
		return fmt.Errorf("guides: Amortized InitScale must be positive and finite, got %v", s)
	}
	return nil
}

// trunkPrefix is the name prefix of the trunk's parameters.
func trunkPrefix(sites []string) string { return "guides/" + strings.Join(sites, "+") + "/enc/" }

// ParamNames returns the names of the guide's parameters for sites, in
// declaration order (the order of [svi.Trainer.Layout]).
func (a Amortized) ParamNames(sites []svi.Site) []string {
	names := make([]string, len(sites))
	widths := make([]int, len(sites))
	for i, s := range sites {
		names[i] = s.Name
		if len(s.Unconstrained) == 2 {
			widths[i] = s.Unconstrained[1]
		}
	}
	trunk, heads := a.encoderLayers(names, widths)
	var out []string
	for _, l := range append(trunk, slices.Concat(heads...)...) {
		out = append(out, fmt.Sprintf(l.name, "w"), fmt.Sprintf(l.name, "b"))
	}
	return out
}

// checkSites returns the common number of rows B of the sites and each
// site's latent width.
func (a Amortized) checkSites(sites []svi.Site) (rows int, widths []int, err error) {
	if len(sites) == 0 {
		return 0, nil, errors.New("guides: Amortized has no sites")
	}
	for _, s := range sites {
		if len(s.Unconstrained) != 2 {
			return 0, nil, fmt.Errorf("guides: Amortized site %q must be a [rows, latent] matrix, got shape %v", s.Name, s.Unconstrained)
		}
		if rows == 0 {
			rows = s.Unconstrained[0]
		} else if s.Unconstrained[0] != rows {
			return 0, nil, fmt.Errorf("guides: Amortized sites have %d and %d rows", rows, s.Unconstrained[0])
		}
		widths = append(widths, s.Unconstrained[1])
	}
	return rows, widths, nil
}

// encLayer is one affine map of the encoder.
type encLayer struct {
	name     string
	in, out  int
	w, b     *G.Node
	biasInit float64
	zero     bool // weights start at zero
}

func glorotInit(in, out int, zero bool) func([]float64, *rand.Rand) {
	if zero {
		return nil
	}
	a := math.Sqrt(6 / float64(in+out))
	return func(dst []float64, r *rand.Rand) {
		for i := range dst {
			dst[i] = a * (2*r.Float64() - 1)
		}
	}
}

func constInit(v float64) func([]float64, *rand.Rand) {
	if v == 0 {
		return nil
	}
	return func(dst []float64, _ *rand.Rand) {
		for i := range dst {
			dst[i] = v
		}
	}
}

// encoderLayers lists the trunk and head layers for the sites.
func (a Amortized) encoderLayers(names []string, widths []int) (trunk []encLayer, heads [][]encLayer) {
	in := a.Dim
	pre := trunkPrefix(names)
	for k, h := range a.Hidden {
		trunk = append(trunk, encLayer{name: pre + "%s" + strconv.Itoa(k), in: in, out: h})
		in = h
	}
	rho0 := special.InverseSoftplus(a.initScale())
	for i, s := range names {
		L := widths[i]
		hs := []encLayer{
			{name: "guides/" + s + "/loc/%s", in: in, out: L},
			{name: "guides/" + s + "/rho/%s", in: in, out: L, biasInit: rho0},
		}
		if a.Covariance == Cholesky && L > 1 {
			hs = append(hs, encLayer{name: "guides/" + s + "/tril/%s", in: in, out: L * (L - 1) / 2, zero: true})
		}
		heads = append(heads, hs)
	}
	return trunk, heads
}

func (l *encLayer) declare(c *svi.GuideContext) {
	l.w = c.Param(fmt.Sprintf(l.name, "w"), []int{l.in, l.out}, glorotInit(l.in, l.out, l.zero))
	l.b = c.Param(fmt.Sprintf(l.name, "b"), []int{l.out}, constInit(l.biasInit))
}

// encDense builds act(h·W + b) with the fused ops.Dense.
func encDense(b *graph.B, h, w, bias *G.Node, act ops.Activation) *G.Node {
	if b.Err() != nil {
		return nil
	}
	n, err := ops.Dense(h, w, bias, act)
	if err != nil {
		b.Fail(fmt.Errorf("guides: %w", err))
	}
	return n
}

// encoderOut holds the heads' nodes of one site.
type encoderOut struct {
	loc, sigma, tril *G.Node
}

// encode builds the encoder on x with the given weight nodes.
func (a Amortized) encode(b *graph.B, x *G.Node, trunk []encLayer, heads [][]encLayer, wb func(l encLayer) (w, bias *G.Node)) []encoderOut {
	h := x
	for _, l := range trunk {
		w, bias := wb(l)
		h = encDense(b, h, w, bias, a.Activation)
	}
	out := make([]encoderOut, len(heads))
	for i, hs := range heads {
		w, bias := wb(hs[0])
		out[i].loc = encDense(b, h, w, bias, ops.Identity)
		w, bias = wb(hs[1])
		out[i].sigma = b.Softplus(encDense(b, h, w, bias, ops.Identity))
		if len(hs) > 2 {
			w, bias = wb(hs[2])
			out[i].tril = encDense(b, h, w, bias, ops.Identity)
		}
	}
	return out
}

// Build declares the encoder's parameters and its input, and draws every
// site for each particle.
func (a Amortized) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	rows, widths, err := a.checkSites(sites)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(sites))
	for i, s := range sites {
		names[i] = s.Name
	}
	g := c.Graph()
	x := c.Data(a.Input, rows, a.Dim)
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("guides: Amortized: %w", err)
	}
	trunk, heads := a.encoderLayers(names, widths)
	for k := range trunk {
		trunk[k].declare(c)
	}
	for i := range heads {
		for k := range heads[i] {
			heads[i][k].declare(c)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	b := graph.New(g)
	live := a.encode(b, x, trunk, heads, func(l encLayer) (*G.Node, *G.Node) { return l.w, l.b })
	S := c.Particles()
	am := amBuilt{drawn: newDrawn(S, true), a: a, c: c, b: b, x: x, sites: sites, trunk: trunk, heads: heads, live: live}
	for i, site := range sites {
		L := widths[i]
		e := live[i]
		logSigma := b.Sum(b.Log(e.sigma))
		n := float64(rows * L)
		am.entropy = add(b, am.entropy, scaled(b, b.Add(logSigma, b.Const(n*(0.5+dist.LogSqrt2Pi))), site.Scale))
		var sel, agg *G.Node
		if e.tril != nil {
			sel, agg = trilMaps(g, L)
		}
		for s := 0; s < S; s++ {
			eps := c.StdNormal(fmt.Sprintf("%s/eps%d", site.Name, s), []int{rows, L})
			r := b.Mul(e.sigma, eps)
			if e.tril != nil {
				// (L_n ε_n)_i gains Σ_{j<i} T_n,(i,j) ε_nj: gather ε_nj per
				// pair, weight by T and add the pairs into row i.
				r = b.Add(r, b.MatMul(b.Mul(e.tril, b.MatMul(eps, sel)), agg))
			}
			u := b.Add(e.loc, r)
			// log q(u) = Σ(−½ε² − log σ − ½ log 2π), since u = μ + Lε.
			lq := b.Neg(b.Add(b.Add(b.Mul(b.Const(0.5), b.Sum(b.Square(eps))), logSigma), b.Const(n*dist.LogSqrt2Pi)))
			am.draws[s][site.Name] = u
			am.logQ[s] = add(b, am.logQ[s], scaled(b, lq, site.Scale))
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: Amortized: %w", err)
	}
	if a.Covariance == Diagonal {
		return &amDiagBuilt{amBuilt: am}, c.Err()
	}
	return &am, c.Err()
}

// amBuilt is Amortized's contribution to a graph.
type amBuilt struct {
	drawn
	a       Amortized
	c       *svi.GuideContext
	b       *graph.B
	x       *G.Node
	sites   []svi.Site
	trunk   []encLayer
	heads   [][]encLayer
	live    []encoderOut
	entropy *G.Node
}

// Entropy returns Σ_sites scale · Σ_n (log det L_n + L/2 (1 + log 2π)).
func (m *amBuilt) Entropy() (*G.Node, error) { return m.entropy, nil }

// amDiagBuilt is the contribution of an Amortized guide with a diagonal
// covariance, which factorizes over sites and data.
type amDiagBuilt struct {
	amBuilt
	detached []*G.Node
}

// Marginals returns each site's N(μ(x), σ(x)²).
func (m *amDiagBuilt) Marginals() (map[string]dist.LogProber, error) {
	out := make(map[string]dist.LogProber, len(m.sites))
	for i, site := range m.sites {
		out[site.Name] = dist.Normal{Loc: m.live[i].loc, Scale: m.live[i].sigma}
	}
	return out, nil
}

// LogQDetached evaluates each particle's log q with the encoder's weights
// held fixed.
func (m *amDiagBuilt) LogQDetached() ([]*G.Node, error) {
	if m.detached != nil {
		return m.detached, nil
	}
	b, c := m.b, m.c
	fixed := m.a.encode(b, m.x, m.trunk, m.heads, func(l encLayer) (*G.Node, *G.Node) {
		return c.Detached(fmt.Sprintf(l.name, "w")), c.Detached(fmt.Sprintf(l.name, "b"))
	})
	out := make([]*G.Node, len(m.draws))
	for i, site := range m.sites {
		qd := dist.Normal{Loc: fixed[i].loc, Scale: fixed[i].sigma}
		for s, d := range m.draws {
			lqd, err := qd.LogProb(d[site.Name])
			if err != nil {
				return nil, fmt.Errorf("guides: Amortized: %w", err)
			}
			out[s] = add(b, out[s], scaled(b, b.Sum(lqd), site.Scale))
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: Amortized: %w", err)
	}
	m.detached = out
	return out, c.Err()
}

// trilMaps returns the constant 0/1 matrices that map a [B, L] noise to the
// [B, P] pairs (column p holds ε_j of pair p = (i, j)) and the [B, P]
// weighted pairs back onto rows i.
func trilMaps(g *G.ExprGraph, L int) (sel, agg *G.Node) {
	P := L * (L - 1) / 2
	s := make([]float64, L*P)
	ag := make([]float64, P*L)
	p := 0
	for i := 1; i < L; i++ {
		for j := 0; j < i; j++ {
			s[j*P+p] = 1
			ag[p*L+i] = 1
			p++
		}
	}
	sel = G.NewConstant(tensor.New(tensor.WithShape(L, P), tensor.WithBacking(s)), G.In(g), G.WithName(graph.Name(g, "guides/tril/select")))
	agg = G.NewConstant(tensor.New(tensor.WithShape(P, L), tensor.WithBacking(ag)), G.In(g), G.WithName(graph.Name(g, "guides/tril/gather")))
	return sel, agg
}

// Encoding is q(z_n | x_n) of one site for a set of rows, evaluated on the
// host by [Amortized.Encode].
type Encoding struct {
	Rows, Dim int
	Loc       []float64 // Rows×Dim means μ_n
	Scale     []float64 // Rows×Dim: σ_n, the diagonal of L_n
	// Tril holds, for Cholesky, Rows × Dim(Dim−1)/2 entries of L_n below the
	// diagonal, row-major ((1,0), (2,0), (2,1), …); nil for Diagonal.
	Tril []float64
}

// Rsample writes z = μ_n + L_n ε for row n into z (length Dim) and returns
// log q(z | x_n). eps must hold Dim standard normal values.
func (e Encoding) Rsample(n int, eps, z []float64) float64 {
	L := e.Dim
	loc, sd := e.Loc[n*L:(n+1)*L], e.Scale[n*L:(n+1)*L]
	lq := 0.0
	for j := 0; j < L; j++ {
		z[j] = loc[j] + sd[j]*eps[j]
		lq -= 0.5*eps[j]*eps[j] + math.Log(sd[j]) + dist.LogSqrt2Pi
	}
	if e.Tril != nil {
		P := L * (L - 1) / 2
		t := e.Tril[n*P : (n+1)*P]
		p := 0
		for i := 1; i < L; i++ {
			for j := 0; j < i; j++ {
				z[i] += t[p] * eps[j]
				p++
			}
		}
	}
	return lq
}

// Encode evaluates the encoder with parameters p on rows×Dim values x
// (row-major) and returns q(z_n | x_n) for each of the named sites, which
// must be the sites the guide was built for, in the same order.
func (a Amortized) Encode(p *svi.Params, sites []string, x []float64, rows int) (map[string]Encoding, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if rows < 1 || len(x) != rows*a.Dim {
		return nil, fmt.Errorf("guides: Amortized.Encode: %d values for %d rows of %d", len(x), rows, a.Dim)
	}
	if len(sites) == 0 {
		return nil, errors.New("guides: Amortized.Encode: no sites")
	}
	get := func(name string, n int) ([]float64, error) {
		v, ok := p.Get(name)
		if !ok {
			return nil, fmt.Errorf("guides: Amortized.Encode: no parameter %q", name)
		}
		if len(v) != n {
			return nil, fmt.Errorf("guides: Amortized.Encode: parameter %q has %d values, want %d", name, len(v), n)
		}
		return v, nil
	}
	widths := make([]int, len(sites))
	for i, s := range sites {
		shape := p.Shape("guides/" + s + "/loc/w")
		if len(shape) != 2 {
			return nil, fmt.Errorf("guides: Amortized.Encode: no encoder head for site %q", s)
		}
		widths[i] = shape[1]
	}
	trunk, heads := a.encoderLayers(sites, widths)
	apply := func(h []float64, l encLayer, act ops.Activation) ([]float64, error) {
		w, err := get(fmt.Sprintf(l.name, "w"), l.in*l.out)
		if err != nil {
			return nil, err
		}
		bias, err := get(fmt.Sprintf(l.name, "b"), l.out)
		if err != nil {
			return nil, err
		}
		out := make([]float64, rows*l.out)
		ops.DenseForward(out, h, w, bias, rows, l.in, l.out, act)
		return out, nil
	}
	h := x
	var err error
	for _, l := range trunk {
		if h, err = apply(h, l, a.Activation); err != nil {
			return nil, err
		}
	}
	out := make(map[string]Encoding, len(sites))
	for i, hs := range heads {
		e := Encoding{Rows: rows, Dim: widths[i]}
		if e.Loc, err = apply(h, hs[0], ops.Identity); err != nil {
			return nil, err
		}
		if e.Scale, err = apply(h, hs[1], ops.Identity); err != nil {
			return nil, err
		}
		for j, v := range e.Scale {
			e.Scale[j] = special.Softplus(v)
		}
		if len(hs) > 2 {
			if e.Tril, err = apply(h, hs[2], ops.Identity); err != nil {
				return nil, err
			}
		}
		out[sites[i]] = e
	}
	return out, nil
}
