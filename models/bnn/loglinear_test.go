package bnn

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/svi"
)

// TestNoHiddenLayerSites: with an empty Hidden the inputs feed the output
// layer directly, one weight matrix and one bias vector.
func TestNoHiddenLayerSites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    Config
		inputs int
		want   map[string][]int
	}{
		{"linear regression", Config{}, 13, map[string][]int{"layer0/w": {13, 1}, "layer0/b": {1}, "tau": {}}},
		{"logistic regression", Config{Hidden: []int{}, Task: Classification, Classes: 2}, 5, map[string][]int{
			"layer0/w": {5, 1}, "layer0/b": {1}}},
		{"softmax regression", Config{Task: Classification, Classes: 10}, 64, map[string][]int{
			"layer0/w": {64, 10}, "layer0/b": {10}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewModel(tc.cfg, tc.inputs, 8, 100)
			require.NoError(t, err)
			sites, err := svi.Trace(m)
			require.NoError(t, err)
			got := map[string][]int{}
			for _, s := range sites {
				got[s.Name] = s.Shape
			}
			assert.Len(t, got, len(tc.want))
			for name, shape := range tc.want {
				assert.True(t, slices.Equal(shape, got[name]), "site %s: shape %v, want %v", name, got[name], shape)
			}
		})
	}
}

// TestLinearRegressionNoHidden: a network with no hidden layer is Bayesian
// linear regression. On 400 rows of y = 1 + 2x₁ − x₂ + 0·x₃ + N(0, 0.5²)
// its predictive mean matches ordinary least squares (which the weak
// N(0, 1) prior on standardized weights barely moves), and its noise sd
// the posterior mean of σ = s_y/√τ given the OLS residuals, under the
// BNN's Gamma(6, 6) prior on τ (which pulls σ well above the true 0.5):
//
//	τ | D ≈ Gamma(6 + n/2, 6 + SSE/(2 s_y²)),  E[s_y/√τ] = s_y √β Γ(α−½)/Γ(α).
//
// The posterior sd of each coefficient is 0.5/√400 = 0.025, so a linear
// fit lands within 0.05 of OLS at |x| ≤ 2 while any nonlinearity or a
// missing bias would not.
func TestLinearRegressionNoHidden(t *testing.T) {
	t.Parallel()
	const n, d = 400, 3
	r := rand.New(rand.NewPCG(11, 12))
	x, y := make([]float64, n*d), make([]float64, n)
	for i := range n {
		for j := range d {
			x[i*d+j] = r.NormFloat64()
		}
		y[i] = 1 + 2*x[i*d] - x[i*d+1] + 0.5*r.NormFloat64()
	}
	data, err := NewData(x, y, d)
	require.NoError(t, err)
	net, err := Fit(context.Background(), Config{}, data, Settings{Steps: 3000, Batch: n, LearnRate: 0.01, Anneal: 0.25, Seed: 1})
	require.NoError(t, err)
	ols := olsFit(t, x, y, n, d)
	xt := []float64{0, 0, 0, 2, -1, 0.5, -1.5, 1, -2, 0.3, 0.3, 0.3}
	p, err := net.Predict(xt, 2000, 3)
	require.NoError(t, err)
	const tolMean = 0.05 // two posterior sds of a coefficient; see above
	// Relative. The weights' own posterior spread adds ≈ (d+1)/(2τ) ≈ 0.15
	// to β ≈ 15 (1%, neglected), the log-normal q(τ) is not the Gamma
	// posterior and 2000 draws add 0.1%: 5% catches a wrong scale or prior.
	const tolNoise = 0.05
	for i := range p.N {
		want := ols[d]
		for j := range d {
			want += ols[j] * xt[i*d+j]
		}
		assert.InDelta(t, want, p.Mean[i], tolMean, "row %d", i)
	}
	var noise float64
	for _, s := range p.NoiseStd {
		noise += s / float64(p.T)
	}
	var sse, my, vy float64
	for i := range n {
		f := ols[d]
		for j := range d {
			f += ols[j] * x[i*d+j]
		}
		sse += (y[i] - f) * (y[i] - f)
		my += y[i] / n
	}
	for _, v := range y {
		vy += (v - my) * (v - my) / n
	}
	alpha, beta := DefaultNoiseShape+n/2.0, DefaultNoiseRate+sse/(2*vy)
	lg1, _ := math.Lgamma(alpha - 0.5)
	lg2, _ := math.Lgamma(alpha)
	want := math.Sqrt(vy) * math.Sqrt(beta) * math.Exp(lg1-lg2)
	t.Logf("noise sd %.4f, posterior mean %.4f", noise, want)
	assert.InDelta(t, 1, noise/want, tolNoise, "noise sd %.3f, want %.3f", noise, want)
}

// olsFit returns the least-squares coefficients of y on the n×d inputs x,
// then the intercept.
func olsFit(t *testing.T, x, y []float64, n, d int) []float64 {
	t.Helper()
	a := mat.NewDense(n, d+1, nil)
	for i := range n {
		for j := range d {
			a.Set(i, j, x[i*d+j])
		}
		a.Set(i, d, 1)
	}
	var beta mat.VecDense
	require.NoError(t, beta.SolveVec(a, mat.NewVecDense(n, y)))
	out := beta.RawVector().Data
	require.False(t, math.IsNaN(out[0]))
	return out
}
