package trueskill

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// The latent sites of [Model].
const (
	SiteSkill  = "skill"  // the players' skills s, shape [players]
	SiteMargin = "margin" // the draw margin ε > 0 (with Options.LearnMargin), a scalar
	SiteHome   = "home"   // the home advantage η (with Options.HomeAdvantage), a scalar
)

// Options are the choices of [Model] beyond [Config]. The zero value fixes
// the margin at Config.Margin, has no home advantage and gathers skills with
// GatherPairs.
type Options struct {
	// LearnMargin makes the draw margin a latent site, ε ~ HalfNormal(MarginScale)
	// (site SiteMargin; guides see log ε), instead of the fixed Config.Margin.
	LearnMargin bool
	// MarginScale is the scale of ε's half-normal prior; 0 means Config.Beta.
	MarginScale float64
	// HomeAdvantage adds a latent η ~ N(0, HomeScale²) (site SiteHome) to
	// every game's skill difference, d = s_P1 − s_P2 + η: P1 is the home side.
	HomeAdvantage bool
	// HomeScale is the scale of η's prior; 0 means Config.Sigma0.
	HomeScale float64
	// Composed builds the likelihood from elementwise graph ops (a gather
	// per game group, then ops.LogNormCDF or ops.LogSigmoid, and
	// ops.Log1mExp for draws) instead of the fused kernel, one op per
	// particle over all games (see Model). Both give the same log joint and
	// gradient; the fused kernel is 1.2–2× faster per step (REFERENCES.md §11)
	// and the default.
	Composed bool
	// Gather selects how the composed likelihood forms the skill
	// differences (see Gather); the fused kernel gathers in its own loop.
	Gather Gather
	// Workers is the number of goroutines the fused kernel spreads the
	// particles over when the model is vectorized (svi.Config.Vectorize,
	// where one kernel evaluates all S particles); 0 means GOMAXPROCS.
	// Each particle's sum is computed alone and the sums are added in
	// order, so the numbers do not depend on it.
	Workers int
}

// Model is the TrueSkill model of a data set as an svi.Model: skills
//
//	s ~ N(μ₀, σ₀² I)                                   (site "skill", shape [P])
//
// and, for each game g between P1 and P2 with d_g = s_P1 − s_P2 (+ η), the
// log-probability of its result under the link of [Config] (see the package
// documentation), in a form that stays finite far into the tails:
//
//	win  (P1 wins):  log F((d − ε)/c)             games are turned so that
//	loss (P2 wins):  log F((−d − ε)/c)            the winner comes first
//	draw:            log F(h) + log(1 − e^{log F(l) − log F(h)}),
//	                 h = (ε − |d|)/c, l = (−ε − |d|)/c
//
// with F = Φ and c = √2β (probit; ops.LogNormCDF) or F = σ and c = β
// (logistic; ops.LogSigmoid), and the last term by ops.Log1mExp. The draw
// probability F(h) − F(l) is even in d, so it is evaluated at |d|, where F(l)
// ≤ ½ and no two probabilities near 1 are subtracted.
//
// By default one fused op per particle evaluates the sum over all games
// with the host-side interval probabilities of [Config.LogLik] and records
// the derivatives with respect to s, ε and η in the same pass; its gradient
// op returns them, already scattered into a vector over the players. With
// Options.Composed the sum is built from elementwise graph ops as written
// above, the games grouped into decisive games and draws and each group's
// differences formed by one gather op per particle (Options.Gather). Either
// way a step costs O(players + games), not O(players × games).
//
// Build it with [NewModel]. A Model is immutable and safe for concurrent use
// by several trainers.
type Model struct {
	cfg     Config
	opt     Options
	players []string
	games   []Game
	dec     *pairs    // decisive games, winner first
	decHome []float64 // +1 when a decisive game's winner is its P1 (the home side), −1 otherwise
	draw    *pairs    // draws, P1 first
}

var _ svi.Model = (*Model)(nil)

// NewModel returns the model of ds under c and o. It checks c and o and, when
// the margin is fixed, that ds holds no draw when the margin is 0.
func NewModel(ds *Dataset, c Config, o Options) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if ds == nil || len(ds.Games) == 0 {
		return nil, ErrNoGames
	}
	if !o.LearnMargin {
		if err := c.checkData(ds); err != nil {
			return nil, err
		}
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"MarginScale", o.MarginScale}, {"HomeScale", o.HomeScale}} {
		if !(v.x >= 0) || math.IsInf(v.x, 0) {
			return nil, fmt.Errorf("trueskill: Options.%s = %v, want a finite value ≥ 0 (0: default)", v.name, v.x)
		}
	}
	if o.Workers < 0 {
		return nil, fmt.Errorf("trueskill: Options.Workers = %d, want ≥ 0 (0: GOMAXPROCS)", o.Workers)
	}
	if o.Gather != GatherPairs && o.Gather != GatherRows {
		return nil, fmt.Errorf("trueskill: unknown %v", o.Gather)
	}
	n := len(ds.Players)
	m := &Model{cfg: c, opt: o, players: append([]string(nil), ds.Players...), games: append([]Game(nil), ds.Games...)}
	dec := &pairs{n: n}
	draw := &pairs{n: n}
	for g, gm := range ds.Games {
		if gm.P1 < 0 || gm.P1 >= n || gm.P2 < 0 || gm.P2 >= n || gm.P1 == gm.P2 {
			return nil, fmt.Errorf("trueskill: game %d: invalid players (%d, %d) of %d", g, gm.P1, gm.P2, n)
		}
		switch gm.Result {
		case Win:
			dec.a, dec.b = append(dec.a, gm.P1), append(dec.b, gm.P2)
			m.decHome = append(m.decHome, 1)
		case Loss:
			dec.a, dec.b = append(dec.a, gm.P2), append(dec.b, gm.P1)
			m.decHome = append(m.decHome, -1)
		case Draw:
			draw.a, draw.b = append(draw.a, gm.P1), append(draw.b, gm.P2)
		default:
			return nil, fmt.Errorf("trueskill: game %d: invalid %v", g, gm.Result)
		}
	}
	if len(dec.a) > 0 {
		m.dec = dec
	}
	if len(draw.a) > 0 {
		m.draw = draw
	}
	return m, nil
}

// decisive returns the number of decisive games.
func (m *Model) decisive() int {
	if m.dec == nil {
		return 0
	}
	return len(m.dec.a)
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Options returns the model's options.
func (m *Model) Options() Options { return m.opt }

// Players returns the player names, in the order of the skill site.
func (m *Model) Players() []string { return append([]string(nil), m.players...) }

func (m *Model) marginScale() float64 {
	if m.opt.MarginScale == 0 {
		return m.cfg.Beta
	}
	return m.opt.MarginScale
}

func (m *Model) homeScale() float64 {
	if m.opt.HomeScale == 0 {
		return m.cfg.Sigma0
	}
	return m.opt.HomeScale
}

// InitLoc returns starting locations for a guide (unconstrained values by
// site name, as guides.MeanField.InitLoc takes them): the skills at the
// mode of their posterior (the Laplace approximation's centre, with a
// learned margin held at its starting value and no home advantage), a
// learned margin at the value ε₀ that gives two equal players the observed
// draw rate r, F(ε₀/c) − F(−ε₀/c) = r (log ε₀, as the guide sees it; ε₀ =
// 0.1·c when there are no draws), and η at 0. Starting at the mode shortens
// a fit several-fold; the objective is unchanged.
func (m *Model) InitLoc() (map[string][]float64, error) {
	c := m.cfg
	out := map[string][]float64{}
	if m.opt.LearnMargin {
		ds := &Dataset{Players: m.players, Games: m.games}
		_, draws, _ := ds.Counts()
		r := float64(draws) / float64(len(m.games))
		sc := c.noiseScale()
		eps := 0.1 * sc
		if r > 0 && r < 1 {
			// F(x) − F(−x) = r  ⇔  x = F⁻¹((1 + r)/2).
			q := (1 + r) / 2
			if c.Link == Probit {
				eps = sc * -math.Sqrt2 * math.Erfcinv(2*q)
			} else {
				eps = sc * math.Log(q/(1-q))
			}
		}
		c.Margin = eps
		out[SiteMargin] = []float64{math.Log(eps)}
	}
	if m.opt.HomeAdvantage {
		out[SiteHome] = []float64{0}
	}
	ds := &Dataset{Players: m.players, Games: m.games}
	la, err := Laplace(ds, c, nil)
	if err != nil {
		return nil, fmt.Errorf("trueskill: InitLoc: %w", err)
	}
	out[SiteSkill] = la.Mean
	return out, nil
}

// Vectorizes reports whether Build handles svi.Config.Vectorize (all
// particles in one fused kernel): with the fused likelihood, not with
// Options.Composed.
func (m *Model) Vectorizes() bool { return !m.opt.Composed }

// Build declares the sites and adds the games' log-likelihood.
func (m *Model) Build(mm *svi.M) error {
	g := mm.Graph()
	prior, err := dist.NewNormal(g, m.cfg.Mu0, m.cfg.Sigma0)
	if err != nil {
		return fmt.Errorf("trueskill: %w", err)
	}
	s := mm.Sample(SiteSkill, prior, len(m.players))
	var eps, eta *G.Node
	if m.opt.LearnMargin {
		hp, err := dist.NewHalfNormal(g, m.marginScale())
		if err != nil {
			return fmt.Errorf("trueskill: %w", err)
		}
		eps = mm.Sample(SiteMargin, hp)
	}
	if m.opt.HomeAdvantage {
		np, err := dist.NewNormal(g, 0, m.homeScale())
		if err != nil {
			return fmt.Errorf("trueskill: %w", err)
		}
		eta = mm.Sample(SiteHome, np)
	}
	if err := mm.Err(); err != nil {
		return err
	}
	if mm.Particles() > 0 && m.opt.Composed {
		return mm.Fail(errors.New("trueskill: svi.Config.Vectorize needs the fused likelihood, not Options.Composed"))
	}
	if !m.opt.Composed {
		return m.buildFused(mm, s, eps, eta)
	}
	return m.buildComposed(mm, s, eps, eta)
}

// buildFused adds the games' log-likelihood as one fused op over all
// particles' skills s, margin eps and home advantage eta (nil when not
// learned).
func (m *Model) buildFused(mm *svi.M, s, eps, eta *G.Node) error {
	workers := m.opt.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	k := &gameLik{m: m, eps: eps != nil, eta: eta != nil, S: mm.Particles(), workers: workers}
	in := G.Nodes{s}
	if eps != nil {
		in = append(in, eps)
	}
	if eta != nil {
		in = append(in, eta)
	}
	lp, err := G.ApplyOp(gameLikOp{k: k}, in...)
	if err != nil {
		return fmt.Errorf("trueskill: games: %w", err)
	}
	mm.Factor("games", lp)
	return mm.Err()
}

// buildComposed adds the games' log-likelihood built from elementwise
// graph ops (Options.Composed).
func (m *Model) buildComposed(mm *svi.M, s, eps, eta *G.Node) error {
	g := mm.Graph()
	b := graph.New(g)
	inv := 1 / m.cfg.noiseScale()
	scale := func(x *G.Node) *G.Node {
		if inv == 1 {
			return x
		}
		return b.Mul(x, b.Const(inv))
	}
	// The margin in units of the noise scale: a node, a constant, or none.
	var epsZ *G.Node
	switch {
	case eps != nil:
		epsZ = scale(eps)
	case m.cfg.Margin > 0:
		epsZ = b.Const(m.cfg.Margin * inv)
	}
	logF := ops.LogNormCDF
	if m.cfg.Link == Logistic {
		logF = ops.LogSigmoid
	}
	if m.dec != nil {
		d := m.dec.diff(b, s, m.opt.Gather)
		if eta != nil {
			d = b.Add(d, b.Mul(vecConst(g, m.decHome, "trueskill/home"), eta))
		}
		z := scale(d)
		if epsZ != nil {
			z = b.Sub(z, epsZ)
		}
		if err := b.Err(); err != nil {
			return fmt.Errorf("trueskill: decisive games: %w", err)
		}
		mm.Factor("decisive games", b.Apply("log F", logF, z))
	}
	if m.draw != nil {
		d := m.draw.diff(b, s, m.opt.Gather)
		if eta != nil {
			d = b.Add(d, eta)
		}
		a := scale(b.Abs(d))
		hi := b.Sub(epsZ, a)        // (ε − |d|)/c
		lo := b.Neg(b.Add(epsZ, a)) // (−ε − |d|)/c
		lhi := b.Apply("log F", logF, hi)
		llo := b.Apply("log F", logF, lo)
		lp := b.Add(lhi, b.Apply("Log1mExp", ops.Log1mExp, b.Sub(llo, lhi)))
		if err := b.Err(); err != nil {
			return fmt.Errorf("trueskill: draws: %w", err)
		}
		mm.Factor("draws", lp)
	}
	return mm.Err()
}

// vecConst returns the constant vector v, of g's dtype.
func vecConst(g *G.ExprGraph, v []float64, name string) *G.Node {
	return graph.Tensor(g, name, append([]float64(nil), v...), len(v))
}
