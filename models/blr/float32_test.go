package blr

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/longtest"
	"github.com/govi/govi/svi"
)

// bostonFit is one SVI fit of the peer's Boston problem (standardized
// inputs and target, intercept column, α = 1, β = 4): q's means of the 14
// standardized coefficients.
type bostonFit struct {
	guide     svi.Guide
	particles int
	// warm steps at learn rate 0.01, then avg steps at 1e-4 whose iterates
	// are averaged (Polyak–Ruppert).
	warm, avg int
	seed      uint64
}

func (f bostonFit) run(t *testing.T, phi, y []float64, d int, dt svi.DType) []float64 {
	t.Helper()
	m := Model{Alpha: peerBostonAlpha, Beta: peerBostonBeta, N: len(y), D: d}
	tr, err := svi.New(m, f.guide, svi.Config{Particles: f.particles, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.01}, DType: dt})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"phi": phi, "y": y}))
	st, err := tr.Init(f.seed)
	require.NoError(t, err)
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: f.warm})
	require.NoError(t, err)
	st.Opt.LRScale = 0.01
	// Without Stop, Average keeps the mean of the second half of the run.
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 2 * f.avg, Average: true})
	require.NoError(t, err)
	// Summarize takes the means from the guide's parameters (svi.Momenter),
	// not from the draws.
	sum, err := tr.Summarize(st, 2, rand.New(rand.NewPCG(1, 2)), nil)
	require.NoError(t, err)
	return sum[0].Mean
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// TestFloat32BostonMatchesFloat64 fits the Boston regression with each
// Gaussian guide in float32 and float64 from the same seed (same noise):
// the float32 fit's means are the float64 fit's within f32FitTol, and both
// are within the Monte Carlo tolerance of the exact posterior means, in
// the standardized units of the coefficients.
func TestFloat32BostonMatchesFloat64(t *testing.T) {
	phi, y, d := bostonDesign(t)
	post, err := Exact(phi, y, d, peerBostonAlpha, peerBostonBeta)
	require.NoError(t, err)
	// f32FitTol: float32 rounds each step's gradient (sums of 506 terms)
	// to about 1e-6 relative; Adam's iterates contract towards the same
	// optimum, so the two trajectories stay within a few lr·1e-6 of each
	// other: 1e-9 seen for the mean field, 2e-6 for the full-rank guide,
	// whose 196 parameters ride on the float32 entropy's log-diagonal;
	// 1e-5 leaves a margin.
	const f32FitTol = 1e-5
	// mcTol: Polyak averaging over T steps of S particles leaves an error
	// of sd ≈ σⱼ/√(S·T) in mean j, σⱼ ≤ 0.066 the posterior sds (see
	// TestFloat32BostonWithin1e4): 0.066/√(8·500) = 1e-3, and 4 sd over
	// 14 coefficients is 4e-3. This short fit checks the dtypes agree;
	// TestFloat32BostonWithin1e4 is the long fit that reaches 1e-4.
	const mcTol = 4e-3
	for _, tc := range []struct {
		name  string
		guide svi.Guide
	}{
		{"meanfield", guides.MeanField{}},
		{"fullrank", guides.FullRank{}},
		{"lowrank", guides.LowRank{Rank: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := bostonFit{guide: tc.guide, particles: 8, warm: 1500, avg: 500, seed: 3}
			m64 := f.run(t, phi, y, d, svi.Float64)
			m32 := f.run(t, phi, y, d, svi.Float32)
			t.Logf("%s: max |float32 − float64| %.3g, max |float32 − exact| %.3g", tc.name, maxAbsDiff(m32, m64), maxAbsDiff(m32, post.Mean))
			assert.Less(t, maxAbsDiff(m32, m64), f32FitTol, "float32 against float64 means")
			assert.Less(t, maxAbsDiff(m32, post.Mean), mcTol, "float32 against exact means")
		})
	}
}

// TestFloat32BostonWithin1e4 is issue #17's check "the BLR posterior means
// within 1e-4 of exact" in float32: the mean-field fit of `train blr
// -method svi -standardize -dtype float32 -particles 32 -steps 20000
// -stop=false` (Adam at 0.01, the plateau schedule down to ×0.01, the
// iterates of the second half averaged) has its 14 means, in the units of
// the standardized inputs and target, within 1e-4 of the exact posterior
// means. The float32 rounding is not what limits it (the float32 and
// float64 fits differ by about 1e-8, TestFloat32BostonMatchesFloat64):
// the Monte Carlo gradient is. Averaging T iterates of S particles leaves
// an error of sd ≈ σⱼ/√(S·T) in mean j, σⱼ ≤ 0.066 the posterior sds, so
// 1e-4 over the 14 means takes S·T of a few 10⁵ particle-steps: 9.3e-5 at
// S = 32 and T = 10,000 (seed 1), 6e-4 at the command's default (S = 8,
// 3,000 steps, stopped on a plateau). Long test: minutes.
func TestFloat32BostonWithin1e4(t *testing.T) {
	longtest.Skip(t)
	phi, y, d := bostonDesign(t)
	post, err := Exact(phi, y, d, peerBostonAlpha, peerBostonBeta)
	require.NoError(t, err)
	m := Model{Alpha: peerBostonAlpha, Beta: peerBostonBeta, N: len(y), D: d}
	tr, err := svi.New(m, guides.MeanField{}, svi.Config{Particles: 32, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.01}, DType: svi.Float32})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"phi": phi, "y": y}))
	st, err := tr.Init(1)
	require.NoError(t, err)
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 20000, Average: true,
		Schedule: &svi.ReduceOnPlateau{Window: 250, Patience: 2, Factor: 0.3, MinScale: 0.01}})
	require.NoError(t, err)
	sum, err := tr.Summarize(st, 2, rand.New(rand.NewPCG(1, 2)), nil)
	require.NoError(t, err)
	got := maxAbsDiff(sum[0].Mean, post.Mean)
	t.Logf("max |float32 mean − exact| = %.3g (standardized units)", got)
	// 1e-4: the figure, absolute, in standardized units.
	const exactTol = 1e-4
	assert.Less(t, got, exactTol)
}
