package gmm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// summaryTol covers the roundings of a 2×2 inverse and a mean of two
// draws.
const summaryTol = 1e-12

// TestResultSummary maps a hand-made fit back from standardized units:
// m·std + mean and diag(std) C diag(std).
func TestResultSummary(t *testing.T) {
	t.Parallel()
	r := &Result{Weights: []float64{0.7, 0.3}, Effective: []int{0, 1},
		Means:       [][]float64{{1, -1}, {0, 0.5}},
		Covariances: []*mat.SymDense{mat.NewSymDense(2, []float64{1, 0.5, 0.5, 2}), mat.NewSymDense(2, []float64{0.25, 0, 0, 1})}}
	s := r.Summary([]float64{10, 20}, []float64{2, 3})
	assert.Equal(t, []float64{0.7, 0.3}, s.Weights)
	assert.Equal(t, []int{0, 1}, s.Effective)
	assert.Equal(t, [][]float64{{12, 17}, {10, 21.5}}, s.Means)
	assert.Equal(t, [][]float64{{4, 3, 3, 18}, {1, 0, 0, 9}}, s.Covariances)
	// Without standardization the fit is reported as it is.
	s = r.Summary(nil, nil)
	assert.Equal(t, r.Means, s.Means)
	assert.Equal(t, []float64{1, 0.5, 0.5, 2}, s.Covariances[0])
}

// TestSVIModelSummary averages two hand-made draws of q with W₀ = I
// (L₀ = I, so Λ = AAᵀ):
//
//	component 0: A = diag(2, 1) → Σ = diag(1/4, 1); A = [[1, 0], [1, 1]] →
//	Λ = [[1, 1], [1, 2]], Σ = [[2, −1], [−1, 1]]; mean Σ = [[9/8, −1/2], [−1/2, 1]]
//	component 1: A = I twice → Σ = I
//
// and the weights (0.995, 0.005) twice: only component 0 is effective.
func TestSVIModelSummary(t *testing.T) {
	t.Parallel()
	x := []float64{0.1, 0.5, -1.2, 0.3, 0.8, -0.4, 1.5, 1.1}
	m, err := NewSVIModel(x, 2, Config{K: 2})
	require.NoError(t, err)
	draws := map[string][]float64{
		"weights":       {0.995, 0.005, 0.995, 0.005},
		"means":         {1, 2, 3, 4, 3, 0, 5, 6}, // [t][k][d]
		"bartlett_diag": {2, 1, 1, 1, 1, 1, 1, 1},
		"bartlett_off":  {0, 0, 1, 0},
	}
	s := m.Summary(draws, nil, nil)
	assert.InDeltaSlice(t, []float64{0.995, 0.005}, s.Weights, summaryTol)
	assert.InDeltaSlice(t, []float64{2, 1}, s.Means[0], summaryTol)
	assert.InDeltaSlice(t, []float64{4, 5}, s.Means[1], summaryTol)
	assert.InDeltaSlice(t, []float64{9.0 / 8, -0.5, -0.5, 1}, s.Covariances[0], summaryTol)
	assert.InDeltaSlice(t, []float64{1, 0, 0, 1}, s.Covariances[1], summaryTol)
	assert.Equal(t, []int{0}, s.Effective)

	// In the units of standardized data: means m·std + mean, Σ scaled by
	// std_i·std_j.
	s = m.Summary(draws, []float64{10, 20}, []float64{2, 3})
	assert.InDeltaSlice(t, []float64{14, 23}, s.Means[0], summaryTol)
	assert.InDeltaSlice(t, []float64{4.5, -3, -3, 9}, s.Covariances[0], summaryTol)
}
