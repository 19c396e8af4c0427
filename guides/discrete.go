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

// Discrete is the mean-field guide of discrete sites: every element of a
// Bernoulli site is independent with q(z = 1) = σ(l), and every one-hot
// row of a Categorical site independent with probabilities softmax(l).
// Its parameters are the logits "guides/<site>/logits", shaped as the
// site's value. Use guides.Join to pair it with a Gaussian guide for a
// model's continuous sites.
//
// In the graph a Bernoulli element is drawn as Step(σ(l) − u) and a
// Categorical row by inverting its CDF at u, u ~ U(0, 1): no gradient
// flows through the draw, and the svi estimators for discrete sites
// supply one (score, vimco) or sum the states out (enum). For the concrete
// estimator ([svi.GuideContext.Temperature] > 0) it draws the relaxed
// values σ((l + L)/τ), L logistic noise, and softmax((l + g)/τ), g Gumbel
// noise, instead.
type Discrete struct {
	// InitLogits optionally gives the initial logits of a site by name;
	// the others start at InitLogitsFn's values, or at 0 (q(z = 1) = ½,
	// uniform categories).
	InitLogits map[string][]float64
	// InitLogitsFn, when set, fills the initial logits of the sites
	// without an InitLogits entry (small random values break the symmetry
	// between the factors of a latent factor model, say).
	InitLogitsFn func(site svi.Site, dst []float64, r *rand.Rand)
}

var _ svi.Guide = Discrete{}
var _ svi.HostDrawer = Discrete{}
var _ interface {
	svi.Entropier
	svi.Discreter
} = (*discBuilt)(nil)

// discBuilt is a Discrete guide's contribution to a graph.
type discBuilt struct {
	drawn
	b     *graph.B
	q     map[string]dist.LogProber
	sites []svi.Site
}

// Build declares the logits of each site and draws it for each particle.
func (g Discrete) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	S := c.Particles()
	out := &discBuilt{drawn: newDrawn(S, true), b: graph.New(c.Graph()), q: map[string]dist.LogProber{}, sites: sites}
	b := out.b
	for _, site := range sites {
		if !site.Discrete() {
			return nil, fmt.Errorf("guides: Discrete: site %q is continuous: give it a Gaussian guide with guides.Join", site.Name)
		}
		if err := g.checkInit(site); err != nil {
			return nil, err
		}
		l := c.Param("guides/"+site.Name+"/logits", paramShape(site), g.init(site))
		if err := out.add(c, site, l); err != nil {
			return nil, fmt.Errorf("guides: Discrete: %w", err)
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: Discrete: %w", err)
	}
	return out, c.Err()
}

// add draws site from the logits l for every particle and adds its log q.
func (d *discBuilt) add(c *svi.GuideContext, site svi.Site, l *G.Node) error {
	if err := c.Err(); err != nil {
		return err
	}
	var q dist.LogProber = dist.Bernoulli{Logits: l}
	if site.Event == 1 {
		q = dist.Categorical{Logits: l}
	}
	d.q[site.Name] = q
	b := d.b
	for s := range d.draws {
		z := draw(c, b, site, l, s)
		lq, err := q.LogProb(z)
		if err != nil {
			return fmt.Errorf("site %q: %w", site.Name, err)
		}
		d.draws[s][site.Name] = z
		d.logQ[s] = add(b, d.logQ[s], scaled(b, b.Sum(lq), site.Scale))
	}
	return b.Err()
}

func (g Discrete) checkInit(site svi.Site) error {
	v, ok := g.InitLogits[site.Name]
	if !ok {
		return nil
	}
	if len(v) != site.Size() {
		return fmt.Errorf("guides: Discrete: InitLogits[%q] has %d values, the site %d", site.Name, len(v), site.Size())
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("guides: Discrete: InitLogits[%q][%d] = %v is not finite", site.Name, i, x)
		}
	}
	return nil
}

func (g Discrete) init(site svi.Site) func(dst []float64, r *rand.Rand) {
	if v, ok := g.InitLogits[site.Name]; ok {
		return func(dst []float64, _ *rand.Rand) { copy(dst, v) }
	}
	if g.InitLogitsFn != nil {
		return func(dst []float64, r *rand.Rand) { g.InitLogitsFn(site, dst, r) }
	}
	return nil
}

// draw returns particle s's draw of site from logits l: discrete, or
// relaxed when the graph trains the concrete estimator.
func draw(c *svi.GuideContext, b *graph.B, site svi.Site, l *G.Node, s int) *G.Node {
	shape := paramShape(site)
	tau := c.Temperature()
	name := fmt.Sprintf("%s/u%d", site.Name, s)
	if site.Event == 0 {
		if tau > 0 {
			noise := c.Noise(name, shape, fillLogistic)
			return b.Sigmoid(b.Mul(b.Add(l, noise), b.Const(1/tau)))
		}
		u := c.Noise(name, shape, fillUniform)
		return b.Apply("Step", ops.Step, b.Sub(b.Sigmoid(l), u))
	}
	k := site.States
	rows := size(shape) / k
	l2 := b.Reshape(l, rows, k)
	var z *G.Node
	if tau > 0 {
		noise := c.Noise(name, []int{rows, k}, fillGumbel)
		// The noise comes first: gorgonia's machine may write an
		// elementwise result into its first operand's memory, and l2 is a
		// reshaped view of the logits, which log q reads afterwards (the
		// machine never writes into a bound input such as the noise).
		z = softmaxRows(b, b.Mul(b.Add(noise, l2), b.Const(1/tau)), rows)
	} else {
		u := c.Noise(name, []int{rows, 1}, fillUniform)
		z = oneHot(c, b, softmaxRows(b, l2, rows), u, site.Name, rows, k)
	}
	return b.Reshape(z, shape...)
}

// softmaxRows returns the softmax of each row of the [rows, K] node x, as
// exp(−(lse − x)): x is never the first operand of an elementwise op, so
// the machine cannot write the result into x's memory, which may be a
// reshaped view of the logits (see draw).
func softmaxRows(b *graph.B, x *G.Node, rows int) *G.Node {
	lse := b.Apply("LogSumExp", func(x *G.Node) (*G.Node, error) { return ops.LogSumExp(x, -1) }, x)
	return b.Exp(b.Neg(b.Sub(b.Reshape(lse, rows, 1), x)))
}

// oneHot returns the one-hot rows of the first category whose cumulative
// probability exceeds u: a = Step(cumsum(p) − u) is 1 from that category
// on (the last column always, against rounding), and z = a − shift(a).
func oneHot(c *svi.GuideContext, b *graph.B, p, u *G.Node, name string, rows, k int) *G.Node {
	upper := c.Derived(name+"/cumsum", []int{k, k}, func(_ *svi.Params, dst []float64) {
		for i := range k {
			for j := i; j < k; j++ {
				dst[i*k+j] = 1
			}
		}
	})
	shift := c.Derived(name+"/shift", []int{k, k}, func(_ *svi.Params, dst []float64) {
		for i := 0; i+1 < k; i++ {
			dst[i*k+i+1] = 1
		}
	})
	last := c.Derived(name+"/last", []int{rows, k}, func(_ *svi.Params, dst []float64) {
		for r := range rows {
			dst[r*k+k-1] = 1
		}
	})
	cum := b.Add(b.MatMul(p, upper), last)
	a := b.Apply("Step", ops.Step, b.Sub(cum, u))
	return b.Sub(a, b.MatMul(a, shift))
}

// fillUniform fills dst with draws from U(0, 1).
func fillUniform(dst []float64, r *rand.Rand) {
	for i := range dst {
		dst[i] = r.Float64()
	}
}

// openUniform returns a draw from the open interval (0, 1).
func openUniform(r *rand.Rand) float64 {
	return (float64(r.Uint64()>>11) + 0.5) / (1 << 53)
}

// fillLogistic fills dst with standard logistic draws log u − log(1 − u).
func fillLogistic(dst []float64, r *rand.Rand) {
	for i := range dst {
		u := openUniform(r)
		dst[i] = math.Log(u) - math.Log1p(-u)
	}
}

// fillGumbel fills dst with standard Gumbel draws −log(−log u).
func fillGumbel(dst []float64, r *rand.Rand) {
	for i := range dst {
		dst[i] = -math.Log(-math.Log(openUniform(r)))
	}
}

// Discrete returns q's distribution of each site.
func (d *discBuilt) Discrete() map[string]dist.LogProber { return d.q }

// Marginals returns q's distribution of each site (Bernoulli or
// Categorical, with the unrelaxed logits even under the concrete
// estimator): q factorizes over sites, so a model can read them through
// svi.M.Marginal.
func (d *discBuilt) Marginals() (map[string]dist.LogProber, error) { return d.q, nil }

// Entropy returns Σ over the sites of the scaled entropy of q.
func (d *discBuilt) Entropy() (*G.Node, error) {
	var h *G.Node
	for _, site := range d.sites {
		e, err := d.q[site.Name].(dist.Entropier).Entropy()
		if err != nil {
			return nil, err
		}
		h = add(d.b, h, scaled(d.b, d.b.Sum(e), site.Scale))
	}
	return h, d.b.Err()
}

// Draw draws n values of each site from q with the logits in p: 0/1
// elements, or one-hot rows for a Categorical site.
func (g Discrete) Draw(p *svi.Params, sites []svi.Site, r *rand.Rand, n int) (map[string][]float64, error) {
	out := map[string][]float64{}
	for _, site := range sites {
		l, ok := p.Get("guides/" + site.Name + "/logits")
		if !ok {
			return nil, fmt.Errorf("guides: Discrete: no logits for site %q", site.Name)
		}
		m := site.Size()
		dst := make([]float64, n*m)
		for i := range n {
			row := dst[i*m : (i+1)*m]
			if site.Event == 0 {
				for j, x := range l {
					if r.Float64() < special.Sigmoid(x) {
						row[j] = 1
					}
				}
				continue
			}
			drawOneHot(row, l, site.States, r)
		}
		out[site.Name] = dst
	}
	return out, nil
}

// drawOneHot fills row with one-hot draws from softmax of each K logits.
func drawOneHot(row, l []float64, k int, r *rand.Rand) {
	for off := 0; off < len(l); off += k {
		lse := special.LogSumExp(l[off : off+k])
		u, c := r.Float64(), 0.0
		j := 0
		for ; j < k-1; j++ {
			c += math.Exp(l[off+j] - lse)
			if u < c {
				break
			}
		}
		row[off+j] = 1
	}
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
