package trueskill

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGibbsErrors(t *testing.T) {
	t.Parallel()
	ds, err := TwoPlayerCase{Wins: 2, Draws: 1}.Dataset()
	require.NoError(t, err)
	ok := Config{Sigma0: 1, Beta: 1, Margin: 0.2}
	set := GibbsSettings{Samples: 200}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		ds   *Dataset
		c    Config
		s    GibbsSettings
		r    *rand.Rand
		msg  string
	}{
		{"invalid config", ds, Config{Sigma0: 1}, set, r, "Beta"},
		{"logistic link", ds, Config{Sigma0: 1, Beta: 1, Margin: 0.2, Link: Logistic}, set, r, "probit"},
		{"draw without margin", ds, Config{Sigma0: 1, Beta: 1}, set, r, "Margin is 0"},
		{"no games", &Dataset{Players: []string{"a"}}, ok, set, r, "no games"},
		{"no samples", ds, ok, GibbsSettings{}, r, "invalid settings"},
		{"too few for batches", ds, ok, GibbsSettings{Samples: 50}, r, "invalid settings"},
		{"negative burn-in", ds, ok, GibbsSettings{Samples: 200, BurnIn: -1}, r, "invalid settings"},
		{"nil source", ds, ok, set, nil, "nil random source"},
	} {
		_, err := Gibbs(tc.ds, tc.c, tc.s, tc.r)
		require.Error(t, err, tc.name)
		assert.ErrorContains(t, err, tc.msg, tc.name)
		assert.True(t, strings.HasPrefix(err.Error(), "trueskill: "), err.Error())
	}
}

func TestGibbsSeeded(t *testing.T) {
	t.Parallel()
	ds, err := TwoPlayerCase{Wins: 3, Draws: 2, Losses: 1}.Dataset()
	require.NoError(t, err)
	c := Config{Sigma0: 1, Beta: 1, Margin: 0.3}
	s := GibbsSettings{Samples: 1000, BurnIn: 10, Thin: 2}
	a, err := Gibbs(ds, c, s, rand.New(rand.NewPCG(5, 6)))
	require.NoError(t, err)
	b, err := Gibbs(ds, c, s, rand.New(rand.NewPCG(5, 6)))
	require.NoError(t, err)
	assert.Equal(t, a.Mean, b.Mean, "same seed, same draws")
	assert.Equal(t, a.Std, b.Std)
	d, err := Gibbs(ds, c, s, rand.New(rand.NewPCG(5, 7)))
	require.NoError(t, err)
	assert.NotEqual(t, a.Mean, d.Mean, "another seed, other draws")
	assert.Equal(t, 1000, a.Samples)
	// The covariance's diagonal is Std².
	for i := range a.Std {
		assert.InDelta(t, a.Std[i]*a.Std[i], a.Cov.At(i, i), 1e-12)
	}
}

// TestGibbsMoments checks the streaming moments and batch-means errors on
// a sequence with known answers: an AR(1) process x_t = φx_{t−1} + e_t has
// stationary variance 1/(1 − φ²) and, for the mean of n draws, variance
// (1/n)·(1 + φ)/(1 − φ)·1/(1 − φ²).
func TestGibbsMoments(t *testing.T) {
	t.Parallel()
	const (
		n   = 400_000
		phi = 0.8
	)
	r := rand.New(rand.NewPCG(3, 3))
	m := newMoments(2, n, 50)
	x := []float64{0, 0}
	for range n {
		x[0] = phi*x[0] + r.NormFloat64()
		x[1] = 2 + 0.5*r.NormFloat64() + 0.5*x[0]
		m.add(x)
	}
	mean, std, cov, seMean, seStd := m.result()
	wantVar := 1 / (1 - phi*phi)
	wantSE := math.Sqrt((1 + phi) / (1 - phi) * wantVar / n)
	// batchSETol: the batch-means estimate of a standard error has relative
	// error about √(2/(B−1)) = 0.2 with B = 50 batches; 3 times that.
	const batchSETol = 0.6
	assert.InDelta(t, wantSE, seMean[0], batchSETol*wantSE, "batch-means SE of the mean")
	assert.InDelta(t, 0, mean[0], mcZ*wantSE)
	assert.InDelta(t, math.Sqrt(wantVar), std[0], mcZ*seStd[0])
	assert.InDelta(t, 2, mean[1], mcZ*seMean[1])
	// Cov(x0, x1) = 0.5·Var x0.
	assert.InDelta(t, 0.5*wantVar, cov.At(0, 1), 0.05*wantVar)
}
