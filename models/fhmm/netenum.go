package fhmm

import (
	"context"
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// NetEstimator is the objective and gradient [TrainNet] trains the
// network with.
type NetEstimator int

const (
	// NetClosed maximises the closed-form ELBO of the network's marginals
	// (one custom operation with a hand-written gradient).
	NetClosed NetEstimator = iota
	// NetEnum declares the states s_t⁽ᵐ⁾ as svi Categorical sites in a
	// plate over time, drawn by guides.AmortizedDiscrete, and trains with
	// svi.EnumELBO: each time step's L^M joint states are summed out
	// exactly in the graph (see enumProgram). The same objective as
	// NetClosed, with the same value and gradient.
	NetEnum
	// NetScore is NetEnum's model trained with svi.ScoreELBO (the
	// leave-one-out baseline over Particles draws): unbiased, not exact.
	NetScore
)

// String returns closed, enum or score.
func (e NetEstimator) String() string {
	switch e {
	case NetClosed:
		return "closed"
	case NetEnum:
		return "enum"
	case NetScore:
		return "score"
	}
	return fmt.Sprintf("NetEstimator(%d)", int(e))
}

// ParseNetEstimator parses closed, enum or score.
func ParseNetEstimator(s string) (NetEstimator, error) {
	for _, e := range []NetEstimator{NetClosed, NetEnum, NetScore} {
		if e.String() == s {
			return e, nil
		}
	}
	return 0, fmt.Errorf("fhmm: unknown network estimator %q (want closed, enum or score)", s)
}

// enumProgram is the factorial HMM as an svi model for the network's
// discrete estimators. The plate is the T time steps; chain m's state is
// the Categorical site "s<m>" ([T, L], one-hot rows) with a uniform prior,
// and the log-joint's terms are row terms:
//
//	row t:  c₀ − ½‖z_t − Σ_m V⁽ᵐ⁾s_t⁽ᵐ⁾‖² + Σ_m s_t⁽ᵐ⁾ᵀ f_t⁽ᵐ⁾ + M log L
//
// (z = L⁻¹y, V⁽ᵐ⁾ = L⁻¹W⁽ᵐ⁾; M log L cancels the uniform priors), with
// f_1⁽ᵐ⁾ = log π⁽ᵐ⁾ and f_t⁽ᵐ⁾ = (log P⁽ᵐ⁾)ᵀθ_{t−1}⁽ᵐ⁾ for t > 1, θ_{t−1}⁽ᵐ⁾
// being q's marginal of the step before (M.Marginal). The transition
// couples neighbouring rows, which the row-by-row enumeration cannot
// sum over jointly; under a q that factorizes over time, as the
// network's does, E_q[log P⁽ᵐ⁾(s_{t−1}, s_t)] = E_{q_t}[s_tᵀ(log P⁽ᵐ⁾)ᵀθ_{t−1}],
// so the sum over s_{t−1} is taken in closed form inside row t's term,
// which stays differentiable in θ_{t−1}. Enumerating each row's L^M joint
// states then gives the closed-form ELBO exactly, value and gradient; the
// chains' coupling through the emission at one time step is enumerated.
type enumProgram struct {
	md   *model
	t, f int // time steps, window features per step
}

// Build declares the sites and the row terms.
func (ep *enumProgram) Build(m *svi.M) error {
	md := ep.md
	T, L := ep.t, md.l
	rows := m.Plate(T)
	rep := rows / T
	s := make([]*G.Node, md.m)
	for c := range s {
		s[c] = m.Sample(chainSite(c), dist.Categorical{Logits: m.Array(make([]float64, L), L)}, rows, L)
	}
	z := m.Data("z", rows, md.d)
	var mean *G.Node
	for c := range s {
		v := make([]float64, 0, L*md.d)
		for _, row := range md.v[c] {
			v = append(v, row...)
		}
		mv := m.MatMul(s[c], m.Array(v, L, md.d))
		if mean == nil {
			mean = mv
		} else {
			mean = m.Add(mean, mv)
		}
	}
	r := m.Sub(z, mean)
	m.Factor("emission", m.Mul(m.Square(r), m.Const(-0.5)))
	k := make([]float64, rows)
	for i := range k {
		k[i] = md.c0 + float64(md.m)*math.Log(float64(L))
	}
	m.Factor("constants", m.Array(k, rows))
	for c := range s {
		f := ep.chainTerm(m, c)
		if rep > 1 {
			f = m.Apply("TileRows", func(x *G.Node) (*G.Node, error) { return ops.TileRows(x, rep) }, f)
		}
		m.Factor(fmt.Sprintf("chain%d", c), m.Mul(s[c], f))
	}
	return m.Err()
}

// chainTerm returns f⁽ᶜ⁾ ([T, L]): row 1 log π⁽ᶜ⁾, row t > 1
// (log P⁽ᶜ⁾)ᵀθ_{t−1}⁽ᶜ⁾ with θ q's marginals (zeros while tracing).
func (ep *enumProgram) chainTerm(m *svi.M, c int) *G.Node {
	md := ep.md
	T, L := ep.t, md.l
	var theta *G.Node
	if m.Tracing() {
		theta = m.Array(make([]float64, T*L), T, L)
	} else {
		q, ok := m.Marginal(chainSite(c)).(dist.Categorical)
		if !ok {
			m.Fail(fmt.Errorf("fhmm: the network's model needs the guide's Categorical marginal of %q (a fully factorized guide such as guides.AmortizedDiscrete), got %T", chainSite(c), m.Marginal(chainSite(c))))
			return nil
		}
		lse := m.Apply("LogSumExp", func(x *G.Node) (*G.Node, error) { return ops.LogSumExp(x, -1) }, q.Logits)
		theta = m.Exp(m.Sub(q.Logits, m.Reshape(lse, T, 1)))
	}
	shift := make([]float64, T*T) // row t picks θ_{t−1}
	for t := 1; t < T; t++ {
		shift[t*T+t-1] = 1
	}
	logP := make([]float64, 0, L*L)
	for _, row := range md.logP[c] {
		logP = append(logP, row...)
	}
	init := make([]float64, T*L)
	copy(init, md.logPi[c])
	prev := m.MatMul(m.Array(shift, T, T), theta)
	return m.Add(m.MatMul(prev, m.Array(logP, L, L)), m.Array(init, T, L))
}

func chainSite(c int) string { return fmt.Sprintf("s%d", c) }

// enumModel validates p for the discrete estimators: besides
// factorizedModel's refusals, no π⁽ᵐ⁾_l may be 0 (the closed form masks
// such states out of q at t = 1; the enumerated sum would meet 0·(−∞)).
func enumModel(p Params) (*model, error) {
	md, err := factorizedModel(p)
	if err != nil {
		return nil, err
	}
	for c, pi := range p.Pi {
		for l, v := range pi {
			if v == 0 {
				return nil, fmt.Errorf("fhmm: the enum and score network estimators need every initial probability positive, Params.Pi[%d][%d] = 0 (train with the closed estimator)", c, l)
			}
		}
	}
	return md, nil
}

// discreteNet is TrainNet's svi trainer for NetEnum and NetScore: the
// model enumProgram, the guide guides.AmortizedDiscrete with the Net's
// architecture (one tanh layer of H units over the window features) and
// its batch.
type discreteNet struct {
	prog  *enumProgram
	guide guides.AmortizedDiscrete
	batch svi.Batch
	sites []string
}

// newDiscreteNet builds the trainer of np's network under the estimator
// of set, with its particles (score), Adam at its learning rate and its
// dtype.
func newDiscreteNet(np *netProgram, set NetSettings) (*discreteNet, *svi.Trainer, error) {
	t, f, _ := np.dims()
	dn := &discreteNet{prog: &enumProgram{md: np.md, t: t, f: f},
		guide: guides.AmortizedDiscrete{Input: "x", Dim: f, Hidden: []int{np.h}, Activation: ops.Tanh}}
	for c := range np.md.m {
		dn.sites = append(dn.sites, chainSite(c))
	}
	zf := make([]float64, 0, t*np.md.d)
	for _, row := range np.z {
		zf = append(zf, row...)
	}
	dn.batch = svi.Batch{"x": np.x, "z": zf}
	cfg := svi.Config{Estimator: svi.EnumELBO, Optimizer: svi.Adam{LearnRate: set.LearnRate}, DType: set.DType}
	if set.Estimator == NetScore {
		cfg.Estimator, cfg.Particles, cfg.Baseline = svi.ScoreELBO, set.Particles, svi.BaselineLOO
	}
	tr, err := svi.New(dn.prog, dn.guide, cfg)
	if err != nil {
		return nil, nil, err
	}
	return dn, tr, tr.Feed(dn.batch)
}

// names returns the svi parameter names of the trunk's and chain c's
// head's weights and biases.
func (dn *discreteNet) names(c int) (w1, b1, w2, b2 string) {
	trunk := "guides/"
	for i, s := range dn.sites {
		if i > 0 {
			trunk += "+"
		}
		trunk += s
	}
	return trunk + "/enc/w0", trunk + "/enc/b0", "guides/" + dn.sites[c] + "/logits/w", "guides/" + dn.sites[c] + "/logits/b"
}

// net reads the network out of the svi parameters: the trunk is W₁, b₁
// and chain c's head is W₂'s and b₂'s block of columns c·L … c·L+L−1.
func (dn *discreteNet) net(ps *svi.Params, w, h int) (*Net, error) {
	md := dn.prog.md
	k := md.m * md.l
	n := &Net{Window: w, Hidden: h, M: md.m, L: md.l, D: md.d, W2: make([]float64, h*k), B2: make([]float64, k)}
	for c := range md.m {
		w1, b1, w2, b2 := dn.names(c)
		vw1, ok1 := ps.Get(w1)
		vb1, ok2 := ps.Get(b1)
		vw2, ok3 := ps.Get(w2)
		vb2, ok4 := ps.Get(b2)
		if !ok1 || !ok2 || !ok3 || !ok4 || len(vw2) != h*md.l {
			return nil, fmt.Errorf("fhmm: TrainNet: the guide has no network parameters %q", w2)
		}
		n.W1, n.B1 = append([]float64(nil), vw1...), append([]float64(nil), vb1...)
		for j := range h {
			copy(n.W2[j*k+c*md.l:j*k+(c+1)*md.l], vw2[j*md.l:(j+1)*md.l])
		}
		copy(n.B2[c*md.l:(c+1)*md.l], vb2)
	}
	return n, nil
}

// setNet writes the weights of n into ps (the inverse of net).
func (dn *discreteNet) setNet(ps *svi.Params, n *Net) error {
	md := dn.prog.md
	k := md.m * md.l
	for c := range md.m {
		w1, b1, w2, b2 := dn.names(c)
		head := make([]float64, n.Hidden*md.l)
		for j := range n.Hidden {
			copy(head[j*md.l:(j+1)*md.l], n.W2[j*k+c*md.l:j*k+(c+1)*md.l])
		}
		for _, kv := range []struct {
			name string
			v    []float64
		}{{w1, n.W1}, {b1, n.B1}, {w2, head}, {b2, n.B2[c*md.l : (c+1)*md.l]}} {
			dst, ok := ps.Get(kv.name)
			if !ok || len(dst) != len(kv.v) {
				return fmt.Errorf("fhmm: no parameter %q of %d values", kv.name, len(kv.v))
			}
			copy(dst, kv.v)
		}
	}
	return nil
}

// trainDiscrete runs one start of TrainNet with NetEnum or NetScore: the
// weights start as NetClosed's start does (np.init), then Adam steps on the
// svi estimator's loss. The result is scored by the closed form, as
// NetClosed's.
func (np *netProgram) trainDiscrete(ctx context.Context, set NetSettings, start uint64) (*NetFit, error) {
	dn, tr, err := newDiscreteNet(np, set)
	if err != nil {
		return nil, err
	}
	st, err := tr.Init(set.Seed + start)
	if err != nil {
		return nil, err
	}
	init := np.init(set.Seed, start)
	if err := dn.setNet(st.Params, &Net{Window: np.w, Hidden: np.h, M: np.md.m, L: np.md.l, D: np.md.d,
		W1: init[netW1], B1: init[netB1], W2: init[netW2], B2: init[netB2]}); err != nil {
		return nil, err
	}
	b := dn.batch
	res, err := svi.Run(ctx, tr, st, func() (svi.Batch, error) { return b, nil }, &svi.Settings{Steps: set.Steps})
	if err != nil {
		return nil, err
	}
	net, err := dn.net(st.Params, np.w, np.h)
	if err != nil {
		return nil, err
	}
	return np.fitOf(net, res.Losses, start), nil
}
