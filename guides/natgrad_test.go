package guides_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// conjugate is z ~ N(0, 1/lam0) with n observations x_i ~ N(z, 1/tau):
// its exact posterior has precision lam0 + n·tau and mean tau·Σx over it.
type conjugate struct{ lam0, tau, sumx, n float64 }

func (c conjugate) post() (mean, sd float64) {
	lam := c.lam0 + c.n*c.tau
	return c.tau * c.sumx / lam, 1 / math.Sqrt(lam)
}

// grads returns the exact gradients of −ELBO for q = N(mu, softplus(rho)²):
// ∂/∂μ = (lam0 + n·tau)μ − tau·Σx and ∂/∂σ = (lam0 + n·tau)σ − 1/σ.
func (c conjugate) grads(mu, rho float64) (gmu, grho float64) {
	lam := c.lam0 + c.n*c.tau
	s := special.SoftplusGorgonia(rho)
	return lam*mu - c.tau*c.sumx, (lam*s - 1/s) * special.Sigmoid(rho)
}

func params(t *testing.T, vals map[string]float64) *svi.Params {
	t.Helper()
	p := &svi.Params{}
	for _, name := range []string{"guides/z/loc", "guides/z/rho", "w"} {
		require.NoError(t, p.Add(name, []int{1}, []float64{vals[name]}))
	}
	return p
}

// TestNaturalGradientConjugate: with exact gradients, one step of β = 1 on
// a conjugate model lands on the posterior (Khan & Lin 2017) when the mean's
// step is within the trust region of one old sd ("wide start"), and moves
// the mean by exactly one sd towards it otherwise; a step of β moves the
// precision by the fraction β of the way in natural parameters; a
// parameter outside a loc/rho pair gets Other's step.
func TestNaturalGradientConjugate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       conjugate
		mu, rho float64
	}{
		{"prior start", conjugate{1, 4, 7.5, 3}, 0, special.InverseSoftplus(1)},
		{"far start", conjugate{0.25, 1, -40, 20}, 3, special.InverseSoftplus(0.05)},
		{"wide start", conjugate{2, 0.5, 1, 1}, -1, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantMean, wantSD := tc.c.post()
			for _, beta := range []float64{1, 0.3} {
				o := guides.NaturalGradient{Step: beta, Other: svi.SGD{LearnRate: 0.1}}
				p := params(t, map[string]float64{"guides/z/loc": tc.mu, "guides/z/rho": tc.rho, "w": 2})
				gmu, grho := tc.c.grads(tc.mu, tc.rho)
				g := params(t, map[string]float64{"guides/z/loc": gmu, "guides/z/rho": grho, "w": 0.5})
				s := o.Init(p)
				require.NoError(t, o.Update(s, p, g))
				mu, _ := p.Get("guides/z/loc")
				rho, _ := p.Get("guides/z/rho")
				w, _ := p.Get("w")
				sd := special.SoftplusGorgonia(rho[0])
				lam0 := 1 / math.Pow(special.SoftplusGorgonia(tc.rho), 2)
				wantLam := (1-beta)*lam0 + beta/(wantSD*wantSD)
				assert.InDelta(t, wantLam, 1/(sd*sd), 1e-9*wantLam, "precision, β = %v", beta)
				// The mean moves β·∂L/∂μ/Λ', at most one old sd.
				s0 := special.SoftplusGorgonia(tc.rho)
				step := beta * gmu / wantLam
				if beta == 1 && math.Abs(step) <= s0 {
					assert.InDelta(t, wantMean, mu[0], 1e-12*(1+math.Abs(wantMean)), "mean")
				}
				if beta == 1 {
					assert.InDelta(t, wantSD, sd, 1e-12, "sd")
				}
				assert.InDelta(t, tc.mu-max(-s0, min(s0, step)), mu[0], 1e-12*(1+math.Abs(mu[0])), "mean, β = %v", beta)
				assert.Equal(t, 2-0.1*0.5, w[0], "Other's SGD step")
				assert.Equal(t, 1, s.Step)
			}
		})
	}
}

// TestNaturalGradientFit: an SVI fit of a conjugate model with the default
// Monte Carlo gradients (S = 10) and a decaying step reaches the exact
// posterior. Tolerances: 0.1 posterior sd for the means, 5 % for the sds
// (observed 0.035 sd and 1.3 % at worst).
func TestNaturalGradientFit(t *testing.T) {
	y := []float64{1.2, -0.7, 3.1}
	model := svi.ModelFunc(func(m *svi.M) error {
		z := m.Sample("z", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)}, 3)
		m.Observe("y", dist.Normal{Loc: z, Scale: m.Const(0.5)}, m.Data("y", 3))
		return m.Err()
	})
	opt := guides.NaturalGradient{Step: 0.1, Decay: 100}
	require.NoError(t, opt.Validate())
	tr, err := svi.New(model, guides.MeanField{InitScale: 1}, svi.Config{Particles: 10, Estimator: svi.EntropyELBO, Optimizer: opt})
	require.NoError(t, err)
	st, err := tr.Init(3)
	require.NoError(t, err)
	for range 1500 {
		_, err := tr.Step(st, svi.Batch{"y": y})
		require.NoError(t, err)
	}
	loc, _ := st.Params.Get("guides/z/loc")
	rho, _ := st.Params.Get("guides/z/rho")
	c := conjugate{lam0: 0.25, tau: 4, n: 1}
	for j, yj := range y {
		c.sumx = yj
		mean, sd := c.post()
		got := special.SoftplusGorgonia(rho[j])
		t.Logf("z[%d]: mean %.4f vs %.4f, sd %.4f vs %.4f", j, loc[j], mean, got, sd)
		assert.InDelta(t, mean, loc[j], 0.1*sd)
		assert.InDelta(t, sd, got, 0.05*sd)
	}
}

// TestNaturalGradientMomentum: the second step of the mean carries γ times
// the first (exact gradients of a conjugate model, steps inside the trust
// region).
func TestNaturalGradientMomentum(t *testing.T) {
	c := conjugate{lam0: 2, tau: 0.5, sumx: 1, n: 1}
	o := guides.NaturalGradient{Step: 0.2, Momentum: 0.6}
	mu, rho := -1.0, 20.0
	p := params(t, map[string]float64{"guides/z/loc": mu, "guides/z/rho": rho})
	s := o.Init(p)
	var v float64
	for i := range 2 {
		gmu, grho := c.grads(mu, rho)
		g := params(t, map[string]float64{"guides/z/loc": gmu, "guides/z/rho": grho})
		require.NoError(t, o.Update(s, p, g))
		sd0 := special.SoftplusGorgonia(rho)
		lam1 := max(1/(sd0*sd0)+2*0.2*grho/special.Sigmoid(rho)/(2*sd0), 0.8/(sd0*sd0))
		v = 0.6*v + 0.2*gmu/lam1
		got, _ := p.Get("guides/z/loc")
		assert.InDelta(t, mu-v, got[0], 1e-12, "step %d", i+1)
		mu = got[0]
		r, _ := p.Get("guides/z/rho")
		rho = r[0]
	}
}

func TestNaturalGradientValidate(t *testing.T) {
	for _, o := range []guides.NaturalGradient{{Step: -0.1}, {Step: 1.5}, {Step: math.NaN()}, {Decay: -1}, {Decay: math.Inf(1)}, {Momentum: 1}, {Momentum: -0.1}, {Other: svi.Adam{LearnRate: -1}}} {
		assert.Error(t, o.Validate(), "%+v", o)
	}
	assert.NoError(t, guides.NaturalGradient{}.Validate())
}
