package special

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDirichletELog against closed forms: for integer α, ψ(n) = H(n−1) − γ,
// so E[log π₁] = H(α₁−1) − H(Σα−1).
func TestDirichletELog(t *testing.T) {
	const tol = 1e-14 // mathext.Digamma's accuracy at small integers
	got := DirichletELog(make([]float64, 2), []float64{2, 3})
	assert.InDelta(t, 1-(1+1.0/2+1.0/3+1.0/4), got[0], tol)
	assert.InDelta(t, (1+1.0/2)-(1+1.0/2+1.0/3+1.0/4), got[1], tol)
	got = DirichletELog(make([]float64, 2), []float64{1, 1})
	assert.InDelta(t, -1, got[0], tol)
}
