package fhmm_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/models/fhmm"
	"github.com/govi/govi/svi"
)

// netEnumTol compares the enumeration path's ELBO and gradient with the
// closed form's: the same objective written two ways (the enumerated
// expectation of the one-hot model terms against the closed-form
// expectation), sums of O(100) terms of magnitude ≤ 100 in different
// orders; ~1e-13 observed.
const netEnumTol = 1e-8

// TestNetEnumMatchesClosedForm: at the same random network weights, the
// svi enum estimator's loss on the model with Categorical sites s_t⁽ᵐ⁾
// (guides.AmortizedDiscrete) equals −ELBO of the closed form (host and
// svi graph), and its gradient with respect to every weight equals the
// closed-form path's, to netEnumTol. The cases couple 2 and 3 chains at
// each time step (L^M = 4, 9 and 8 joint states per row).
func TestNetEnumMatchesClosedForm(t *testing.T) {
	for _, c := range []netCase{
		{"M=1 L=3 T=5", 1, 3, 2, 5, 1, false},
		{"M=2 L=2 T=6", 2, 2, 2, 6, 2, false},
		{"M=2 L=3 T=7", 2, 3, 3, 7, 3, false},
		{"M=3 L=2 T=4", 3, 2, 1, 4, 4, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, y := c.problem(t)
			elbo, closed, enum, cg, eg, err := fhmm.NetObjectives(p, y, 1, 5, c.seed)
			require.NoError(t, err)
			assert.InDelta(t, -elbo, closed, netEnumTol*max(1, -elbo))
			assert.InDelta(t, closed, enum, netEnumTol*max(1, -elbo))
			for _, b := range []struct {
				name       string
				want, have []float64
			}{{"W1", cg.W1, eg.W1}, {"B1", cg.B1, eg.B1}, {"W2", cg.W2, eg.W2}, {"B2", cg.B2, eg.B2}} {
				require.Len(t, b.have, len(b.want), b.name)
				for i := range b.want {
					assert.InDelta(t, b.want[i], b.have[i], netEnumTol*max(1, math.Abs(b.want[i])), "%s[%d]", b.name, i)
				}
			}
		})
	}
}

// TestTrainNetEnum: TrainNet with NetEnum and with NetScore trains the
// network from the same start as NetClosed; enum follows the same
// objective with the same gradients, so its final closed-form ELBO equals
// NetClosed's to 1e-6 relative (Adam on equal gradients up to rounding);
// score, unbiased but noisy, ends within 3 nats of it on this small
// problem. A zero initial probability is refused for enum.
func TestTrainNetEnum(t *testing.T) {
	p, y := randomProblem(t, 2, 2, 2, 12, 8)
	set := fhmm.NetSettings{Window: 1, Hidden: 6, Steps: 150, LearnRate: 0.02, Seed: 3}
	closed, err := fhmm.TrainNet(context.Background(), p, y, set)
	require.NoError(t, err)
	set.Estimator = fhmm.NetEnum
	enum, err := fhmm.TrainNet(context.Background(), p, y, set)
	require.NoError(t, err)
	assert.InDelta(t, closed.ELBO, enum.ELBO, 1e-6*math.Abs(closed.ELBO))
	require.Len(t, enum.Trace, 150)
	assert.InDelta(t, closed.Trace[0], enum.Trace[0], 1e-8*math.Abs(closed.Trace[0]))
	set.Estimator = fhmm.NetScore
	score, err := fhmm.TrainNet(context.Background(), p, y, set)
	require.NoError(t, err)
	t.Logf("closed %.6f, enum %.6f, score %.6f", closed.ELBO, enum.ELBO, score.ELBO)
	assert.InDelta(t, closed.ELBO, score.ELBO, 3)

	p.Pi[0] = []float64{0, 1}
	set.Estimator = fhmm.NetEnum
	_, err = fhmm.TrainNet(context.Background(), p, y, set)
	assert.ErrorContains(t, err, "Params.Pi[0][0] = 0")
}

// TestTrainNetFloat32: each network estimator trains a float32 graph
// (the closed form's custom op widened to float64 and rounded; enum's and
// score's Categorical sites, TileRows, LogSumExp and encoder in float32)
// from the same start as float64, and the final closed-form ELBO (scored
// on the host in float64) agrees with the float64 fit's. Float32 rounds
// each step's gradient to about 1e-7 relative and Adam carries the
// difference through 150 steps; closed and enum are deterministic, and
// score draws the same noise in both dtypes. Seen: final ELBOs within
// 1.3e-10 relative, first-step losses within 1.8e-6 (enum, whose float32
// graph sums the most terms). The bound, 1e-4 relative, leaves a margin of
// fifty and is far below the ELBO's change over the fit (ten nats).
func TestTrainNetFloat32(t *testing.T) {
	const f32NetTol = 1e-4
	p, y := randomProblem(t, 2, 2, 2, 12, 8)
	for _, est := range []fhmm.NetEstimator{fhmm.NetClosed, fhmm.NetEnum, fhmm.NetScore} {
		set := fhmm.NetSettings{Window: 1, Hidden: 6, Steps: 150, LearnRate: 0.02, Seed: 3, Estimator: est}
		f64, err := fhmm.TrainNet(context.Background(), p, y, set)
		require.NoError(t, err)
		set.DType = svi.Float32
		f32, err := fhmm.TrainNet(context.Background(), p, y, set)
		require.NoError(t, err, "%v", est)
		t.Logf("%v: ELBO float64 %.8f, float32 %.8f (relative difference %.3g); first step %.8f and %.8f", est, f64.ELBO, f32.ELBO, math.Abs(f32.ELBO-f64.ELBO)/math.Abs(f64.ELBO), f64.Trace[0], f32.Trace[0])
		assert.InDelta(t, f64.ELBO, f32.ELBO, f32NetTol*math.Abs(f64.ELBO), "%v", est)
		assert.InDelta(t, f64.Trace[0], f32.Trace[0], f32NetTol*math.Abs(f64.Trace[0]), "%v first step", est)
	}
}
