package bnn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/govi/govi/svi"
)

// TestResumeIsExact interrupts a minibatch fit after 37 of its 80 planned
// steps (its checkpoint is saved on the way out), resumes it from the
// checkpoint, and checks the losses and parameters against an uninterrupted
// run to the last bit. The annealed phase (the last 20 steps) and the
// minibatch order both cross the interruption.
func TestResumeIsExact(t *testing.T) {
	t.Parallel()
	d := Toy(50, 5)
	cfg := Config{Hidden: []int{6}}
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	base := Settings{Steps: 80, Batch: 16, Anneal: 0.25, Particles: 2, Seed: 9}
	full, err := Fit(context.Background(), cfg, d, base)
	require.NoError(t, err)

	stop := errors.New("interrupted")
	cut := base
	cut.Checkpoint, cut.CheckpointEvery = ck, 10
	cut.Recorder = svi.RecorderFunc(func(info svi.Info) error {
		if info.Iter == 37 {
			return stop
		}
		return nil
	})
	part, err := Fit(context.Background(), cfg, d, cut)
	require.ErrorIs(t, err, stop)
	assert.ErrorContains(t, err, "the last good state is saved in")
	assert.Equal(t, 37, part.Steps())

	res := base
	res.Resume = ck
	resumed, err := Fit(context.Background(), cfg, d, res)
	require.NoError(t, err)
	assert.Equal(t, 80, resumed.Steps())
	assert.Equal(t, full.Losses(), resumed.Losses(), "loss trajectories")
	for i, name := range full.State().Params.Names() {
		assert.Equal(t, full.State().Params.At(i), resumed.State().Params.At(i), name)
	}

	other := res
	other.Guide = LowRank
	_, err = Fit(context.Background(), cfg, d, other)
	assert.ErrorContains(t, err, "it was written for guide guides.MeanField", "a checkpoint of another guide is refused")
}

// TestGuides fits the toy problem with every guide. Each must explain the
// data (training RMSE near the noise sd, 3); the point-mass guide's
// predictive spread must be its noise alone.
func TestGuides(t *testing.T) {
	t.Parallel()
	d := Toy(100, 6)
	for _, g := range []Guide{MeanField, LowRank, FullRank, MAP} {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			net, err := Fit(context.Background(), Config{Hidden: []int{8}, NoiseShape: 1, NoiseRate: 0.01}, d,
				Settings{Steps: 4000, Batch: 100, LearnRate: 0.01, Guide: g, Rank: 3, Anneal: 0.25, Seed: 1})
			require.NoError(t, err)
			p, err := net.Predict(d.X, 200, 2)
			require.NoError(t, err)
			rmse, err := p.RMSE(d.Y)
			require.NoError(t, err)
			t.Logf("%s: training RMSE %.2f, mean predictive sd %.2f", g, rmse, stat.Mean(p.Std, nil))
			// The data are x³ + N(0, 3²) on [−4, 4] (targets up to ±64):
			// a fit within 1.5× the noise sd has learnt the curve.
			assert.Less(t, rmse, 4.5)
			if g == MAP {
				for i := range p.EpiStd {
					// Zero up to the rounding of a variance over 200 equal draws.
					require.InDelta(t, 0, p.EpiStd[i], 1e-9, "a point mass has no weight uncertainty")
				}
			} else {
				assert.Greater(t, stat.Mean(p.EpiStd, nil), 0.0)
			}
		})
	}
	_, err := ParseGuide("laplace")
	assert.ErrorContains(t, err, `unknown guide "laplace"`)
	_, err = Fit(context.Background(), Config{Hidden: []int{4}}, d, Settings{Steps: 1, Estimator: "elbo"})
	assert.ErrorContains(t, err, `unknown estimator "elbo"`)
}

// TestKLRegressionEstimator: with the noise precision positive, the kl
// estimator takes the weights' KL in closed form and τ's term by Monte
// Carlo. At a fitted state its loss must have the expectation of the
// entropy estimator's loss: both are −ELBO, by different terms (closed-form
// KL against Monte Carlo log p(W) plus closed-form entropy). On this
// problem the likelihood's noise dominates either loss's variance (sd 12.9
// against 13.0), so no variance claim is made.
func TestKLRegressionEstimator(t *testing.T) {
	t.Parallel()
	d := Toy(100, 7)
	cfg := Config{Hidden: []int{8}, NoiseShape: 1, NoiseRate: 0.01}
	net, err := Fit(context.Background(), cfg, d, Settings{Steps: 2000, Batch: 100, LearnRate: 0.01, Seed: 3})
	require.NoError(t, err)
	x, err := net.Scaler().X(d.X)
	require.NoError(t, err)
	y := net.Scaler().Y(d.Y)
	losses := map[svi.Estimator][]float64{}
	for _, est := range []svi.Estimator{svi.EntropyELBO, svi.KLELBO} {
		m, err := NewModel(net.Config(), 1, d.N, d.N)
		require.NoError(t, err)
		m.klPrior = est == svi.KLELBO
		sites, err := svi.Trace(m)
		require.NoError(t, err)
		g, err := newGuide(MeanField, 0, net.Config(), sites, DefaultInitScale, 0)
		require.NoError(t, err)
		tr, err := svi.New(m, g, svi.Config{Particles: 1, Estimator: est, KLFallback: true})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"x": x, "y": y}))
		st, err := tr.Init(11)
		require.NoError(t, err)
		require.NoError(t, st.Params.CopyFrom(net.State().Params))
		st.Opt.LRScale = 0 // evaluate without moving
		for i := 0; i < 2000; i++ {
			info, err := tr.Step(st, nil)
			require.NoError(t, err)
			losses[est] = append(losses[est], info.Loss)
		}
	}
	me, se := stat.MeanStdDev(losses[svi.EntropyELBO], nil)
	mk, sk := stat.MeanStdDev(losses[svi.KLELBO], nil)
	t.Logf("−ELBO: entropy estimator %.3f (sd %.3f), kl estimator %.3f (sd %.3f)", me, se, mk, sk)
	// Both trainers draw the same weights (same seed), so the differences
	// are paired and hold only the terms where the estimators differ.
	// Tolerance: 4 standard errors of the mean paired difference.
	diff := make([]float64, len(losses[svi.KLELBO]))
	for i := range diff {
		diff[i] = losses[svi.EntropyELBO][i] - losses[svi.KLELBO][i]
	}
	md, sdd := stat.MeanStdDev(diff, nil)
	t.Logf("paired difference %.4f (sd %.4f)", md, sdd)
	assert.InDelta(t, 0, md, 4*sdd/math.Sqrt(float64(len(diff))))
}

// TestDivergenceKeepsLastGoodState drives a fit to overflow with an absurd
// learning rate: it must end with svi's divergence error, leave finite
// parameters in the network and in its checkpoint, and name a site.
func TestDivergenceKeepsLastGoodState(t *testing.T) {
	t.Parallel()
	d := Toy(40, 8)
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	net, err := Fit(context.Background(), Config{Hidden: []int{4}}, d,
		Settings{Steps: 2000, Batch: 40, LearnRate: 1e12, Checkpoint: ck, Seed: 1})
	var de *svi.DivergenceError
	require.ErrorAs(t, err, &de)
	assert.ErrorContains(t, err, "the last good state is saved in "+ck)
	require.NotNil(t, net)
	ps := net.State().Params
	for k, name := range ps.Names() {
		for i, v := range ps.At(k) {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s[%d] = %v", name, i, v)
		}
	}
	st, err := net.trainer.LoadCheckpoint(ck)
	require.NoError(t, err)
	for k, name := range ps.Names() {
		assert.Equal(t, ps.At(k), st.Params.At(k), "checkpoint holds the network's state: %s", name)
	}
}

// gradientSample evaluates the loss and the gradient of the parameter named
// grad n times at the parameters p on one minibatch, with fresh noise each
// time (an SGD step of rate 1 from p gives −gradient).
func gradientSample(t *testing.T, cfg Config, p *svi.Params, inputs, n int, b svi.Batch, grad string) (loss []float64, g [][]float64) {
	t.Helper()
	rows := len(b["y"])
	m, err := NewModel(cfg, inputs, rows, 455)
	require.NoError(t, err)
	sites, err := svi.Trace(m)
	require.NoError(t, err)
	guide, err := newGuide(MeanField, 0, cfg, sites, DefaultInitScale, 0)
	require.NoError(t, err)
	tr, err := svi.New(m, guide, svi.Config{Estimator: svi.EntropyELBO, Optimizer: svi.SGD{LearnRate: 1}})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(b))
	st, err := tr.Init(21)
	require.NoError(t, err)
	k := -1
	for i, name := range p.Names() {
		if name == grad {
			k = i
		}
	}
	require.GreaterOrEqual(t, k, 0, grad)
	for i := 0; i < n; i++ {
		require.NoError(t, st.Params.CopyFrom(p))
		info, err := tr.Step(st, nil)
		require.NoError(t, err)
		d := make([]float64, len(p.At(k)))
		for j := range d {
			d[j] = p.At(k)[j] - st.Params.At(k)[j]
		}
		loss, g = append(loss, info.Loss), append(g, d)
	}
	return loss, g
}

// TestLocalReparam: on a minibatch of 32 Boston rows, at the parameters of
// a brief fit, the local reparameterization must leave the expected loss
// (the −ELBO) unchanged and lower the variance of the gradient of the first
// layer's weight means, its reason to exist (Kingma, Salimans & Welling
// 2015). A fit with it must also work end to end.
func TestLocalReparam(t *testing.T) {
	t.Parallel()
	d := bostonShipped(t)
	cfg := Config{Hidden: []int{50}}
	net, err := Fit(context.Background(), cfg, d, Settings{Steps: 1500, Seed: 4})
	require.NoError(t, err)
	x, err := net.Scaler().X(d.X)
	require.NoError(t, err)
	y := net.Scaler().Y(d.Y)
	b := svi.Batch{"x": x[:32*d.D], "y": y[:32]}
	const n = 1500
	const grad = "guides/layer0/w/loc"
	lossW, gW := gradientSample(t, net.Config(), net.State().Params, d.D, n, b, grad)
	lrt := net.Config()
	lrt.LocalReparam = true
	lossL, gL := gradientSample(t, lrt, net.State().Params, d.D, n, b, grad)

	mw, sw := stat.MeanStdDev(lossW, nil)
	ml, sl := stat.MeanStdDev(lossL, nil)
	var vw, vl float64 // summed elementwise gradient variances
	col := make([]float64, n)
	for j := range gW[0] {
		for i := range col {
			col[i] = gW[i][j]
		}
		vw += stat.Variance(col, nil)
		for i := range col {
			col[i] = gL[i][j]
		}
		vl += stat.Variance(col, nil)
	}
	t.Logf("−ELBO (batch of 32, scaled to N = 455): weight draw %.2f (sd %.2f), local %.2f (sd %.2f); Σ var ∂/∂M₀: %.4g vs %.4g (ratio %.2f)",
		mw, sw, ml, sl, vw, vl, vl/vw)
	// Tolerance: 4 standard errors of the difference of two independent means.
	assert.InDelta(t, mw, ml, 4*math.Sqrt((sw*sw+sl*sl)/n))
	assert.Less(t, vl, vw)

	fit, err := Fit(context.Background(), lrt, d, Settings{Steps: 300, Seed: 4})
	require.NoError(t, err)
	_, err = fit.Predict(d.X[:5*d.D], 10, 1)
	require.NoError(t, err)
	_, err = Fit(context.Background(), lrt, d, Settings{Steps: 1, Guide: LowRank})
	assert.ErrorContains(t, err, "needs the meanfield guide")
}

// TestDiagnose: the full-data fit report of a small regression net must be
// sane (ELBO below the IWAE bound, ESS above 1) and its ELBO, a trace
// estimate from fresh draws, must agree with the training loss, an
// entropy-estimator estimate of the same full-batch ELBO over the last 300
// steps, within 5 Monte Carlo standard errors plus 1 nat of drift. Even
// this two-unit net's mean-field posterior fails PSIS (k̂ 1.35), as
// expected for a posterior with symmetric modes.
func TestDiagnose(t *testing.T) {
	t.Parallel()
	d := Toy(200, 9)
	net, err := Fit(context.Background(), Config{Hidden: []int{2}, NoiseShape: 1, NoiseRate: 0.01}, d,
		Settings{Steps: 3000, Batch: 200, LearnRate: 0.01, Particles: 4, Anneal: 0.3, Seed: 2})
	require.NoError(t, err)
	rep, err := net.Diagnose(d, 2000, 5)
	require.NoError(t, err)
	ls := net.Losses()
	tail := -stat.Mean(ls[len(ls)-300:], nil)
	t.Logf("ELBO %.3f ± %.3f (training tail %.3f), IWAE %.3f, k̂ %.2f, ESS %.1f: %s", rep.ELBO, rep.ELBOStdErr, tail, rep.IWAE, rep.KHat, rep.ESS, rep.Verdict)
	assert.LessOrEqual(t, rep.ELBO, rep.IWAE)
	assert.Greater(t, rep.ESS, 1.0)
	assert.Equal(t, 3000, rep.Steps)
	assert.InDelta(t, tail, rep.ELBO, 5*rep.ELBOStdErr+1)
	_, err = net.Diagnose(&Data{X: []float64{1, 2}, Y: []float64{1}, N: 1, D: 2}, 10, 1)
	assert.ErrorContains(t, err, "2 input columns")
	_, err = net.Diagnose(d, 1, 1)
	assert.ErrorContains(t, err, "at least 2 draws")
}

// TestWorkers: splitting the particles over parallel graphs gives a
// reproducible fit (the same for the same Workers) of the same quality,
// and bad values are refused.
func TestWorkers(t *testing.T) {
	t.Parallel()
	d := Toy(60, 10)
	cfg := Config{Hidden: []int{6}}
	fit := func(w int) *Net {
		net, err := Fit(context.Background(), cfg, d, Settings{Steps: 400, Batch: 20, Particles: 4, Workers: w, Seed: 3})
		require.NoError(t, err)
		return net
	}
	a, b, one := fit(2), fit(2), fit(1)
	assert.Equal(t, a.Losses(), b.Losses())
	tail := func(n *Net) float64 { ls := n.Losses(); return stat.Mean(ls[len(ls)-100:], nil) }
	t.Logf("final loss: 1 worker %.1f, 2 workers %.1f", tail(one), tail(a))
	assert.InEpsilon(t, tail(one), tail(a), 0.1, "the same objective, other noise")
	_, err := Fit(context.Background(), cfg, d, Settings{Steps: 1, Particles: 2, Workers: 3})
	assert.ErrorContains(t, err, "Workers must lie between 1 and the particles")
}

// TestPriorHyperprior: with a Gamma(a, b) hyperprior on each layer's prior
// precision λ_l, the optimal q(λ_l) given q(W) is, in closed form (the
// CAVI update), Gamma(a + n_l/2, b + E_q[Σ w²]/2) over the layer's n_l
// weights and biases, whose mean is
//
//	(a + n_l/2) / (b + Σ (μ² + σ²)/2).
//
// The SVI fit's log-normal q(λ_l) must put its mean within 5 % of that
// value computed from the fitted q(W) (a log-normal and a gamma with
// shape a + n_l/2 = 10 and 6.5 differ by a few percent in mean). The kl
// estimator must accept the model (closed-form KL of W given λ, Monte Carlo
// for λ).
func TestPriorHyperprior(t *testing.T) {
	t.Parallel()
	d := Toy(100, 11)
	cfg := Config{Hidden: []int{8}, NoiseShape: 1, NoiseRate: 0.01, PriorShape: 2, PriorRate: 2}
	net, err := Fit(context.Background(), cfg, d, Settings{Steps: 6000, Batch: 100, LearnRate: 0.01, Particles: 4, Anneal: 0.3, Seed: 5})
	require.NoError(t, err)
	sum, err := net.trainer.Summarize(net.State(), 20000, rand.New(svi.NewRNG(6)), nil)
	require.NoError(t, err)
	byName := map[string]svi.SiteSummary{}
	for _, s := range sum {
		byName[s.Name] = s
	}
	for l := 0; l < 2; l++ {
		var n, ss float64
		for _, site := range []string{WeightSite(l), BiasSite(l)} {
			s := byName[site]
			for i := range s.Mean {
				ss += s.Mean[i]*s.Mean[i] + s.Std[i]*s.Std[i]
				n++
			}
		}
		want := (cfg.PriorShape + n/2) / (cfg.PriorRate + ss/2)
		got := byName[PrecisionSite(l)].Mean[0]
		t.Logf("layer %d: E_q[λ] %.3f, closed-form optimum given q(W) %.3f (%d weights)", l, got, want, int(n))
		assert.InEpsilon(t, want, got, 0.05)
	}
	_, err = Fit(context.Background(), cfg, d, Settings{Steps: 20, Estimator: "kl"})
	require.NoError(t, err)
	_, err = Fit(context.Background(), Config{Hidden: []int{4}, PriorShape: 1}, d, Settings{Steps: 1})
	assert.ErrorContains(t, err, "needs a positive finite shape and rate")
	_, err = Fit(context.Background(), Config{Hidden: []int{4}, PriorShape: 1, PriorRate: 1, FanIn: true}, d, Settings{Steps: 1})
	assert.ErrorContains(t, err, "cannot be combined")
}

// TestVectorizedMatchesCopies: the regression network trained with
// svi.Config.Vectorize (fused ops.DenseN layers and ops.GaussianLogLikN
// over all particles) gives, step by step, the losses and parameters of the default
// graph with one copy per particle: the mean-field guide draws the same
// noise in both modes, so this checks the batched ops' values and
// gradients against the FD-checked per-particle ops (tolerance: the order
// of the sums, 1e-9 relative on losses, 1e-8 on parameters after 100
// Adam steps). Minibatches of 16 of 40 rows, S = 4, ReLU and tanh.
func TestVectorizedMatchesCopies(t *testing.T) {
	t.Parallel()
	d := Toy(40, 12)
	x, y := make([]float64, 16), d.Y[:16]
	for i := range x {
		x[i] = d.X[i] / 4
	}
	for _, act := range []Activation{ReLU, Tanh} {
		cfg := Config{Hidden: []int{5, 3}, Activation: act}
		run := func(vec bool) ([]float64, *svi.Params) {
			m, err := NewModel(cfg, 1, 16, 40)
			require.NoError(t, err)
			sites, err := svi.Trace(m)
			require.NoError(t, err)
			g, err := newGuide(MeanField, 0, cfg, sites, 0.05, 1)
			require.NoError(t, err)
			tr, err := svi.New(m, g, svi.Config{Particles: 4, Vectorize: vec, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.01}})
			require.NoError(t, err)
			require.NoError(t, tr.Feed(svi.Batch{"x": x, "y": y}))
			st, err := tr.Init(3)
			require.NoError(t, err)
			for i := 0; i < 100; i++ {
				_, err := tr.Step(st, nil)
				require.NoError(t, err)
			}
			return st.Trace, st.Params
		}
		la, pa := run(false)
		lb, pb := run(true)
		for i := range la {
			require.InDelta(t, la[i], lb[i], 1e-9*math.Abs(la[i]), "%v: loss %d", act, i)
		}
		for k, name := range pa.Names() {
			for j, v := range pa.At(k) {
				require.InDelta(t, v, pb.At(k)[j], 1e-8*math.Max(1, math.Abs(v)), "%v: %s[%d]", act, name, j)
			}
		}
	}
}
