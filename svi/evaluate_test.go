package svi_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestEvaluationLeavesTrainingAlone: evaluating the ELBO, the log weights
// and the fit report on held-out data between steps changes nothing of
// what the following steps train on: losses and parameters stay the same
// to the last bit as a run that never evaluates.
func TestEvaluationLeavesTrainingAlone(t *testing.T) {
	cfg := svi.Config{Particles: 3, Optimizer: svi.Adam{LearnRate: 0.05}}
	plain, st1, _ := newNN(t, cfg, 9)
	eval, st2, _ := newNN(t, cfg, 9)
	heldOut := svi.Batch{"y": {5, -3, 8, 0.1, 12}}
	for i := 0; i < 30; i++ {
		a, err := plain.Step(st1, nil)
		require.NoError(t, err)
		b, err := eval.Step(st2, nil)
		require.NoError(t, err)
		require.Equal(t, math.Float64bits(a.Loss), math.Float64bits(b.Loss), "loss of step %d", i)
		_, _, err = eval.ELBO(st2, heldOut, 50, uint64(i))
		require.NoError(t, err)
		_, err = eval.LogWeights(st2, nil, 20, 3)
		require.NoError(t, err)
		_, err = eval.Diagnose(st2, heldOut, 30, 4)
		require.NoError(t, err)
	}
	for i, name := range st1.Params.Names() {
		assert.Equal(t, st1.Params.At(i), st2.Params.At(i), "parameter %s", name)
	}
	assert.Equal(t, st1.RNG, st2.RNG)
}

// TestELBOOnOtherData: the evaluation program reads the data it is given,
// not the training data: the held-out ELBO of a Normal–Normal fit equals
// the closed form E_q[log p(y′, μ)] − E_q[log q(μ)] on those data, far from
// the ELBO on the training data.
func TestELBOOnOtherData(t *testing.T) {
	tr, st, nn := newNN(t, svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.05}}, 5)
	for i := 0; i < 200; i++ {
		_, err := tr.Step(st, nil)
		require.NoError(t, err)
	}
	loc, sd, err := guides.MeanField{}.Moments(st.Params, tr.Sites(), 0)
	require.NoError(t, err)
	m, s := loc[0], sd[0]
	y := []float64{3, -1, 0.5, 2, 7}
	// E_q[log N(y; μ, σ²)] = Σ log N(y; m, σ²) − n s²/(2σ²); the prior term
	// likewise; the entropy of q is ½ log(2πe s²).
	want := 0.5 * math.Log(2*math.Pi*math.E*s*s)
	want += logNorm(m, nn.m0, nn.s0) - s*s/(2*nn.s0*nn.s0)
	for _, v := range y {
		want += logNorm(v, m, nn.sigma) - s*s/(2*nn.sigma*nn.sigma)
	}
	got, se, err := tr.ELBO(st, svi.Batch{"y": y}, 20000, 1)
	require.NoError(t, err)
	// Tolerance: 4 Monte Carlo standard errors of the 20,000-draw mean.
	assert.InDelta(t, want, got, 4*se)
}

func logNorm(x, m, s float64) float64 {
	return -0.5*math.Log(2*math.Pi*s*s) - (x-m)*(x-m)/(2*s*s)
}
