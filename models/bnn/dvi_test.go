package bnn

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/govi/govi/svi"
)

// dviProblem is a regression network's trainer at spread-out guide
// parameters (weight sds between 0.1 and 0.5, so that the weights'
// uncertainty matters), fed with one standardized batch of the toy data.
type dviProblem struct {
	tr *svi.Trainer
	st *svi.State
}

// newDVIProblem builds the trainer of estimator for a 1-h-1 ReLU network
// on n toy rows (full batch) and sets its state's parameters from seed.
func newDVIProblem(t *testing.T, estimator string, hidden []int, n int, seed uint64) *dviProblem {
	t.Helper()
	d := Toy(n, 12)
	cfg := Config{Hidden: hidden, NoiseShape: 1, NoiseRate: 0.01}
	s := Settings{Estimator: estimator, Batch: n, Particles: 1}.withDefaults(n)
	tr, _, err := newTrainer(cfg.withDefaults(), s, d, n, n) // full batch, one rank
	require.NoError(t, err)
	sc, err := NewScaler(d, true)
	require.NoError(t, err)
	x, err := sc.X(d.X)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"x": x, "y": sc.Y(d.Y)}))
	st, err := tr.Init(seed)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(seed, 77))
	for i, name := range st.Params.Names() {
		v := st.Params.At(i)
		for j := range v {
			switch {
			case strings.HasSuffix(name, "/rho") && name != "guides/tau/rho":
				sd := 0.1 + 0.4*r.Float64()
				v[j] = math.Log(math.Expm1(sd)) // softplus⁻¹(sd)
			case name == "guides/tau/rho":
				v[j] = math.Log(math.Expm1(0.3))
			case name == "guides/tau/loc":
				v[j] = 1
			default:
				v[j] = r.NormFloat64()
			}
		}
	}
	st.Opt.LRScale = 0 // evaluate without moving
	return &dviProblem{tr: tr, st: st}
}

// losses returns the loss of k steps that do not move the parameters.
func (p *dviProblem) losses(t *testing.T, k int) []float64 {
	t.Helper()
	out := make([]float64, k)
	for i := range out {
		info, err := p.tr.Step(p.st, nil)
		require.NoError(t, err)
		out[i] = info.Loss
	}
	return out
}

// TestDVIMatchesSampledELBO: for one hidden layer the deterministic
// expected log-likelihood is exact (ops.TestDVIMonteCarlo), so the dvi
// loss must have the expectation of the kl estimator's, which samples the
// weights. Both trainers draw the same noise for log τ (same sites, same
// seed), so their paired differences hold only the likelihood's sampling
// error. Tolerance: 4 standard errors of the mean paired difference.
func TestDVIMatchesSampledELBO(t *testing.T) {
	t.Parallel()
	const k = 4000
	dvi := newDVIProblem(t, EstimatorDVI, []int{8}, 40, 3).losses(t, k)
	kl := newDVIProblem(t, "kl", []int{8}, 40, 3).losses(t, k)
	diff := make([]float64, k)
	for i := range diff {
		diff[i] = kl[i] - dvi[i]
	}
	md, sd := stat.MeanStdDev(diff, nil)
	_, sdv := stat.MeanStdDev(dvi, nil)
	_, sdk := stat.MeanStdDev(kl, nil)
	t.Logf("−ELBO: dvi %.3f (sd %.3f over steps, from log τ alone), kl %.3f (sd %.3f); paired difference %.4f ± %.4f",
		stat.Mean(dvi, nil), sdv, stat.Mean(kl, nil), sdk, md, sd/math.Sqrt(k))
	assert.InDelta(t, 0, md, 4*sd/math.Sqrt(k))
	assert.Less(t, sdv, sdk/10, "the dvi loss varies only through τ's prior term")
}

// TestDVIGradient checks the dvi loss's gradient with respect to every
// guide parameter (means and ρ of every layer's weights and biases, and of
// log τ) against central differences of the loss, with the noise of the
// last step held fixed (svi.Trainer.LossGrad), on a 1-3-2-1 network (two
// hidden layers, so that MomentDense takes moments as inputs).
// Tolerance: the loss is O(100); step 1e-5 gives rounding error
// ≈ 1e-16·100/1e-5 = 1e-9 and truncation ≈ 1e-10·|f‴|; 1e-6 relative
// (absolute below 1) leaves a margin.
func TestDVIGradient(t *testing.T) {
	t.Parallel()
	const h, tol = 1e-5, 1e-6
	p := newDVIProblem(t, EstimatorDVI, []int{3, 2}, 20, 5)
	p.losses(t, 1) // draw the noise LossGrad holds fixed
	params := p.st.Params.Clone()
	_, grad, err := p.tr.LossGrad(params)
	require.NoError(t, err)
	for i, name := range params.Names() {
		v := params.At(i)
		for j := range v {
			old := v[j]
			v[j] = old + h
			up, _, err := p.tr.LossGrad(params)
			require.NoError(t, err)
			v[j] = old - h
			down, _, err := p.tr.LossGrad(params)
			require.NoError(t, err)
			v[j] = old
			fd, got := (up-down)/(2*h), grad.At(i)[j]
			assert.InDelta(t, fd, got, tol*math.Max(1, math.Abs(fd)), "%s[%d]", name, j)
		}
	}
}

// TestDVIGradientVariance: with dvi the gradients of the weights' means and
// ρ have no Monte Carlo variance at all — the likelihood and the weights'
// KL are closed forms and only log τ's prior term is sampled — so the
// gradients after 20 different noise draws are equal to the bit, while
// the kl estimator's, which samples the weights, differ. (svi's
// GradientVariance would report rounding residue of Σg² − n·ḡ² instead of
// an exact zero.)
func TestDVIGradientVariance(t *testing.T) {
	t.Parallel()
	for _, est := range []string{EstimatorDVI, "kl"} {
		p := newDVIProblem(t, est, []int{8}, 40, 3)
		var first *svi.Params
		spread := map[string]float64{} // max |g − g₀| over the draws
		for range 20 {
			p.losses(t, 1) // fresh noise
			_, g, err := p.tr.LossGrad(p.st.Params)
			require.NoError(t, err)
			if first == nil {
				first = g
				continue
			}
			for i, name := range g.Names() {
				for j, v := range g.At(i) {
					spread[name] = math.Max(spread[name], math.Abs(v-first.At(i)[j]))
				}
			}
		}
		for _, name := range first.Names() {
			if strings.HasPrefix(name, "guides/tau/") {
				continue // log τ's prior term is a Monte Carlo estimate
			}
			t.Logf("%s %s: largest change of an element over 20 noise draws %.3g", est, name, spread[name])
			if est == EstimatorDVI {
				assert.Zero(t, spread[name], "%s %s", est, name)
			} else {
				assert.Positive(t, spread[name], "%s %s", est, name)
			}
		}
	}
}

// TestDVIRefusals: dvi covers regression with ReLU units and the
// mean-field guide, without local reparameterization or Vectorize.
func TestDVIRefusals(t *testing.T) {
	t.Parallel()
	d := Toy(20, 1)
	labels := &Data{X: d.X, Y: make([]float64, d.N), N: d.N, D: 1}
	for _, tc := range []struct {
		name string
		cfg  Config
		s    Settings
		data *Data
		want string
	}{
		{"classification", Config{Hidden: []int{4}, Task: Classification, Classes: 2}, Settings{}, labels, "needs regression"},
		{"tanh", Config{Hidden: []int{4}, Activation: Tanh}, Settings{}, d, "needs relu hidden units"},
		{"lowrank guide", Config{Hidden: []int{4}}, Settings{Guide: LowRank}, d, "needs the meanfield guide, got lowrank"},
		{"map guide", Config{Hidden: []int{4}}, Settings{Guide: MAP}, d, "needs the meanfield guide, got map"},
		{"local reparameterization", Config{Hidden: []int{4}, LocalReparam: true}, Settings{}, d, "needs no local reparameterization"},
		{"vectorize", Config{Hidden: []int{4}}, Settings{Vectorize: true}, d, "needs no Vectorize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.s.Steps, tc.s.Estimator = 1, EstimatorDVI
			_, err := Fit(context.Background(), tc.cfg, tc.data, tc.s)
			assert.ErrorContains(t, err, "bnn: the dvi estimator "+tc.want)
		})
	}
}

// TestDVIFitBoston fits the UCI architecture (13-50-1 ReLU, Gamma(6, 6)
// noise prior, B = 32, lr 3e-3, the last quarter annealed, 4,000 steps) to
// three seeded 90/10 splits of the shipped Boston data with the default
// estimator (entropy, S = 2) and with dvi (S = 1), and compares the mean
// test log-likelihood over the splits: dvi's must be at least the
// default's. Measured (run -v): default −2.652, −2.723, −2.718 (mean
// −2.698), dvi −2.598, −2.711, −2.687 (mean −2.665); dvi's test RMSE was
// the higher on all three (2.82 vs 2.75, 3.62 vs 3.42, 3.40 vs 3.34).
func TestDVIFitBoston(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("six fits of 4,000 steps")
	}
	d := bostonShipped(t)
	seeds := []uint64{7, 8, 9}
	ll := map[string][]float64{}
	for _, est := range []string{"", EstimatorDVI} {
		for _, seed := range seeds {
			train, test, err := HoldOut(d, 0.1, seed)
			require.NoError(t, err)
			net, err := Fit(context.Background(), Config{Hidden: []int{50}}, train, Settings{Steps: 4000, Anneal: 0.25, Seed: 3, Estimator: est})
			require.NoError(t, err)
			m, err := net.Evaluate(test, 500, 4)
			require.NoError(t, err)
			t.Logf("estimator %q, split seed %d: test RMSE %.3f, LL %.3f (%v training)", est, seed, m.RMSE, m.LogLik, net.TrainTime())
			ll[est] = append(ll[est], m.LogLik)
		}
	}
	def, dvi := stat.Mean(ll[""], nil), stat.Mean(ll[EstimatorDVI], nil)
	t.Logf("mean test LL over %d splits: default %.3f, dvi %.3f", len(seeds), def, dvi)
	assert.GreaterOrEqual(t, dvi, def)
}

// TestDVIResume: a dvi fit resumes exactly from its checkpoint, and the
// checkpoint is refused by a fit with the sampled likelihood (the kl
// estimator builds the same trainer but another objective).
func TestDVIResume(t *testing.T) {
	t.Parallel()
	d := Toy(50, 5)
	cfg := Config{Hidden: []int{6}}
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	base := Settings{Steps: 40, Batch: 16, Estimator: EstimatorDVI, Seed: 9}
	full, err := Fit(context.Background(), cfg, d, base)
	require.NoError(t, err)
	half := base
	half.Steps, half.Checkpoint = 20, ck
	_, err = Fit(context.Background(), cfg, d, half)
	require.NoError(t, err)
	res := base
	res.Resume = ck
	resumed, err := Fit(context.Background(), cfg, d, res)
	require.NoError(t, err)
	assert.Equal(t, full.Losses(), resumed.Losses(), "loss trajectories")
	res.Estimator, res.Particles = "kl", 1
	_, err = Fit(context.Background(), cfg, d, res)
	assert.ErrorContains(t, err, `the checkpoint records likelihood "dvi: expectation under q in closed form", which this run does not have`)
}
