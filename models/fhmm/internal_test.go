package fhmm

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChainEntropy checks the identity the structured ELBO rests on,
// E_q[log p(s)] + H[q] = log Z − Σ_t γ_tᵀ log h_t, against the entropy of
// the chain q computed directly from its marginals and conditionals,
// H = −Σ γ_1 log γ_1 − Σ_t Σ_ij ξ_t(i, j) log(ξ_t(i, j)/γ_t(i)).
func TestChainEntropy(t *testing.T) {
	// entropyTol: two O(100) sums in different orders; ~1e-13 observed.
	const entropyTol = 1e-10
	r := rand.New(rand.NewPCG(5, 5))
	p, err := RandomParams(1, 4, 1, r)
	require.NoError(t, err)
	const steps = 60
	logH := newRect(steps, 4)
	for _, row := range logH {
		for j := range row {
			row[j] = 2 * r.NormFloat64()
		}
	}
	gamma, xi := newRect(steps, 4), newRect(4, 4)
	fb := newChainFB(steps, 4)
	logZ, err := fb.run(p.Pi[0], p.P[0], logH, gamma, xi)
	require.NoError(t, err)
	identity := logZ
	for ti := range gamma {
		identity -= dot(gamma[ti], logH[ti])
	}
	// Direct: per-step pairwise marginals from the forward and backward
	// tables, recomputed here by brute force over the chain's L^2 pairs.
	var direct float64
	for i, g := range gamma[0] {
		direct += xlogy(g, math.Log(p.Pi[0][i])) - xlogy(g, math.Log(g))
	}
	beta := make([]float64, 4)
	for i := range beta {
		beta[i] = 1
	}
	for ti := steps - 2; ti >= 0; ti-- {
		next := make([]float64, 4)
		for i := range next {
			for j := range beta {
				xij := fb.alpha[ti][i] * p.P[0][i][j] * fb.h[ti+1][j] * beta[j] / fb.c[ti+1]
				next[i] += p.P[0][i][j] * fb.h[ti+1][j] * beta[j] / fb.c[ti+1]
				if xij > 0 {
					direct += xij*math.Log(p.P[0][i][j]) - xij*math.Log(xij/gamma[ti][i])
				}
			}
		}
		beta = next
	}
	assert.InDelta(t, identity, direct, entropyTol)
}

// TestUnderflow: a chain whose only possible first state has potential
// e^−1000 relative to the others cannot be normalised in float64.
func TestUnderflow(t *testing.T) {
	p, err := RandomParams(1, 3, 2, rand.New(rand.NewPCG(6, 6)))
	require.NoError(t, err)
	p.Pi[0] = []float64{1, 0, 0}
	logH := [][][]float64{{{-1000, 0, 0}}, {{0, 0, 0}}}
	_, err = Structured(p, [][]float64{{0, 0}, {0, 0}}, Settings{InitLogH: logH})
	assert.True(t, errors.Is(err, ErrUnderflow), "got %v", err)
	assert.ErrorContains(t, err, "fhmm: chain 0: forward recursion underflowed at t = 0")
}

// TestMStepUnderflowIssue16 is the regression for exact EM on the
// Seatbelts series (M = 2, L = 3, seed 1, start 9): an exact E-step gave a
// transition count of 5e-324, count/total underflowed to P_ij = 0, and the
// M-step's ELBO became 5e-324·log 0 = −∞, reported as a decrease. The
// count must keep a positive probability and the expected log-joint stay
// finite, within 1e-300 of its value with the count set to 0.
func TestMStepUnderflowIssue16(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2))
	p, err := RandomParams(1, 2, 2, r)
	require.NoError(t, err)
	_, y, err := Generate(p, 30, r)
	require.NoError(t, err)
	data, err := newEMData(y)
	require.NoError(t, err)
	st, _, err := data.eStep(p, LearnSettings{EStep: EStepExact}, nil, 0)
	require.NoError(t, err)
	require.Greater(t, st.trans[0][1][1], 1.0, "the row's total, so that 5e-324 / total underflows")
	elj := func(tiny float64) (float64, Params) {
		st.trans[0][1][0] = tiny
		next, err := mStep(st, data.syy, p)
		require.NoError(t, err)
		e, err := expectedLogJoint(next, st, data.syy)
		require.NoError(t, err)
		return e, next
	}
	zero, _ := elj(0)
	got, next := elj(math.SmallestNonzeroFloat64)
	assert.Equal(t, math.SmallestNonzeroFloat64, next.P[0][1][0], "P keeps the support of q")
	assert.InDelta(t, zero, got, 1e-300)
}
