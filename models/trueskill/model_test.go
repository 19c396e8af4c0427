package trueskill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// Agreement of the graph's log joint with the host-side oracle: both sum
// the same terms in float64, over a few thousand games, so they differ by
// rounding only. The gradient tolerance is the same relative to the size of
// the gradient's entries.
const (
	logJointRelTol = 1e-12
	gradAbsTol     = 1e-10
)

// pointMass returns a trainer whose objective is the model's log joint at
// the Delta guide's location (svi: with every site a point mass the loss is
// −log p(x, z) in the constrained space), and a state.
func pointMass(t *testing.T, m *Model) (*svi.Trainer, *svi.State) {
	t.Helper()
	tr, err := svi.New(m, guides.Delta{}, svi.Config{})
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	return tr, st
}

// graphLogJoint returns the graph's log joint and its gradient with
// respect to the skills at s (and, when present, at the unconstrained
// values of the margin and home sites).
func graphLogJoint(t *testing.T, tr *svi.Trainer, st *svi.State, s []float64, extra map[string]float64) (float64, []float64) {
	t.Helper()
	loc, ok := st.Params.Get("guides/" + SiteSkill + "/loc")
	require.True(t, ok)
	copy(loc, s)
	for site, v := range extra {
		p, ok := st.Params.Get("guides/" + site + "/loc")
		require.True(t, ok, site)
		p[0] = v
	}
	loss, grad, err := tr.LossGrad(st.Params)
	require.NoError(t, err)
	g, _ := grad.Get("guides/" + SiteSkill + "/loc")
	out := make([]float64, len(g))
	for i, v := range g {
		out[i] = -v
	}
	return -loss, out
}

// TestModelLogJoint checks the graph's log joint and gradient against the
// host-side Config.LogJoint at random skill vectors, for both links, with
// and without draws, with either gather, including skill differences far in
// the tails (|d| up to ~40 noise scales).
func TestModelLogJoint(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct {
		name   string
		c      Config
		draws  bool
		gather Gather
		spread float64 // standard deviation of the random skills
	}{
		{"probit", Config{Sigma0: 1, Beta: 1}, false, GatherPairs, 1},
		{"probit rows", Config{Sigma0: 1, Beta: 1}, false, GatherRows, 1},
		{"logistic", Config{Mu0: 0.5, Sigma0: 2, Beta: 0.7, Link: Logistic}, false, GatherPairs, 2},
		{"probit draws", Config{Sigma0: 1, Beta: 1, Margin: 0.5}, true, GatherPairs, 1},
		{"probit draws rows", Config{Sigma0: 1, Beta: 1, Margin: 0.5}, true, GatherRows, 1},
		{"logistic draws", Config{Sigma0: 1, Beta: 0.6, Margin: 0.3, Link: Logistic}, true, GatherPairs, 1},
		{"probit tails", Config{Sigma0: 1, Beta: 0.05, Margin: 0.01}, true, GatherPairs, 1},
		{"logistic tails", Config{Sigma0: 1, Beta: 0.05, Margin: 0.01, Link: Logistic}, true, GatherRows, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := tc.c
			if !tc.draws {
				gen.Margin = 0
			}
			ds, _ := synthLeague(r, 30, 400, Config{Sigma0: 1, Beta: 1, Margin: gen.Margin})
			for _, composed := range []bool{false, true} {
				m, err := NewModel(ds, tc.c, Options{Composed: composed, Gather: tc.gather})
				require.NoError(t, err)
				checkLogJoint(t, r, m, ds, tc.c, tc.spread)
			}
		})
	}
}

// checkLogJoint compares m's graph log joint and gradient with
// c.LogJoint at three random skill vectors.
func checkLogJoint(t *testing.T, r *rand.Rand, m *Model, ds *Dataset, c Config, spread float64) {
	t.Helper()
	tr, st := pointMass(t, m)
	for k := 0; k < 3; k++ {
		s := make([]float64, len(ds.Players))
		for i := range s {
			s[i] = c.Mu0 + spread*r.NormFloat64()
		}
		want := make([]float64, len(s))
		lj, err := c.LogJoint(ds, s, want)
		require.NoError(t, err)
		got, grad := graphLogJoint(t, tr, st, s, nil)
		assert.InDelta(t, lj, got, logJointRelTol*math.Abs(lj), "log joint (composed: %v)", m.opt.Composed)
		for i := range want {
			assert.InDelta(t, want[i], grad[i], gradAbsTol*(1+math.Abs(want[i])), "gradient %d (composed: %v)", i, m.opt.Composed)
		}
	}
}

// TestModelLearnedSites checks the log joint with a learned margin and a
// home advantage against the host-side likelihood Config.LogLik summed over
// the games, plus the priors, and its gradient against finite differences.
func TestModelLearnedSites(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(6, 6))
	for _, tc := range []struct {
		link     Link
		composed bool
	}{{Probit, false}, {Probit, true}, {Logistic, false}, {Logistic, true}} {
		t.Run(fmt.Sprintf("%v/composed=%v", tc.link, tc.composed), func(t *testing.T) {
			c := Config{Sigma0: 1.3, Beta: 0.8, Link: tc.link}
			ds, _ := synthLeague(r, 12, 150, Config{Sigma0: 1, Beta: 1, Margin: 0.4})
			o := Options{LearnMargin: true, MarginScale: 0.7, HomeAdvantage: true, HomeScale: 0.5, Composed: tc.composed}
			m, err := NewModel(ds, c, o)
			require.NoError(t, err)
			tr, st := pointMass(t, m)
			host := func(s []float64, eps, eta float64) float64 {
				cc := c
				cc.Margin = eps
				lp := 0.0
				for _, x := range s {
					z := (x - c.Mu0) / c.Sigma0
					lp += -0.5*z*z - math.Log(c.Sigma0) - special.LogSqrt2Pi
				}
				// Half-normal prior of ε, normal prior of η.
				lp += math.Ln2 - 0.5*eps*eps/(o.MarginScale*o.MarginScale) - math.Log(o.MarginScale) - special.LogSqrt2Pi
				lp += -0.5*eta*eta/(o.HomeScale*o.HomeScale) - math.Log(o.HomeScale) - special.LogSqrt2Pi
				for _, gm := range ds.Games {
					lp += cc.LogLik(gm.Result, s[gm.P1]-s[gm.P2]+eta)
				}
				return lp
			}
			s := make([]float64, len(ds.Players))
			for i := range s {
				s[i] = r.NormFloat64()
			}
			const eps, eta = 0.35, 0.2
			// The Delta guide's margin location is log ε (the positive
			// site's unconstrained value); its objective has no Jacobian.
			got, grad := graphLogJoint(t, tr, st, s, map[string]float64{SiteMargin: math.Log(eps), SiteHome: eta})
			want := host(s, eps, eta)
			assert.InDelta(t, want, got, logJointRelTol*math.Abs(want), "log joint")
			fdGrad := fd.Gradient(nil, func(x []float64) float64 { return host(x, eps, eta) }, s, &fd.Settings{Formula: fd.Central})
			for i := range s {
				assert.InDelta(t, fdGrad[i], grad[i], fdGradTol, "gradient %d", i)
			}
			// The scalar sites: ∂/∂(log ε) and ∂/∂η.
			_, g, err := tr.LossGrad(st.Params)
			require.NoError(t, err)
			gm, _ := g.Get("guides/" + SiteMargin + "/loc")
			gh, _ := g.Get("guides/" + SiteHome + "/loc")
			fdM := fd.Derivative(func(u float64) float64 { return host(s, math.Exp(u), eta) }, math.Log(eps), &fd.Settings{Formula: fd.Central})
			fdH := fd.Derivative(func(h float64) float64 { return host(s, eps, h) }, eta, &fd.Settings{Formula: fd.Central})
			assert.InDelta(t, fdM, -gm[0], fdGradTol*(1+math.Abs(fdM)), "∂/∂log ε")
			assert.InDelta(t, fdH, -gh[0], fdGradTol*(1+math.Abs(fdH)), "∂/∂η")
			t.Logf("∂/∂log ε = %.6f (fd %.6f), ∂/∂η = %.6f (fd %.6f)", -gm[0], fdM, -gh[0], fdH)
		})
	}
}

// fdGradTol is the agreement of a central-difference gradient (step 6e-6,
// error O(h²·f‴) + O(ε/h) ≈ 1e-8 here) with the exact one (R12: 1e-5).
const fdGradTol = 1e-5

// TestGatherGradient checks both ways of forming the skill differences
// (Gather: ops.PairDiff, checked in ops, and gorgonia's ByIndices on a
// [P, 1] column) against finite differences, with repeated indices,
// through a nonlinear function so that the incoming gradient varies by
// element.
func TestGatherGradient(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	const n, games = 6, 40
	p := &pairs{n: n}
	for range games {
		a := r.IntN(n)
		b := (a + 1 + r.IntN(n-1)) % n
		p.a, p.b = append(p.a, a), append(p.b, b)
	}
	w := make([]float64, games)
	for i := range w {
		w[i] = r.NormFloat64()
	}
	// f(s) = Σ_g w_g·tanh(s_a − s_b).
	host := func(s []float64) float64 {
		f := 0.0
		for g := range p.a {
			f += w[g] * math.Tanh(s[p.a[g]]-s[p.b[g]])
		}
		return f
	}
	for _, gather := range []Gather{GatherPairs, GatherRows} {
		t.Run(gather.String(), func(t *testing.T) {
			g := G.NewGraph()
			st := tensor.New(tensor.WithShape(n), tensor.WithBacking(make([]float64, n)))
			s := G.NewTensor(g, tensor.Float64, 1, G.WithShape(n), G.WithName("s"), G.WithValue(st))
			b := graph.New(g)
			f := b.Sum(b.Mul(b.Tanh(p.diff(b, s, gather)), vecConst(g, w, "w")))
			require.NoError(t, b.Err())
			grads, err := G.Grad(f, s)
			require.NoError(t, err)
			vm := G.NewTapeMachine(g, G.BindDualValues(s))
			defer vm.Close()
			x := st.Data().([]float64)
			for k := range x {
				x[k] = r.NormFloat64()
			}
			require.NoError(t, vm.RunAll())
			assert.InDelta(t, host(x), f.Value().Data().(float64), 1e-12)
			got := grads[0].Value().Data().([]float64)
			want := fd.Gradient(nil, host, x, &fd.Settings{Formula: fd.Central})
			for i := range want {
				assert.InDelta(t, want[i], got[i], fdGradTol, "∂f/∂s[%d]", i)
			}
		})
	}
}
