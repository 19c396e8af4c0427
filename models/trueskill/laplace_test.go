package trueskill

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// laplaceGradTol: at the returned mode the gradient of the log joint is
// zero to the Newton tolerance 1e-10 times the Hessian's scale (≤ 1e3 here).
const laplaceGradTol = 1e-7

// laplaceHessTol compares the covariance with the inverse of the negative
// finite-difference Hessian of the log joint (gonum diff/fd, central
// differences of the analytic gradient): truncation and rounding ≈ 1e-7.
const laplaceHessTol = 1e-5

func TestLaplace(t *testing.T) {
	t.Parallel()
	ds, err := NewDataset([]string{"a", "b", "c", "d"}, []Game{
		{0, 1, Win}, {0, 1, Win}, {1, 2, Draw}, {2, 3, Loss}, {3, 0, Win}, {0, 2, Win}, {1, 3, Draw},
	})
	require.NoError(t, err)
	for _, c := range []Config{
		{Mu0: 0.5, Sigma0: 1.2, Beta: 0.7, Margin: 0.3},
		{Mu0: 0, Sigma0: 1, Beta: 1, Margin: 0.3, Link: Logistic},
	} {
		p, err := Laplace(ds, c, nil)
		require.NoError(t, err)
		grad := make([]float64, 4)
		_, err = c.LogJoint(ds, p.Mean, grad)
		require.NoError(t, err)
		for i, g := range grad {
			assert.InDelta(t, 0, g, laplaceGradTol, "%v gradient %d at the mode", c.Link, i)
		}
		gradFn := func(dst, x []float64) { _, _ = c.LogJoint(ds, x, dst) }
		h := mat.NewDense(4, 4, nil)
		fd.Jacobian(h, gradFn, p.Mean, &fd.JacobianSettings{Formula: fd.Central})
		h.Scale(-1, h)
		var want mat.Dense
		require.NoError(t, want.Inverse(h))
		for i := range 4 {
			assert.InDelta(t, math.Sqrt(want.At(i, i)), p.Std[i], laplaceHessTol, "%v std %d", c.Link, i)
			for j := range 4 {
				assert.InDelta(t, want.At(i, j), p.Cov.At(i, j), laplaceHessTol, "%v cov %d %d", c.Link, i, j)
			}
		}
	}
	_, err = Laplace(ds, Config{Sigma0: 1, Beta: 1}, nil)
	assert.ErrorContains(t, err, "Margin is 0")
	_, err = Laplace(ds, Config{Sigma0: 1, Beta: 1, Margin: 0.3}, &LaplaceSettings{MaxIter: -1})
	assert.Error(t, err)
	_, err = Laplace(ds, Config{Sigma0: 1, Beta: 1, Margin: 0.3}, &LaplaceSettings{MaxIter: 1})
	assert.ErrorContains(t, err, "no convergence")
}
