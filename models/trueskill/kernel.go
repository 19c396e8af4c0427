package trueskill

import (
	"fmt"
	"hash"
	"math"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// The fused likelihood kernel: one op per particle evaluates
//
//	Σ_g log P(r_g | d_g),  d_g = s[a_g] − s[b_g] (+ η),
//
// over all games with the host-side interval probabilities of
// [Config.LogLik] (normInterval, logisticInterval: stable far into the
// tails), and records the derivatives with respect to s, ε and η as it
// goes. Its gradient ops scale the recorded derivatives by the incoming
// gradient and, for s, have them already scattered into a P-vector. A
// particle's likelihood is then two graph instructions (forward, and one
// per differentiated input backward) instead of a dozen elementwise ops on
// G-vectors, each with its own allocation.
//
// The recorded derivatives belong to the op instance of one particle of one
// graph, written by its forward Do and read by its gradient ops, which take
// the forward output as an input so that the machine runs them after it.
// The gradient ops are not differentiable again.

// gameLik is the state of one fused kernel instance. With S = 0 it
// evaluates one particle: s is [P] and ε, η are scalars. With S > 0
// (svi.Config.Vectorize) it evaluates S particles at once: s is [S, P], ε
// and η are [S], and the output is the sum over the particles; the
// particles are spread over up to workers goroutines, each particle's sum
// computed alone and the S sums added in order, so the result does not
// depend on workers.
type gameLik struct {
	m          *Model
	eps, eta   bool        // whether ε and η are inputs after s
	S          int         // particles per evaluation; 0: one, unbatched
	workers    int         // goroutines sharing the particles (≤ 1: the caller's)
	ds         []float64   // ∂/∂s of the last evaluation, [max(S,1)·P]
	dEps, dEta []float64   // ∂/∂ε, ∂/∂η of the last evaluation, [max(S,1)]
	lp         []float64   // each particle's log-likelihood
	margin     []float64   // each particle's ε (Config.Margin when fixed)
	home       []float64   // each particle's η (0 without home advantage)
	scratch    [][]float64 // each worker's scratch for eval
	// f32 records that the last evaluation's inputs were float32
	// (svi.Float32): the kernel computes in float64 on the widened inputs
	// (wide) and rounds the sum and the gradients it returns.
	f32  bool
	wide [3][]float64
}

// particles returns the number of particles one evaluation covers.
func (k *gameLik) particles() int { return max(k.S, 1) }

// gameLikOp is the forward op: (s [, ε] [, η]) → Σ log P.
type gameLikOp struct {
	ops.PlainOp
	k *gameLik
}

// gameLikGradOp maps (output, ḡ) to ḡ·∂(Σ log P)/∂input for one input:
// which is 0 for s, 1 for ε, 2 for η.
type gameLikGradOp struct {
	ops.PlainOp
	k     *gameLik
	which int
	out   *ops.OutBuf
}

var (
	_ G.SDOp = gameLikOp{}
	_ G.Op   = gameLikGradOp{}
)

func (op gameLikOp) Arity() int {
	n := 1
	if op.k.eps {
		n++
	}
	if op.k.eta {
		n++
	}
	return n
}

// skillType and scalarType are the types of s and of ε, η.
func (k *gameLik) skillType() hm.Type {
	if k.S > 0 {
		return ops.FloatType(2)
	}
	return ops.FloatType(1)
}

func (k *gameLik) scalarType() hm.Type {
	if k.S > 0 {
		return ops.FloatType(1)
	}
	return ops.FloatType(0)
}

func (op gameLikOp) Type() hm.Type {
	ts := []hm.Type{op.k.skillType()}
	for range op.Arity() - 1 {
		ts = append(ts, op.k.scalarType())
	}
	return hm.NewFnType(append(ts, hm.TypeVariable('a'))...)
}

func (op gameLikOp) String() string {
	if op.k.S > 0 {
		return fmt.Sprintf("GameLogLik{%d players, %d particles}", len(op.k.m.players), op.k.S)
	}
	return fmt.Sprintf("GameLogLik{%d players}", len(op.k.m.players))
}
func (op gameLikOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/trueskill.GameLogLik(%p)", op.k)
}
func (op gameLikOp) Hashcode() uint32 { return ops.HashOf(op.WriteHash) }

func (op gameLikOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	k := op.k
	shapes, err := ops.InputShapes("GameLogLik", in, op.Arity())
	if err != nil {
		return nil, err
	}
	want := tensor.Shape{len(k.m.players)}
	if k.S > 0 {
		want = tensor.Shape{k.S, len(k.m.players)}
	}
	for i, s := range shapes {
		if i == 0 && !s.Eq(want) {
			return nil, fmt.Errorf("GameLogLik: skills have shape %v, want %v", s, want)
		}
		if i > 0 && s.TotalSize() != k.particles() {
			return nil, fmt.Errorf("GameLogLik: input %d has shape %v, want one value per particle (%d)", i, s, k.particles())
		}
	}
	return tensor.ScalarShape(), nil
}

func (op gameLikOp) Do(in ...G.Value) (G.Value, error) {
	k := op.k
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("GameLogLik takes %d inputs, got %d", op.Arity(), len(in))
	}
	n, P := k.particles(), len(k.m.players)
	k.f32 = in[0].Dtype() == tensor.Float32
	s, err := floatsN(in[0], n*P, &k.wide[0])
	if err != nil {
		return nil, fmt.Errorf("GameLogLik: skills: %w", err)
	}
	if k.lp == nil {
		k.ds = make([]float64, n*P)
		k.dEps, k.dEta = make([]float64, n), make([]float64, n)
		k.lp, k.margin, k.home = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	for i := range k.margin {
		k.margin[i] = k.m.cfg.Margin
	}
	next := 1
	for _, v := range []struct {
		on   bool
		to   []float64
		name string
	}{{k.eps, k.margin, "margin"}, {k.eta, k.home, "home advantage"}} {
		if !v.on {
			continue
		}
		x, err := floatsN(in[next], n, &k.wide[next])
		if err != nil {
			return nil, fmt.Errorf("GameLogLik: %s: %w", v.name, err)
		}
		copy(v.to, x)
		next++
	}
	w := max(min(k.workers, n), 1)
	if len(k.scratch) < w {
		k.scratch = make([][]float64, w)
		for j := range k.scratch {
			k.scratch[j] = make([]float64, 2*k.m.decisive())
		}
	}
	run := func(lo, hi int, scr []float64) {
		for i := lo; i < hi; i++ {
			c := k.m.cfg
			c.Margin = k.margin[i]
			k.lp[i], k.dEps[i], k.dEta[i] = k.eval(c, s[i*P:(i+1)*P], k.home[i], k.ds[i*P:(i+1)*P], scr)
		}
	}
	// The caller takes the first share itself.
	var wg sync.WaitGroup
	for j := 1; j < w; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(j*n/w, (j+1)*n/w, k.scratch[j])
		}()
	}
	run(0, n/w, k.scratch[0])
	wg.Wait()
	total := 0.0
	for _, v := range k.lp {
		total += v
	}
	if k.f32 {
		return G.NewF32(float32(total)), nil
	}
	return G.NewF64(total), nil
}

// floatsN returns the n elements of v (a scalar for n = 1) as float64s,
// widened into buf for a float32 v.
func floatsN(v G.Value, n int, buf *[]float64) ([]float64, error) {
	x, err := ops.Widen(v, buf)
	if err != nil {
		return nil, err
	}
	if len(x) != n {
		return nil, fmt.Errorf("%d values, want %d", len(x), n)
	}
	return x, nil
}

// eval returns one particle's Σ_g log P(r_g | d_g) under c (whose Margin is
// the particle's ε) with home advantage eta, stores ∂/∂s in ds and returns
// ∂/∂ε and ∂/∂η. scr is scratch of at least twice the decisive games.
func (k *gameLik) eval(c Config, s []float64, eta float64, ds, scr []float64) (lp, dEps, dEta float64) {
	clear(ds)
	inv := 1 / c.noiseScale()
	// Config.Validate admits only the two links.
	if k.m.dec != nil && c.Link == Logistic {
		lp, dEps, dEta = k.decisiveLogistic(c.Margin*inv, inv, s, eta, ds, scr)
	} else if k.m.dec != nil {
		lp, dEps, dEta = k.decisiveProbit(c, inv, s, eta, ds, scr)
	}
	if p := k.m.draw; p != nil {
		for g, a := range p.a {
			b := p.b[g]
			d := s[a] - s[b] + eta
			logZ, gt, _ := c.interval(Draw, d)
			lp += logZ
			gd := gt * inv
			ds[a] += gd
			ds[b] -= gd
			dEta += gd
			if k.eps {
				// Z = F(u) − F(l), u = (ε − d)/c, l = (−ε − d)/c:
				// ∂ log Z/∂ε = (f(u) + f(l))/(c·Z).
				u, l := (c.Margin-d)*inv, (-c.Margin-d)*inv
				dEps += (math.Exp(c.logPDF(u)-logZ) + math.Exp(c.logPDF(l)-logZ)) * inv
			}
		}
	}
	return lp, dEps, dEta
}

// decisiveLogistic is the decisive games' part of eval under the logistic
// link, with the margin and the noise's inverse scale given as epsZ = ε/c
// and inv = 1/c. It computes log σ(x) = min(x, 0) − log(1 + e^(−|x|)) and
// σ(−x) = (x ≥ 0 ? e^(−|x|) : 1)/(1 + e^(−|x|)) in two passes over the games,
// the exponentials first, then the logarithms: each loop's iterations are
// independent, so the processor overlaps them, where one pass with both
// functions waits on each exponential in turn (2.5× slower).
func (k *gameLik) decisiveLogistic(epsZ, inv float64, s []float64, eta float64, ds, scr []float64) (lp, dEps, dEta float64) {
	p, home := k.m.dec, k.m.decHome
	n := len(p.a)
	xs, es := scr[:n], scr[n:2*n]
	for g, a := range p.a {
		x := (s[a]-s[p.b[g]]+eta*home[g])*inv - epsZ
		xs[g] = x
		es[g] = math.Exp(-math.Abs(x))
	}
	for g, e := range es {
		x := xs[g]
		num := 1.0
		if x >= 0 {
			num = e
		}
		lp += min(x, 0) - special.Log1pUnit(e)
		gd := num / (1 + e) * inv // ∂/∂d; ∂/∂ε = −∂/∂d
		ds[p.a[g]] += gd
		ds[p.b[g]] -= gd
		dEta += gd * home[g]
		dEps -= gd
	}
	return lp, dEps, dEta
}

// decisiveProbit is the decisive games' part of eval under the probit
// link (see decisiveLogistic). For x ≥ special.MillsFractionBelow it computes Φ(x) =
// erfc(−x/√2)/2 and e^(−x²/2) in a first pass over the games (independent
// iterations, which the processor overlaps), then log Φ(x) and the slope
// φ(x)/Φ(x) in a second. log Φ is then accurate to an ulp of 1, not to its
// own ulp when Φ is near 1, which is what a sum of ~10³ log-probabilities
// can hold anyway; the slope keeps full relative precision. Below
// that (rare: a decisive upset by 2.5 noise scales) it uses
// probitTail's continued fraction.
func (k *gameLik) decisiveProbit(c Config, inv float64, s []float64, eta float64, ds, scr []float64) (lp, dEps, dEta float64) {
	const invSqrt2Pi = 0.3989422804014326779399460599343818684758586311649
	p, home := k.m.dec, k.m.decHome
	n := len(p.a)
	xs, qs := scr[:n], scr[n:2*n]
	epsZ := c.Margin * inv
	for g, a := range p.a {
		x := (s[a]-s[p.b[g]]+eta*home[g])*inv - epsZ
		xs[g] = x
		qs[g] = 0.5 * math.Erfc(-x*(1/math.Sqrt2))
	}
	for g, x := range xs {
		// φ(x)·√(2π), computed here: the first pass's erfc already has two
		// exponentials in flight per game.
		qs[g], xs[g] = math.Exp(-0.5*x*x), qs[g]
	}
	// Now xs holds Φ(x) and qs holds e^(−x²/2).
	for g, a := range p.a {
		phi := xs[g]
		var logZ, slope float64
		if phi >= minPhiFast {
			logZ = math.Log(phi)
			slope = invSqrt2Pi * qs[g] / phi
		} else {
			logZ, slope = probitTail((s[a]-s[p.b[g]]+eta*home[g])*inv - epsZ)
		}
		lp += logZ
		gd := slope * inv // ∂/∂d; ∂/∂ε = −∂/∂d
		ds[a] += gd
		ds[p.b[g]] -= gd
		dEta += gd * home[g]
		dEps -= gd
	}
	return lp, dEps, dEta
}

// minPhiFast is Φ(special.MillsFractionBelow): below it decisiveProbit uses the
// continued fraction.
var minPhiFast = 0.5 * math.Erfc(-special.MillsFractionBelow/math.Sqrt2)

// probitTail returns log Φ(x) and the inverse Mills ratio φ(x)/Φ(x) for
// x below special.MillsFractionBelow, each to full relative precision (the ratio from the
// continued fraction, u + G(u) with u = −x).
func probitTail(x float64) (logF, slope float64) {
	lambda, _ := special.InvMillsSum(x)
	return special.LogNormCDF(x), lambda
}

// logPDF returns the log-density of the standardized noise at x.
func (c Config) logPDF(x float64) float64 {
	if c.Link == Logistic {
		return special.LogSigmoid(x) + special.LogSigmoid(-x)
	}
	return special.NormLogPDF(x)
}

func (op gameLikOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff returns, for each input, the gradient op reading the derivatives
// recorded by the forward evaluation.
func (op gameLikOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	which := []int{0}
	if op.k.eps {
		which = append(which, 1)
	}
	if op.k.eta {
		which = append(which, 2)
	}
	if err := ops.CheckArity("trueskill: GameLogLik", len(inputs), len(which)); err != nil {
		return nil, err
	}
	return ops.GradNodes("trueskill: GameLogLik", op.DiffWRT(len(inputs)), func(i int) G.Op {
		return gameLikGradOp{k: op.k, which: which[i], out: new(ops.OutBuf)}
	}, output, grad)
}

func (op gameLikGradOp) Arity() int { return 2 }
func (op gameLikGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.which == 0 {
		return hm.NewFnType(a, a, op.k.skillType())
	}
	return hm.NewFnType(a, a, op.k.scalarType())
}
func (op gameLikGradOp) String() string {
	return fmt.Sprintf("GameLogLikGrad{%s}", []string{"skill", "margin", "home"}[op.which])
}
func (op gameLikGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/trueskill.GameLogLikGrad(%p,%d)", op.k, op.which)
}
func (op gameLikGradOp) Hashcode() uint32 { return ops.HashOf(op.WriteHash) }

// shape returns the shape of the gradient with respect to the input.
func (op gameLikGradOp) shape() tensor.Shape {
	k := op.k
	switch {
	case op.which == 0 && k.S > 0:
		return tensor.Shape{k.S, len(k.m.players)}
	case op.which == 0:
		return tensor.Shape{len(k.m.players)}
	case k.S > 0:
		return tensor.Shape{k.S}
	}
	return tensor.ScalarShape()
}

func (op gameLikGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("GameLogLikGrad takes 2 inputs, got %d", len(in))
	}
	return op.shape(), nil
}

func (op gameLikGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("GameLogLikGrad takes 2 inputs, got %d", len(in))
	}
	gbar, err := ops.Scalar(in[1])
	if err != nil {
		return nil, fmt.Errorf("GameLogLikGrad: %w", err)
	}
	k := op.k
	src := k.ds
	switch op.which {
	case 1:
		src = k.dEps
	case 2:
		src = k.dEta
	}
	shape := op.shape()
	if shape.IsScalar() && k.f32 {
		return G.NewF32(float32(gbar * src[0])), nil
	}
	if shape.IsScalar() {
		return G.NewF64(gbar * src[0]), nil
	}
	if k.f32 {
		out, x := op.out.Get32(false, shape...)
		for i, v := range src {
			x[i] = float32(gbar * v)
		}
		return out, nil
	}
	out, x := op.out.Get(false, shape...)
	for i, v := range src {
		x[i] = gbar * v
	}
	return out, nil
}
