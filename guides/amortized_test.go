package guides_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

var _ svi.Guide = guides.Amortized{}

// localModel has a global offset μ ∈ ℝᴰ ~ N(0, 1) and, for a minibatch of
// b of n rows, local z_n ∈ ℝᴸ ~ N(0, I) with x_n ~ N(z_n·A + μ, 0.5²); A
// ([L, D]) is fed as data. With flatZ the prior of z is flat (it adds
// nothing), and with noZ the likelihood ignores z.
type localModel struct {
	n, b, l, d  int
	flatZ, noZ  bool
	withoutGlob bool
}

type flatPrior struct{}

func (flatPrior) LogProb(x *G.Node) (*G.Node, error) { return graph.Scalar(x.Graph(), 0), nil }

func (lm localModel) Build(m *svi.M) error {
	var mu *G.Node
	if !lm.withoutGlob {
		mu = m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, lm.d)
	}
	a := m.Data("A", lm.l, lm.d)
	if lm.n != lm.b {
		m.Scale(float64(lm.n) / float64(lm.b))
	}
	var prior dist.LogProber = dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}
	if lm.flatZ {
		prior = flatPrior{}
	}
	z := m.Sample("z", prior, lm.b, lm.l)
	x := m.Data("x", lm.b, lm.d)
	if m.Err() != nil {
		return m.Err()
	}
	b := graph.New(m.Graph())
	mean := b.MatMul(z, a)
	if lm.noZ {
		mean = m.Const(0)
	}
	if mu != nil {
		mean = b.Add(mean, mu)
	}
	if err := b.Err(); err != nil {
		return err
	}
	m.Observe("x", dist.Normal{Loc: mean, Scale: m.Const(0.5)}, x)
	return m.Err()
}

// seeded returns n standard normal values from a source seeded by seed.
func seeded(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 99))
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

// TestAmortizedGradients checks the −ELBO's gradient with respect to every
// parameter — encoder trunk and heads, and the global guide joined to it —
// against central finite differences of tr.LossGrad, which holds the last
// step's noise and minibatch fixed. The local site is under a minibatch
// scale of 2. (Sticking the landing is left out: its gradient drops the
// score term on purpose, so it is not the derivative of its loss value.)
func TestAmortizedGradients(t *testing.T) {
	const n, b, l, d = 6, 3, 2, 3
	a := seeded(l*d, 1)
	x := seeded(b*d, 2)
	for _, tc := range []struct {
		name string
		enc  guides.Amortized
		est  svi.Estimator
	}{
		{"diagonal/tanh/trace", guides.Amortized{Hidden: []int{4}, Activation: ops.Tanh}, svi.TraceELBO},
		{"diagonal/tanh/entropy", guides.Amortized{Hidden: []int{4}, Activation: ops.Tanh}, svi.EntropyELBO},
		{"diagonal/tanh/kl", guides.Amortized{Hidden: []int{4}, Activation: ops.Tanh}, svi.KLELBO},
		{"diagonal/tanh/iwae", guides.Amortized{Hidden: []int{4}, Activation: ops.Tanh}, svi.IWAEBound},
		{"diagonal/relu2/kl", guides.Amortized{Hidden: []int{5, 4}, Activation: ops.ReLU}, svi.KLELBO},
		{"diagonal/linear/trace", guides.Amortized{}, svi.TraceELBO},
		{"cholesky/tanh/trace", guides.Amortized{Hidden: []int{4}, Activation: ops.Tanh, Covariance: guides.Cholesky}, svi.TraceELBO},
		{"cholesky/tanh/entropy", guides.Amortized{Hidden: []int{4}, Activation: ops.Tanh, Covariance: guides.Cholesky}, svi.EntropyELBO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enc := tc.enc
			enc.Input, enc.Dim, enc.InitScale = "x", d, 0.5
			j, err := guides.Join(guides.Part{Guide: enc, Sites: []string{"z"}}, guides.Part{Guide: guides.MeanField{InitScale: 0.3}, Sites: []string{"mu"}})
			require.NoError(t, err)
			tr, err := svi.New(localModel{n: n, b: b, l: l, d: d}, j, svi.Config{Particles: 2, Estimator: tc.est})
			require.NoError(t, err)
			st, err := tr.Init(3)
			require.NoError(t, err)
			if enc.Covariance == guides.Cholesky {
				// Start off the diagonal so that the Cholesky head matters.
				for _, s := range []string{"w", "b"} {
					v, _ := st.Params.Get("guides/z/tril/" + s)
					copy(v, seeded(len(v), 5))
				}
			}
			_, err = tr.Step(st, svi.Batch{"x": x, "A": a})
			require.NoError(t, err)
			p := st.Params.Clone()
			_, g, err := tr.LossGrad(p)
			require.NoError(t, err)
			for i, name := range p.Names() {
				// The loss reads p, whose element fdcheck.Grad perturbs in place.
				want := fdcheck.Grad(func([]float64) float64 {
					l, _, err := tr.LossGrad(p)
					require.NoError(t, err)
					return l
				}, p.At(i), 1e-5)
				for k, w := range want {
					// Tolerance: central differences with step 1e-5 on
					// a smooth loss of size ~10² (ReLU kinks are not hit
					// at this seed), as in TestJoinGradients.
					assert.InDelta(t, w, g.At(i)[k], 1e-6*math.Max(1, math.Abs(w)), "%s[%d]", name, k)
				}
			}
		})
	}
}

// TestAmortizedEncodeMatchesGraph recomputes the graph's loss on the host
// from Encode and Encoding.Rsample. With a likelihood that ignores z, the
// closed-form-KL loss is a deterministic function of the encoder's output,
// −ℓ + (N/B) Σ KL(N(μ, σ²) ‖ N(0, 1)). The trace loss,
// −(ℓ(x | zA) + (N/B)(log p(z) − log q(z | x))), needs the step's noise:
// the test redraws it from a copy of the state's source, as the trainer
// fills its one noise input (svi fills noise inputs in declaration order
// with dist.FillStdNormal).
func TestAmortizedEncodeMatchesGraph(t *testing.T) {
	const n, b, l, d = 8, 4, 3, 5
	const scale = float64(n) / b
	x := seeded(b*d, 7)
	a := seeded(l*d, 8)
	logLik := func(mean func(i, j int) float64) float64 {
		s := 0.0
		for i := 0; i < b; i++ {
			for j := 0; j < d; j++ {
				r := (x[i*d+j] - mean(i, j)) / 0.5
				s += -0.5*r*r - math.Log(0.5) - dist.LogSqrt2Pi
			}
		}
		return scale * s
	}
	for _, tc := range []struct {
		cov guides.Covariance
		est svi.Estimator
	}{{guides.Diagonal, svi.KLELBO}, {guides.Diagonal, svi.TraceELBO}, {guides.Cholesky, svi.TraceELBO}} {
		t.Run(tc.cov.String()+"/"+tc.est.String(), func(t *testing.T) {
			enc := guides.Amortized{Input: "x", Dim: d, Hidden: []int{6, 4}, Activation: ops.Tanh, Covariance: tc.cov}
			kl := tc.est == svi.KLELBO
			tr, err := svi.New(localModel{n: n, b: b, l: l, d: d, noZ: kl, withoutGlob: true}, enc, svi.Config{Estimator: tc.est})
			require.NoError(t, err)
			st, err := tr.Init(11)
			require.NoError(t, err)
			if tc.cov == guides.Cholesky {
				for _, s := range []string{"w", "b"} {
					v, _ := st.Params.Get("guides/z/tril/" + s)
					copy(v, seeded(len(v), 5))
				}
			}
			eps := make([]float64, b*l)
			dist.FillStdNormal(eps, st.Clone().Rand())
			_, err = tr.Step(st, svi.Batch{"x": x, "A": a})
			require.NoError(t, err)
			st.Params = st.Params.Clone()
			loss, _, err := tr.LossGrad(st.Params)
			require.NoError(t, err)
			es, err := enc.Encode(st.Params, []string{"z"}, x, b)
			require.NoError(t, err)
			e := es["z"]
			var want float64
			if kl {
				want = -logLik(func(int, int) float64 { return 0 })
				for i := range e.Loc {
					m, s := e.Loc[i], e.Scale[i]
					want += scale * (0.5*(s*s+m*m-1) - math.Log(s))
				}
			} else {
				z := make([]float64, b*l)
				for i := 0; i < b; i++ {
					lq := e.Rsample(i, eps[i*l:(i+1)*l], z[i*l:(i+1)*l])
					want += scale * lq
					for _, v := range z[i*l : (i+1)*l] {
						want += scale * (0.5*v*v + dist.LogSqrt2Pi)
					}
				}
				want -= logLik(func(i, j int) float64 {
					s := 0.0
					for k := 0; k < l; k++ {
						s += z[i*l+k] * a[k*d+j]
					}
					return s
				})
			}
			// Tolerance: the same sums in a different order.
			assert.InDelta(t, want, loss, 1e-10)
		})
	}
}

// TestAmortizedExactPosterior: for z_n ~ N(0, I₂) and x_n = z_n W + 0.5 ε
// with W fixed, the posterior is N(Λ⁻¹W xₙ/σ², Λ⁻¹), Λ = I + WWᵀ/σ², linear
// in x with a constant, correlated covariance. A linear Cholesky encoder
// can represent it, so its fitted ELBO must reach log p(x) =
// Σₙ log N(xₙ; 0, WᵀW + σ²I); a diagonal one must stop short by exactly
// N·½(Σᵢ log Λᵢᵢ − log|Λ|), the smallest KL from a factorized q to the
// posterior. Both oracles are closed forms.
func TestAmortizedExactPosterior(t *testing.T) {
	const n, l, d, sigma = 200, 2, 3, 0.5
	w := []float64{1, 0.5, 0.2, 0.8, -0.3, 0.9} // [L, D]
	r := rand.New(rand.NewPCG(21, 1))
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		z := []float64{r.NormFloat64(), r.NormFloat64()}
		for j := 0; j < d; j++ {
			x[i*d+j] = z[0]*w[j] + z[1]*w[d+j] + sigma*r.NormFloat64()
		}
	}
	W := mat.NewDense(l, d, w)
	C := mat.NewSymDense(d, nil)
	C.SymOuterK(1, W.T())
	for j := 0; j < d; j++ {
		C.SetSym(j, j, C.At(j, j)+sigma*sigma)
	}
	var ch mat.Cholesky
	require.True(t, ch.Factorize(C))
	logp := 0.0
	for i := 0; i < n; i++ {
		xi := mat.NewVecDense(d, x[i*d:(i+1)*d])
		var s mat.VecDense
		require.NoError(t, ch.SolveVecTo(&s, xi))
		logp += -0.5 * (float64(d)*math.Log(2*math.Pi) + ch.LogDet() + mat.Dot(xi, &s))
	}
	Lam := mat.NewSymDense(l, nil)
	Lam.SymOuterK(1/(sigma*sigma), W)
	for i := 0; i < l; i++ {
		Lam.SetSym(i, i, Lam.At(i, i)+1)
	}
	klMF := 0.5 * (math.Log(Lam.At(0, 0)) + math.Log(Lam.At(1, 1)) - math.Log(mat.Det(Lam)))
	model := svi.ModelFunc(func(m *svi.M) error {
		z := m.Sample("z", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, n, l)
		wn := m.Data("W", l, d)
		xn := m.Data("x", n, d)
		if m.Err() != nil {
			return m.Err()
		}
		mean, err := G.Mul(z, wn)
		if err != nil {
			return err
		}
		m.Observe("x", dist.Normal{Loc: mean, Scale: m.Const(sigma)}, xn)
		return m.Err()
	})
	for _, tc := range []struct {
		cov  guides.Covariance
		want float64
	}{{guides.Cholesky, logp}, {guides.Diagonal, logp - n*klMF}} {
		t.Run(tc.cov.String(), func(t *testing.T) {
			t.Parallel()
			enc := guides.Amortized{Input: "x", Dim: d, Covariance: tc.cov, InitScale: 0.5}
			tr, err := svi.New(model, enc, svi.Config{Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.02}})
			require.NoError(t, err)
			st, err := tr.Init(4)
			require.NoError(t, err)
			batch := svi.Batch{"x": x, "W": w}
			require.NoError(t, tr.Feed(batch))
			_, err = svi.Run(t.Context(), tr, st, nil, &svi.Settings{Steps: 3000, Average: true, Schedule: decay{3000}})
			require.NoError(t, err)
			elbo, se, err := tr.ELBO(st, batch, 2000, 5)
			require.NoError(t, err)
			t.Logf("%v: ELBO %.4f ± %.4f, oracle %.4f, log p(x) %.4f (mean-field KL %.4f nats per datum)", tc.cov, elbo, se, tc.want, logp, klMF)
			// Tolerance: 0.003 nats per datum of optimization error; the
			// Monte Carlo error (se) is far smaller. The two oracles are
			// 0.14 nats per datum apart.
			assert.InDelta(t, tc.want/n, elbo/n, 0.003)
			assert.LessOrEqual(t, elbo, logp+3*se, "the ELBO is a lower bound")
		})
	}
}

// decay lowers the learning rate geometrically to 1% over steps.
type decay struct{ steps int }

func (d decay) Scale(st *svi.State) float64 { return math.Pow(0.01, float64(st.Iter)/float64(d.steps)) }

// TestAmortizedSitesAndInputs covers bad configurations and wiring.
func TestAmortizedSitesAndInputs(t *testing.T) {
	x := seeded(12, 1)
	a := seeded(6, 2)
	model := localModel{n: 4, b: 4, l: 2, d: 3, withoutGlob: true}
	for _, tc := range []struct {
		name string
		enc  guides.Amortized
		want string
	}{
		{"no input", guides.Amortized{Dim: 3}, "needs the name of its Input"},
		{"no dim", guides.Amortized{Input: "x"}, "Dim must be at least 1"},
		{"bad hidden", guides.Amortized{Input: "x", Dim: 3, Hidden: []int{4, 0}}, "hidden layer 1 has width 0"},
		{"bad activation", guides.Amortized{Input: "x", Dim: 3, Activation: 9}, "unknown activation"},
		{"bad covariance", guides.Amortized{Input: "x", Dim: 3, Covariance: 7}, "unknown covariance"},
		{"bad scale", guides.Amortized{Input: "x", Dim: 3, InitScale: -1}, "InitScale must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svi.New(model, tc.enc, svi.Config{})
			assert.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("vector site", func(t *testing.T) {
		m := svi.ModelFunc(func(m *svi.M) error {
			m.Sample("z", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 4)
			m.Data("x", 4, 3)
			return m.Err()
		})
		_, err := svi.New(m, guides.Amortized{Input: "x", Dim: 3}, svi.Config{})
		assert.ErrorContains(t, err, `site "z" must be a [rows, latent] matrix`)
	})
	t.Run("rows differ", func(t *testing.T) {
		m := svi.ModelFunc(func(m *svi.M) error {
			m.Sample("z", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 4, 2)
			m.Sample("y", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 5, 2)
			return m.Err()
		})
		_, err := svi.New(m, guides.Amortized{Input: "x", Dim: 3}, svi.Config{})
		assert.ErrorContains(t, err, "have 4 and 5 rows")
	})
	t.Run("data only the guide reads must be fed", func(t *testing.T) {
		tr, err := svi.New(model, guides.Amortized{Input: "pixels", Dim: 3}, svi.Config{})
		require.NoError(t, err)
		st, err := tr.Init(1)
		require.NoError(t, err)
		_, err = tr.Step(st, svi.Batch{"x": x, "A": a})
		assert.ErrorContains(t, err, `no value given for data "pixels"`)
	})
	t.Run("wrong width is refused by New", func(t *testing.T) {
		_, err := svi.New(model, guides.Amortized{Input: "A", Dim: 3}, svi.Config{})
		assert.ErrorContains(t, err, `data "A" declared with shapes`)
	})
	t.Run("draw needs data", func(t *testing.T) {
		enc := guides.Amortized{Input: "x", Dim: 3}
		tr, err := svi.New(model, enc, svi.Config{})
		require.NoError(t, err)
		st, err := tr.Init(1)
		require.NoError(t, err)
		_, err = tr.Sample(st, 10, rand.New(rand.NewPCG(1, 2)))
		assert.ErrorContains(t, err, "svi.HostDrawer")
		_, err = enc.Encode(st.Params, []string{"z"}, x[:5], 2)
		assert.ErrorContains(t, err, "5 values for 2 rows of 3")
		_, err = enc.Encode(st.Params, []string{"w"}, x, 4)
		assert.ErrorContains(t, err, `no encoder head for site "w"`)
		e, err := enc.Encode(st.Params, []string{"z"}, x, 4)
		require.NoError(t, err)
		assert.Equal(t, 4, e["z"].Rows)
		assert.Len(t, e["z"].Loc, 8)
		assert.Nil(t, e["z"].Tril)
	})
	t.Run("parameter names and shapes", func(t *testing.T) {
		enc := guides.Amortized{Input: "x", Dim: 3, Hidden: []int{5}, Covariance: guides.Cholesky}
		tr, err := svi.New(localModel{n: 4, b: 4, l: 3, d: 3, withoutGlob: true}, enc, svi.Config{})
		require.NoError(t, err)
		lay := tr.Layout()
		assert.Equal(t, enc.ParamNames(tr.Sites()), lay.Names())
		for name, shape := range map[string][]int{
			"guides/z/enc/w0": {3, 5}, "guides/z/enc/b0": {5},
			"guides/z/loc/w": {5, 3}, "guides/z/rho/b": {3}, "guides/z/tril/w": {5, 3},
		} {
			assert.Equal(t, shape, lay.Shape(name), name)
		}
	})
}

// TestAmortizedInit: Glorot-uniform weights within ±√(6/(in+out)), ρ's
// bias at softplus⁻¹(InitScale), the rest zero, and the same seed gives the
// same values.
func TestAmortizedInit(t *testing.T) {
	enc := guides.Amortized{Input: "x", Dim: 3, Hidden: []int{40}, InitScale: 0.2}
	model := localModel{n: 4, b: 4, l: 2, d: 3, withoutGlob: true}
	tr, err := svi.New(model, enc, svi.Config{})
	require.NoError(t, err)
	s1, err := tr.Init(9)
	require.NoError(t, err)
	s2, err := tr.Init(9)
	require.NoError(t, err)
	w, _ := s1.Params.Get("guides/z/enc/w0")
	bound := math.Sqrt(6.0 / 43)
	var sumsq float64
	for _, v := range w {
		assert.LessOrEqual(t, math.Abs(v), bound)
		sumsq += v * v
	}
	// Tolerance: the sample variance of 120 uniforms, sd ≈ 13% of a²/3.
	assert.InEpsilon(t, bound*bound/3, sumsq/float64(len(w)), 0.4)
	w2, _ := s2.Params.Get("guides/z/enc/w0")
	assert.Equal(t, w, w2)
	rb, _ := s1.Params.Get("guides/z/rho/b")
	for _, v := range rb {
		assert.InDelta(t, 0.2, math.Log1p(math.Exp(v)), 1e-12)
	}
	lb, _ := s1.Params.Get("guides/z/loc/b")
	assert.Equal(t, []float64{0, 0}, lb)
}

func ExampleAmortized() {
	// A local latent z_n per row of a minibatch, read by the encoder from
	// the data array "x".
	model := svi.ModelFunc(func(m *svi.M) error {
		z := m.Sample("z", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, 4, 2)
		x := m.Data("x", 4, 2)
		if m.Err() != nil {
			return m.Err()
		}
		m.Observe("x", dist.Normal{Loc: z, Scale: m.Const(0.5)}, x)
		return m.Err()
	})
	// A linear encoder: the exact posterior N(0.8 xₙ, 0.2 I) is in reach.
	enc := guides.Amortized{Input: "x", Dim: 2}
	tr, err := svi.New(model, enc, svi.Config{Particles: 8, Estimator: svi.KLELBO, Optimizer: svi.Adam{LearnRate: 0.02}})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := tr.Init(1)
	x := []float64{1, 1, -1, -1, 2, 0, 0, 2}
	if err := tr.Feed(svi.Batch{"x": x}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 4000, Average: true}); err != nil {
		fmt.Println(err)
		return
	}
	e, _ := enc.Encode(st.Params, []string{"z"}, x, 4)
	z := e["z"]
	fmt.Printf("μ₁ = (%.2f, %.2f), σ₁ = (%.2f, %.2f)\n", z.Loc[0], z.Loc[1], z.Scale[0], z.Scale[1])
	// Output: μ₁ = (0.80, 0.80), σ₁ = (0.45, 0.45)
}
