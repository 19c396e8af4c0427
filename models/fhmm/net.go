package fhmm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// NetSettings controls [TrainNet]. The zero value is valid and selects the
// documented defaults.
type NetSettings struct {
	// Window is w ≥ 0: the network sees y_{t−w}, …, y_{t+w}; the zero
	// value means y_t alone (train fhmm defaults to w = 2).
	Window int
	// Hidden is the width H of the tanh hidden layer; 0 means 32.
	Hidden int
	// Steps is the number of Adam steps; 0 means 3000.
	Steps int
	// LearnRate is Adam's step size; 0 means 0.01.
	LearnRate float64
	// Starts is the number of seeded initialisations, the best final ELBO
	// kept; 0 means 1. Training ends in poorer local optima from some
	// starts (RESULTS.md), so a few starts pay.
	Starts int
	// Seed seeds the starts: start i draws Glorot-uniform initial weights
	// from rand.New(rand.NewPCG(Seed, i)) (the biases start at 0).
	Seed uint64
	// Estimator is the objective's estimator: NetClosed (the zero value),
	// NetEnum or NetScore (see NetEstimator).
	Estimator NetEstimator
	// Particles is S of NetScore; 0 means 8.
	Particles int
	// DType is the training graph's dtype (svi.Config.DType): Float64, the
	// zero value, or Float32 with any of the three estimators. The
	// network's weights stay float64 (svi's master copy), and NetFit's
	// ELBO and marginals are computed on the host in float64.
	DType svi.DType
}

func (s NetSettings) withDefaults() (NetSettings, error) {
	switch {
	case s.Window < 0:
		return s, fmt.Errorf("fhmm: NetSettings.Window = %d is negative", s.Window)
	case s.Hidden < 0:
		return s, fmt.Errorf("fhmm: NetSettings.Hidden = %d is negative", s.Hidden)
	case s.Starts < 0:
		return s, fmt.Errorf("fhmm: NetSettings.Starts = %d is negative", s.Starts)
	case s.Steps < 0:
		return s, fmt.Errorf("fhmm: NetSettings.Steps = %d is negative", s.Steps)
	case !(s.LearnRate >= 0) || math.IsInf(s.LearnRate, 1):
		return s, fmt.Errorf("fhmm: NetSettings.LearnRate = %v, must be a finite non-negative number", s.LearnRate)
	case s.Estimator < NetClosed || s.Estimator > NetScore:
		return s, fmt.Errorf("fhmm: NetSettings.Estimator = %v, want NetClosed, NetEnum or NetScore", s.Estimator)
	case s.Particles < 0 || s.Particles == 1 && s.Estimator == NetScore:
		return s, fmt.Errorf("fhmm: NetSettings.Particles = %d, want 0 (8) or at least 2 (the leave-one-out baseline)", s.Particles)
	}
	if s.Particles == 0 {
		s.Particles = 8
	}
	if s.Starts == 0 {
		s.Starts = 1
	}
	if s.Hidden == 0 {
		s.Hidden = 32
	}
	if s.Steps == 0 {
		s.Steps = 3000
	}
	if s.LearnRate == 0 {
		s.LearnRate = 0.01
	}
	return s, nil
}

// Net is a trained inference network for a factorial HMM: for every t,
//
//	h_t = tanh(x_t W₁ + b₁),   a_t = h_t W₂ + b₂,   q(s_t⁽ᵐ⁾ = l | y) = softmax(a_t⁽ᵐ⁾)_l,
//
// where x_t = (z_{t−w}, …, z_{t+w}) stacks the whitened observations z =
// L⁻¹y (C = LLᵀ) of a window of 2w + 1 steps, zero-padded beyond either
// end, and a_t⁽ᵐ⁾ is chain m's block of L logits. The weights are shared
// over t, so one Net maps any sequence to its marginals. At t = 1 the
// softmax leaves out the states with π⁽ᵐ⁾_l = 0 (their q is 0).
type Net struct {
	Window, Hidden int
	M, L, D        int
	W1             []float64 // (2w+1)·D × H, row-major
	B1             []float64 // H
	W2             []float64 // H × M·L, row-major
	B2             []float64 // M·L
}

// NetFit is the result of [TrainNet].
type NetFit struct {
	Net *Net
	// Marginals holds the network's q(s_t⁽ᵐ⁾ = l | y) for the training
	// sequence, T×M×L.
	Marginals [][][]float64
	// ELBO is the closed-form ELBO of Marginals (as [FactorizedELBO]).
	ELBO float64
	// Trace holds the ELBO before each Adam step of the best start.
	Trace []float64
	// StartELBO holds every start's final ELBO; Start is the best's index.
	StartELBO []float64
	Start     int
}

// TrainNet fits an inference network ([Net]) to the sequence y under the
// fixed parameters p by maximising the closed-form ELBO of its fully
// factorised q (the function [Factorized] maximises) over the weights with
// Adam, through svi: the weights are sites with a flat prior and a
// point-mass guide (guides.Delta), and the ELBO enters the model as one
// factor (M.Factor), so the svi loss is exactly −ELBO. The network is a
// gorgonia graph (ops.Dense layers) and the ELBO one custom operation with
// a hand-written gradient with respect to the logits. It refuses a zero
// transition probability with [ErrZeroTransition].
func TrainNet(ctx context.Context, p Params, y [][]float64, set NetSettings) (*NetFit, error) {
	check := factorizedModel
	if set.Estimator != NetClosed {
		check = enumModel
	}
	md, err := check(p)
	if err != nil {
		return nil, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return nil, err
	}
	if set, err = set.withDefaults(); err != nil {
		return nil, err
	}
	prog := &netProgram{md: md, z: z, w: set.Window, h: set.Hidden}
	prog.x = windows(z, set.Window)
	var best *NetFit
	var starts []float64
	for i := 0; i < set.Starts; i++ {
		fit, err := prog.train(ctx, set, uint64(i))
		if err != nil {
			return nil, fmt.Errorf("fhmm: TrainNet: start %d: %w", i, err)
		}
		starts = append(starts, fit.ELBO)
		if best == nil || fit.ELBO > best.ELBO {
			best = fit
		}
	}
	best.StartELBO = starts
	return best, nil
}

// train runs one start of TrainNet.
func (np *netProgram) train(ctx context.Context, set NetSettings, start uint64) (*NetFit, error) {
	if set.Estimator != NetClosed {
		return np.trainDiscrete(ctx, set, start)
	}
	tr, err := svi.New(np, guides.Delta{InitLoc: np.init(set.Seed, start)},
		svi.Config{Optimizer: svi.Adam{LearnRate: set.LearnRate}, DType: set.DType})
	if err != nil {
		return nil, err
	}
	st, err := tr.Init(set.Seed)
	if err != nil {
		return nil, err
	}
	res, err := svi.Run(ctx, tr, st, nil, &svi.Settings{Steps: set.Steps})
	if err != nil {
		return nil, err
	}
	net, err := np.net(st.Params)
	if err != nil {
		return nil, err
	}
	return np.fitOf(net, res.Losses, start), nil
}

// fitOf scores the trained network net of start with the closed-form ELBO;
// losses are the svi losses of its steps.
func (np *netProgram) fitOf(net *Net, losses []float64, start uint64) *NetFit {
	fit := &NetFit{Net: net, Trace: make([]float64, len(losses)), Start: int(start)}
	for i, l := range losses {
		fit.Trace[i] = -l
	}
	a := net.logits(np.x)
	fit.ELBO = np.md.logitELBO(np.z, a, nil)
	fit.Marginals, _ = np.md.softmaxLogits(len(np.z), a)
	return fit
}

// Marginals returns the network's q(s_t⁽ᵐ⁾ = l | y) (T×M×L) for the
// sequence y, whitened with the covariance of p (which must match the
// network's M, L and D), and the closed-form ELBO of that q under p.
func (n *Net) Marginals(p Params, y [][]float64) ([][][]float64, float64, error) {
	md, err := factorizedModel(p)
	if err != nil {
		return nil, 0, err
	}
	if md.m != n.M || md.l != n.L || md.d != n.D {
		return nil, 0, fmt.Errorf("fhmm: Net.Marginals: the network has M, L, D = %d, %d, %d and the parameters %d, %d, %d",
			n.M, n.L, n.D, md.m, md.l, md.d)
	}
	z, err := md.whiten(y)
	if err != nil {
		return nil, 0, err
	}
	a := n.logits(windows(z, n.Window))
	q, _ := md.softmaxLogits(len(z), a)
	return q, md.logitELBO(z, a, nil), nil
}

// windows returns the T×(2w+1)·D window features, row-major.
func windows(z [][]float64, w int) []float64 {
	d := len(z[0])
	f := (2*w + 1) * d
	x := make([]float64, len(z)*f)
	for t := range z {
		for k := -w; k <= w; k++ {
			if s := t + k; s >= 0 && s < len(z) {
				copy(x[t*f+(k+w)*d:], z[s])
			}
		}
	}
	return x
}

// logits evaluates the network on the window features x on the host.
func (n *Net) logits(x []float64) []float64 {
	f, k := (2*n.Window+1)*n.D, n.M*n.L
	rows := len(x) / f
	a := make([]float64, rows*k)
	h := make([]float64, n.Hidden)
	for t := 0; t < rows; t++ {
		copy(h, n.B1)
		for i, xi := range x[t*f : (t+1)*f] {
			axpy(h, xi, n.W1[i*n.Hidden:(i+1)*n.Hidden])
		}
		at := a[t*k : (t+1)*k]
		copy(at, n.B2)
		for j, hj := range h {
			axpy(at, math.Tanh(hj), n.W2[j*k:(j+1)*k])
		}
	}
	return a
}

// Site names of the network's weights in the svi model.
const (
	netW1, netB1, netW2, netB2 = "net/w1", "net/b1", "net/w2", "net/b2"
)

// netProgram is the svi model of TrainNet.
type netProgram struct {
	md   *model
	z    [][]float64
	x    []float64 // window features, T × (2w+1)·D
	w, h int
}

// flat is the improper uniform prior on ℝⁿ: it adds nothing to the
// log-joint, so the point-mass fit maximises the factor alone.
type flat struct{}

func (flat) LogProb(x *G.Node) (*G.Node, error) { return graph.Scalar(x.Graph(), 0), nil }

func (np *netProgram) dims() (t, f, k int) {
	return len(np.z), (2*np.w + 1) * np.md.d, np.md.m * np.md.l
}

// Build declares the weights and adds the closed-form ELBO of the
// network's marginals as one factor.
func (np *netProgram) Build(m *svi.M) error {
	t, f, k := np.dims()
	w1 := m.Sample(netW1, flat{}, f, np.h)
	b1 := m.Sample(netB1, flat{}, np.h)
	w2 := m.Sample(netW2, flat{}, np.h, k)
	b2 := m.Sample(netB2, flat{}, k)
	x := m.Array(np.x, t, f)
	if err := m.Err(); err != nil {
		return err
	}
	h, err := ops.Dense(x, w1, b1, ops.Tanh)
	if err != nil {
		return m.Fail(fmt.Errorf("fhmm: network hidden layer: %w", err))
	}
	a, err := ops.Dense(h, w2, b2, ops.Identity)
	if err != nil {
		return m.Fail(fmt.Errorf("fhmm: network output layer: %w", err))
	}
	e, err := elboNode(np.md, np.z, a)
	if err != nil {
		return m.Fail(err)
	}
	m.Factor("elbo", e)
	return m.Err()
}

// init returns Glorot-uniform weights drawn from rand.New(rand.NewPCG(seed,
// start)) (W₁ then W₂) and zero biases.
func (np *netProgram) init(seed, start uint64) map[string][]float64 {
	_, f, k := np.dims()
	r := rand.New(rand.NewPCG(seed, start))
	glorot := func(in, out int) []float64 {
		a := math.Sqrt(6 / float64(in+out))
		w := make([]float64, in*out)
		for i := range w {
			w[i] = a * (2*r.Float64() - 1)
		}
		return w
	}
	return map[string][]float64{netW1: glorot(f, np.h), netB1: make([]float64, np.h),
		netW2: glorot(np.h, k), netB2: make([]float64, k)}
}

// net reads the fitted weights out of the svi parameters.
func (np *netProgram) net(ps *svi.Params) (*Net, error) {
	n := &Net{Window: np.w, Hidden: np.h, M: np.md.m, L: np.md.l, D: np.md.d}
	for _, s := range []struct {
		site string
		dst  *[]float64
	}{{netW1, &n.W1}, {netB1, &n.B1}, {netW2, &n.W2}, {netB2, &n.B2}} {
		v, ok := ps.Get("guides/" + s.site + "/loc")
		if !ok {
			return nil, fmt.Errorf("fhmm: TrainNet: no parameter for site %q", s.site)
		}
		*s.dst = append([]float64(nil), v...)
	}
	return n, nil
}
