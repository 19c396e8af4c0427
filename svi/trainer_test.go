package svi_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

var update = flag.Bool("update", false, "rewrite golden files")

// posModel has a real vector site and a positive scalar site.
func posModel() svi.Model {
	return svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)}, 3)
		s := m.Sample("s", logNormalPrior{m.Const(0), m.Const(1)})
		y := m.Data("y", 3)
		m.Observe("y", dist.Normal{Loc: mu, Scale: s}, y)
		return m.Err()
	})
}

func smallModel() normalNormal {
	return normalNormal{m0: 0.5, s0: 1.5, sigma: 0.7, y: []float64{1.2, 0.4, 2.2, 1.7, 0.9}}
}

// TestELBOGradientFD checks the graph's gradient of the −ELBO against central
// finite differences with the noise held fixed, for every estimator whose
// gradient is the gradient of its loss (all but STL, which drops a term on
// purpose; see TestSTLUnbiased) and a constrained (positive) site.
func TestELBOGradientFD(t *testing.T) {
	pos := posModel()
	for _, tc := range []struct {
		name    string
		model   svi.Model
		guide   svi.Guide
		est     svi.Estimator
		workers int
		mixed   bool // Config.KLFallback
	}{
		{"normal-normal/trace", smallModel(), guides.MeanField{}, svi.TraceELBO, 0, false},
		{"normal-normal/trace/2 workers", smallModel(), guides.MeanField{}, svi.TraceELBO, 2, false},
		{"positive site/fullrank/entropy/3 workers", pos, guides.FullRank{InitScale: 0.3}, svi.EntropyELBO, 3, false},
		{"normal-normal/entropy", smallModel(), guides.MeanField{}, svi.EntropyELBO, 0, false},
		{"normal-normal/kl", smallModel(), guides.MeanField{}, svi.KLELBO, 0, false},
		{"positive site/kl with fallback", pos, guides.MeanField{InitScale: 0.3}, svi.KLELBO, 0, true},
		{"normal-normal/iwae", smallModel(), guides.MeanField{}, svi.IWAEBound, 0, false},
		{"positive site/iwae", pos, guides.MeanField{InitScale: 0.3}, svi.IWAEBound, 0, false},
		{"positive site/trace", pos, guides.MeanField{InitScale: 0.3}, svi.TraceELBO, 0, false},
		{"positive site/delta", pos, guides.Delta{}, svi.TraceELBO, 0, false},
		{"positive site/fullrank/trace", pos, guides.FullRank{InitScale: 0.3}, svi.TraceELBO, 0, false},
		{"positive site/fullrank/entropy", pos, guides.FullRank{InitScale: 0.3}, svi.EntropyELBO, 0, false},
		{"positive site/fullrank/iwae", pos, guides.FullRank{InitScale: 0.3}, svi.IWAEBound, 0, false},
		{"positive site/lowrank/trace", pos, guides.LowRank{Rank: 2, InitScale: 0.3}, svi.TraceELBO, 0, false},
		{"positive site/lowrank/entropy", pos, guides.LowRank{Rank: 2, InitScale: 0.3}, svi.EntropyELBO, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := svi.New(tc.model, tc.guide, svi.Config{Particles: 3, Estimator: tc.est, Workers: tc.workers, KLFallback: tc.mixed})
			require.NoError(t, err)
			st, err := tr.Init(11)
			require.NoError(t, err)
			b := svi.Batch{"y": []float64{1.2, 0.4, 2.2, 1.7, 0.9}}
			if tc.name[:3] == "pos" {
				b = svi.Batch{"y": []float64{0.3, -0.8, 1.9}}
			}
			_, err = tr.Step(st, b) // draws noise and moves off the initial point
			require.NoError(t, err)
			p := st.Params.Clone()
			_, g, err := tr.LossGrad(p)
			require.NoError(t, err)
			for i, name := range p.Names() {
				v := p.At(i)
				for j := range v {
					x0 := v[j]
					f := func(x float64) float64 {
						v[j] = x
						l, _, err := tr.LossGrad(p)
						require.NoError(t, err)
						return l
					}
					want := fd.Derivative(f, x0, &fd.Settings{Formula: fd.Central, Step: 1e-5})
					v[j] = x0
					// Tolerance: central differences with step 1e-5 on a loss of
					// order 10 have truncation and rounding error below 1e-6.
					assert.InDelta(t, want, g.At(i)[j], 1e-6*math.Max(1, math.Abs(want)), "%s[%d]", name, j)
				}
			}
		})
	}
}

// logNormalPrior is a log-normal prior written with dist.Normal, used here
// only to give the test a positive site without depending on dist.LogNormal.
type logNormalPrior struct{ loc, scale *G.Node }

func (p logNormalPrior) LogProb(x *G.Node) (*G.Node, error) {
	lx, err := G.Log(x)
	if err != nil {
		return nil, err
	}
	lp, err := dist.Normal{Loc: p.loc, Scale: p.scale}.LogProb(lx)
	if err != nil {
		return nil, err
	}
	return G.Sub(lp, lx)
}

func (logNormalPrior) Support() dist.Bijector { return dist.Positive }

func TestSameSeedSameLosses(t *testing.T) {
	run := func() []float64 {
		tr, err := svi.New(smallModel(), guides.MeanField{}, svi.Config{Particles: 2})
		require.NoError(t, err)
		st, err := tr.Init(42)
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": smallModel().y}))
		res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 50})
		require.NoError(t, err)
		return res.Losses
	}
	a, b := run(), run()
	assert.Equal(t, a, b, "same seed must give bit-identical losses")
	// The golden file pins the losses across code changes: a change in the
	// order the random source is consumed in shows up here. Regenerate only
	// deliberately, with go test ./svi -run SameSeed -update.
	golden := filepath.Join("testdata", "loss.golden")
	if *update {
		var sb strings.Builder
		for _, v := range a {
			fmt.Fprintf(&sb, "%.17g\n", v)
		}
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(sb.String()), 0o644))
	}
	raw, err := os.ReadFile(golden)
	require.NoError(t, err)
	lines := strings.Fields(string(raw))
	require.Len(t, lines, len(a))
	for i, l := range lines {
		want, err := strconv.ParseFloat(l, 64)
		require.NoError(t, err)
		// Tolerance: 1e-9 relative allows a different but equivalent
		// floating-point evaluation order, nothing more.
		assert.InDelta(t, want, a[i], 1e-9*math.Abs(want), "loss %d", i)
	}
}

func TestDifferentStatesDoNotInterfere(t *testing.T) {
	tr, err := svi.New(smallModel(), guides.MeanField{}, svi.Config{})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"y": smallModel().y}))
	a, _ := tr.Init(1)
	b, _ := tr.Init(2)
	solo, _ := tr.Init(1)
	for i := 0; i < 20; i++ {
		ia, err := tr.Step(a, nil)
		require.NoError(t, err)
		_, err = tr.Step(b, nil)
		require.NoError(t, err)
		is, err := tr.Step(solo, nil)
		require.NoError(t, err)
		require.Equal(t, is.Loss, ia.Loss, "step %d", i)
	}
}

func TestBadInput(t *testing.T) {
	nn := smallModel()
	_, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: -1})
	assert.ErrorContains(t, err, "particles must be at least 1")
	_, err = svi.New(nn, guides.MeanField{InitScale: -1}, svi.Config{})
	assert.ErrorContains(t, err, "InitScale must be positive")
	_, err = svi.New(nn, guides.MeanField{}, svi.Config{Optimizer: svi.Adam{LearnRate: -1}})
	assert.ErrorContains(t, err, "learning rate must be positive")

	tr, err := svi.New(nn, guides.MeanField{}, svi.Config{})
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	_, err = tr.Step(st, nil)
	assert.ErrorContains(t, err, `no value given for data "y"`)
	_, err = tr.Step(st, svi.Batch{"y": []float64{1, 2}})
	assert.ErrorContains(t, err, `data "y" has 2 values`)
	_, err = tr.Step(st, svi.Batch{"y": []float64{1, 2, math.NaN(), 4, 5}})
	assert.ErrorContains(t, err, `data "y" element 2 is NaN`)
	_, err = tr.Step(st, svi.Batch{"x": []float64{1}})
	assert.ErrorContains(t, err, `batch has "x"`)
	_, err = tr.Step(&svi.State{}, svi.Batch{"y": nn.y})
	assert.ErrorContains(t, err, "not initialized")

	dup := svi.ModelFunc(func(m *svi.M) error {
		m.Sample("a", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		m.Sample("a", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		return m.Err()
	})
	_, err = svi.New(dup, guides.MeanField{}, svi.Config{})
	assert.ErrorContains(t, err, `site "a" declared twice`)
	_, err = svi.New(svi.ModelFunc(func(m *svi.M) error { return nil }), guides.MeanField{}, svi.Config{})
	assert.ErrorIs(t, err, svi.ErrEmptyModel)
	badScale := svi.ModelFunc(func(m *svi.M) error {
		m.Sample("a", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		m.Scale(-2)
		return m.Err()
	})
	_, err = svi.New(badScale, guides.MeanField{}, svi.Config{})
	assert.ErrorContains(t, err, "likelihood scale must be positive")
}

// TestDivergenceIsReported drives a fit to overflow with an absurd learning
// rate and checks that the run stops with a NonFiniteError naming the step,
// and that the state keeps its last finite parameters.
func TestDivergenceIsReported(t *testing.T) {
	nn := smallModel()
	tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Optimizer: svi.SGD{LearnRate: 1e6}})
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
	res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 1000})
	var nf *svi.NonFiniteError
	require.True(t, errors.As(err, &nf), "want a NonFiniteError, got %v", err)
	assert.Equal(t, "step failed", res.Reason)
	assert.Equal(t, res.Steps, st.Iter)
	for i := range st.Params.Names() {
		for _, v := range st.Params.At(i) {
			assert.False(t, math.IsNaN(v) || math.IsInf(v, 0), "parameters must stay finite")
		}
	}
}

// TestWorkersDeterministic: a fit split over workers gives the same losses
// run after run and whatever GOMAXPROCS is.
func TestWorkersDeterministic(t *testing.T) {
	run := func(procs int) []float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		tr, err := svi.New(smallModel(), guides.MeanField{}, svi.Config{Particles: 4, Workers: 2})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": smallModel().y}))
		st, err := tr.Init(3)
		require.NoError(t, err)
		res, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 30})
		require.NoError(t, err)
		return res.Losses
	}
	a := run(1)
	assert.Equal(t, a, run(2))
	assert.Equal(t, a, run(1))
	_, err := svi.New(smallModel(), guides.MeanField{}, svi.Config{Particles: 2, Workers: 3})
	assert.ErrorContains(t, err, "workers must lie between 1 and the 2 particles")
	_, err = svi.New(smallModel(), guides.MeanField{}, svi.Config{Particles: 4, Workers: 2, Estimator: svi.IWAEBound})
	assert.ErrorContains(t, err, "cannot be split over workers")
}
