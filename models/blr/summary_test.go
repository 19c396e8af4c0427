package blr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestSummaries(t *testing.T) {
	t.Parallel()
	p := &Posterior{Mean: []float64{1, 2}, Cov: mat.NewSymDense(2, []float64{4, 1, 1, 9}), MeanFieldVar: []float64{1, 4},
		LogEvidence: -10, MeanFieldELBO: -11}
	assert.Equal(t, Summary{Mean: []float64{1, 2}, Std: []float64{2, 3}, Cov: [][]float64{{4, 1}, {1, 9}}}, p.Summary())
	q := &MeanField{Mean: []float64{0.5, 1}, Var: []float64{4, 0.25}}
	assert.Equal(t, Summary{Mean: []float64{0.5, 1}, Std: []float64{2, 0.5}}, q.Summary())

	// |1.5 − 1| = 0.5 is the largest mean error; the mean-field optimum's
	// sds are 1 and 2, so the relative sd errors are 0.2 and 0.
	c, err := p.Compare(Summary{Mean: []float64{1.5, 2}, Std: []float64{1.2, 2}})
	require.NoError(t, err)
	const tol = 1e-15 // one subtraction and one division
	assert.InDelta(t, 0.5, c.MaxAbsMeanError, tol)
	assert.InDelta(t, 0.2, c.MaxRelStdErrorMF, tol)
	assert.Equal(t, -10.0, c.LogEvidence)
	assert.Equal(t, -11.0, c.MeanFieldELBO)
	_, err = p.Compare(Summary{Mean: []float64{1}})
	assert.ErrorContains(t, err, "1 means and 0 sds for 2 weights")
}
