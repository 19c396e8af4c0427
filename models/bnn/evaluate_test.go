package bnn

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEvaluate: the metrics are those of the predictive's own methods with
// the same draws, and a selection score reads the same numbers.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := Toy(40, 7)
	net, err := Fit(ctx, Config{Hidden: []int{4}}, d, Settings{Steps: 50, Seed: 1})
	require.NoError(t, err)
	m, err := net.Evaluate(d, 30, 5)
	require.NoError(t, err)
	p, err := net.Predict(d.X, 30, 5)
	require.NoError(t, err)
	rmse, _ := p.RMSE(d.Y)
	ll, _ := p.MeanLogLik(d.Y)
	cov, _ := p.Coverage(d.Y, 0.95)
	noise := 0.0
	for _, s := range p.NoiseStd {
		noise += s / 30
	}
	assert.Equal(t, Metrics{RMSE: rmse, LogLik: ll, Coverage95: cov, NoiseStd: noise}, *m)
	var cp Checkpoint
	require.NoError(t, score(net, d, 30, 5, &cp))
	assert.Equal(t, ll, cp.LogLik)
	assert.Equal(t, rmse, cp.RMSE)

	labels := &Data{X: d.X, Y: make([]float64, d.N), N: d.N, D: 1}
	for i, x := range d.X {
		if x > 0 {
			labels.Y[i] = 1
		}
	}
	cls, err := Fit(ctx, Config{Hidden: []int{4}, Task: Classification, Classes: 2}, labels, Settings{Steps: 50, Seed: 1})
	require.NoError(t, err)
	m, err = cls.Evaluate(labels, 30, 5)
	require.NoError(t, err)
	cp2, err := cls.PredictClass(labels.X, 30, 5)
	require.NoError(t, err)
	acc, _ := cp2.Accuracy(labels.Y)
	nll, _ := cp2.NLL(labels.Y)
	ece, _ := cp2.ECE(labels.Y, 10)
	assert.Equal(t, Metrics{Accuracy: acc, NLL: nll, ECE: ece}, *m)
	require.NoError(t, score(cls, labels, 30, 5, &cp))
	assert.Equal(t, -nll, cp.LogLik)
	assert.Equal(t, 1-acc, cp.RMSE, "the error rate")

	_, err = net.Evaluate(nil, 30, 5)
	assert.ErrorContains(t, err, "no data")
}
