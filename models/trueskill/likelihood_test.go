package trueskill

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/stat/distuv"
)

// directRelTol compares LogLik with the textbook formulas evaluated
// naively (distuv.Normal.CDF, 1/(1 + e⁻ˣ)) where those are accurate, |d| ≤ 6:
// the naive log of a difference of CDFs loses up to ~3 digits when the draw
// probability is small, hence 1e-10 rather than a few ulps.
const directRelTol = 1e-10

// directAbsTol is the floor for log-probabilities near 0: a naive CDF near 1
// carries an absolute rounding error of up to 2⁻⁵³ ≈ 1.1e-16 per operation.
const directAbsTol = 1e-15

// fdRelTol compares the exported derivatives with central differences
// (gonum diff/fd, step 1e-4 for the gradient and 1e-3 for the Hessian):
// truncation error h²·f‴/6 ≈ 1e-8 relative, rounding ε|f|/h below 1e-9 for
// the magnitudes tested.
const fdRelTol = 1e-6

// directProbs evaluates the package-doc formulas literally; for a draw
// with d < 0 it uses the mirror image F(−a) − F(−b) of F(b) − F(a), as
// anyone would, so that the two CDFs are not both near 1.
func directProbs(c Config, d float64) Forecast {
	cdf := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	sc := c.Beta
	if c.Link == Probit {
		cdf = distuv.UnitNormal.CDF
		sc = math.Sqrt2 * c.Beta
	}
	a, b := (-c.Margin-d)/sc, (c.Margin-d)/sc
	draw := cdf(b) - cdf(a)
	if d < 0 {
		draw = cdf(-a) - cdf(-b)
	}
	return Forecast{Win: cdf((d - c.Margin) / sc), Draw: draw, Loss: cdf(a)}
}

func configs() []Config {
	var cs []Config
	for _, link := range []Link{Probit, Logistic} {
		for _, beta := range []float64{0.5, 1, 4.1667} {
			for _, eps := range []float64{0, 0.3, 2} {
				cs = append(cs, Config{Sigma0: 1, Beta: beta, Margin: eps, Link: link})
			}
		}
	}
	return cs
}

func TestLogLikDirect(t *testing.T) {
	t.Parallel()
	for _, c := range configs() {
		t.Run(fmt.Sprintf("%v/beta=%v/eps=%v", c.Link, c.Beta, c.Margin), func(t *testing.T) {
			t.Parallel()
			for _, d := range []float64{-6, -2.5, -0.4, 0, 0.1, 1, 3.3, 6} {
				want := directProbs(c, d)
				got := c.Probs(d)
				for _, r := range []Result{Win, Draw, Loss} {
					if r == Draw && c.Margin == 0 {
						assert.True(t, math.IsInf(c.LogLik(Draw, d), -1), "no-draw model at d=%v", d)
						continue
					}
					w := math.Log(want.Prob(r))
					assert.InDelta(t, w, c.LogLik(r, d), directRelTol*math.Abs(w)+directAbsTol, "log P(%v | d=%v)", r, d)
				}
				assert.InDelta(t, 1, got.Win+got.Draw+got.Loss, forecastSumTol, "sum at d=%v", d)
			}
		})
	}
}

func TestLogLikDerivsFD(t *testing.T) {
	t.Parallel()
	for _, c := range configs() {
		t.Run(fmt.Sprintf("%v/beta=%v/eps=%v", c.Link, c.Beta, c.Margin), func(t *testing.T) {
			t.Parallel()
			for _, r := range []Result{Win, Draw, Loss} {
				if r == Draw && c.Margin == 0 {
					continue
				}
				for _, d := range []float64{-40, -8, -1, 0, 0.7, 5, 40} {
					lp, g, h := c.LogLikDerivs(r, d)
					assert.Equal(t, c.LogLik(r, d), lp)
					f := func(x float64) float64 { return c.LogLik(r, x) }
					df := func(x float64) float64 { _, g, _ := c.LogLikDerivs(r, x); return g }
					wantG := fd.Derivative(f, d, &fd.Settings{Formula: fd.Central, Step: 1e-4})
					wantH := fd.Derivative(df, d, &fd.Settings{Formula: fd.Central, Step: 1e-3})
					assert.InDelta(t, wantG, g, fdRelTol*math.Max(math.Abs(wantG), 1), "grad %v at d=%v", r, d)
					assert.InDelta(t, wantH, h, fdRelTol*math.Max(math.Abs(wantH), 1), "hess %v at d=%v", r, d)
					// Log-concavity; the Hessian of a near-certain result
					// underflows to −0 (e.g. −λ(57)·57 ≈ e^(−1600)).
					assert.LessOrEqual(t, h, 0.0, "log-concavity: hess %v at d=%v", r, d)
					if math.Abs(d) <= 8 {
						assert.Less(t, h, 0.0, "strict log-concavity: hess %v at d=%v", r, d)
					}
				}
			}
		})
	}
}

// Far outside the range where probabilities are representable, LogLik and
// its derivatives follow the asymptotes: for the probit link
// log Φ(z) ≈ −z²/2 − log(−z√(2π)) and d/dz log Φ(z) ≈ −z as z → −∞; for the
// logistic link log σ(z) ≈ z and d/dz → 1.
func TestLogLikTails(t *testing.T) {
	t.Parallel()
	// asymptoteRelTol: the next terms of the expansions are O(1/z²) ≤ 1e-6
	// relative at |z| ≥ 1e3.
	const asymptoteRelTol = 1e-5
	for _, c := range configs() {
		for _, d := range []float64{-1e4, -3e3, 3e3, 1e4} {
			for _, r := range []Result{Win, Draw, Loss} {
				if r == Draw && c.Margin == 0 {
					continue
				}
				lp, g, h := c.LogLikDerivs(r, d)
				for _, v := range []float64{lp, g, h} {
					require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%+v %v d=%v: %v %v %v", c, r, d, lp, g, h)
				}
			}
			// The unlikely one-sided result, z = (d − ε)/scale for a win.
			r, z := Win, (d-c.Margin)/c.noiseScale()
			if d > 0 {
				r, z = Loss, (-c.Margin-d)/c.noiseScale()
			}
			lp, g, _ := c.LogLikDerivs(r, d)
			sign := 1.0
			if r == Loss {
				sign = -1
			}
			if c.Link == Probit {
				assertRel(t, -z*z/2-math.Log(-z*math.Sqrt(2*math.Pi)), lp, asymptoteRelTol, "probit tail %v", d)
				assertRel(t, sign*-z/c.noiseScale(), g, asymptoteRelTol, "probit tail grad %v", d)
			} else {
				assertRel(t, z, lp, asymptoteRelTol, "logistic tail %v", d)
				assertRel(t, sign/c.noiseScale(), g, asymptoteRelTol, "logistic tail grad %v", d)
			}
		}
	}
}

func TestLogJoint(t *testing.T) {
	t.Parallel()
	ds, err := NewDataset([]string{"a", "b", "c"}, []Game{{0, 1, Win}, {1, 2, Draw}, {2, 0, Loss}, {0, 2, Win}})
	require.NoError(t, err)
	s := []float64{0.4, -0.3, 1.2}
	for _, c := range []Config{
		{Mu0: 0.5, Sigma0: 1.5, Beta: 0.8, Margin: 0.2, Link: Probit},
		{Mu0: -1, Sigma0: 0.7, Beta: 1.3, Margin: 0.5, Link: Logistic},
	} {
		want := 0.0
		prior := distuv.Normal{Mu: c.Mu0, Sigma: c.Sigma0}
		for _, x := range s {
			want += prior.LogProb(x)
		}
		for _, g := range ds.Games {
			want += math.Log(directProbs(c, s[g.P1]-s[g.P2]).Prob(g.Result))
		}
		grad := make([]float64, 3)
		got, err := c.LogJoint(ds, s, grad)
		require.NoError(t, err)
		assertRel(t, want, got, directRelTol, "%v log joint", c.Link)
		f := func(x []float64) float64 { v, _ := c.LogJoint(ds, x, nil); return v }
		wantGrad := fd.Gradient(nil, f, s, &fd.Settings{Formula: fd.Central, Step: 1e-4})
		for i := range s {
			assert.InDelta(t, wantGrad[i], grad[i], fdRelTol*math.Max(math.Abs(wantGrad[i]), 1), "%v grad[%d]", c.Link, i)
		}
	}
	c := Config{Sigma0: 1, Beta: 1}
	_, err = c.LogJoint(ds, []float64{1}, nil)
	assert.Error(t, err)
	_, err = c.LogJoint(ds, s, make([]float64, 2))
	assert.Error(t, err)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, Config{Sigma0: 1, Beta: 1}.Validate())
	for _, c := range []Config{
		{},
		{Sigma0: 1},
		{Beta: 1},
		{Sigma0: -1, Beta: 1},
		{Sigma0: 1, Beta: math.Inf(1)},
		{Sigma0: 1, Beta: 1, Margin: -0.1},
		{Sigma0: 1, Beta: 1, Margin: math.NaN()},
		{Mu0: math.NaN(), Sigma0: 1, Beta: 1},
		{Sigma0: 1, Beta: 1, Link: Link(9)},
	} {
		err := c.Validate()
		require.Error(t, err, "%+v", c)
		assert.True(t, strings.HasPrefix(err.Error(), "trueskill: "), err.Error())
	}
	assert.True(t, math.IsNaN(Config{Sigma0: 1, Beta: 1}.LogLik(Result(0), 0.3)))
	assert.Equal(t, "probit", Probit.String())
	assert.Equal(t, "logistic", Logistic.String())
}
