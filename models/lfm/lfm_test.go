package lfm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/require"
)

// randomProblem returns parameters with K factors and D outputs (weights and
// bias N(0, 1), σ = 0.8, π_j uniform on (0.1, 0.9)) and N rows drawn from
// them, all from one seeded PCG.
func randomProblem(t testing.TB, k, d, n int, seed uint64) (lfm.Params, [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	p := lfm.Params{W: make([][]float64, k), B: make([]float64, d), Sigma: 0.8, Pi: make([]float64, k)}
	for j := range p.W {
		p.W[j] = make([]float64, d)
		for i := range p.W[j] {
			p.W[j][i] = r.NormFloat64()
		}
		p.Pi[j] = 0.1 + 0.8*r.Float64()
	}
	for i := range p.B {
		p.B[i] = r.NormFloat64()
	}
	_, x, err := lfm.Generate(p, n, r)
	require.NoError(t, err)
	return p, x
}

// bernoulliProblem returns parameters with K factors and D Bernoulli
// outputs (weights N(0, 1.5²), bias N(0, 1), π_j uniform on (0.1, 0.9))
// and N rows drawn from them, all from one seeded PCG.
func bernoulliProblem(t testing.TB, k, d, n int, seed uint64) (lfm.Params, [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 13))
	p := lfm.Params{W: make([][]float64, k), B: make([]float64, d), Pi: make([]float64, k), Likelihood: lfm.Bernoulli}
	for j := range p.W {
		p.W[j] = make([]float64, d)
		for i := range p.W[j] {
			p.W[j][i] = 1.5 * r.NormFloat64()
		}
		p.Pi[j] = 0.1 + 0.8*r.Float64()
	}
	for i := range p.B {
		p.B[i] = r.NormFloat64()
	}
	_, x, err := lfm.Generate(p, n, r)
	require.NoError(t, err)
	return p, x
}

// barsProblem returns a seeded bars problem with k features and n rows.
func barsProblem(t testing.TB, k, n int, seed uint64) (lfm.Params, [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	p, err := lfm.Bars(k, r)
	require.NoError(t, err)
	_, x, err := lfm.Generate(p, n, r)
	require.NoError(t, err)
	return p, x
}

// state returns the K bits of s as 0/1 values (bit j is z_j).
func state(s, k int) []float64 {
	z := make([]float64, k)
	for j := range z {
		z[j] = float64(s >> j & 1)
	}
	return z
}

// bruteLogJoint returns log p(x, z) by direct evaluation: the Bernoulli
// prior and the density of x around η = Σ_j z_j w_j + b, written out term
// by term (no expansion of the square, no shared code with lfm). Bernoulli
// outputs use the probabilities 1/(1 + e^{−η}) and 1/(1 + e^{η}) of 1 and
// 0, each without cancellation.
func bruteLogJoint(p lfm.Params, x, z []float64) float64 {
	var lp float64
	for j, zj := range z {
		lp += zj*math.Log(p.Pi[j]) + (1-zj)*math.Log(1-p.Pi[j])
	}
	for i, xi := range x {
		mean := p.B[i]
		for j, zj := range z {
			mean += zj * p.W[j][i]
		}
		if p.Likelihood == lfm.Bernoulli {
			if xi == 1 {
				lp += math.Log(1 / (1 + math.Exp(-mean)))
			} else {
				lp += math.Log(1 / (1 + math.Exp(mean)))
			}
			continue
		}
		r := (xi - mean) / p.Sigma
		lp += -0.5*math.Log(2*math.Pi) - math.Log(p.Sigma) - 0.5*r*r
	}
	return lp
}

// bruteExact returns log p(x) and p(z_j = 1 | x) by summing the joint
// density exp(log p(x, z)) over all 2^K states: plain sums of densities, no
// log-sum-exp. The test problems keep every density far from underflow,
// which it checks.
func bruteExact(t testing.TB, p lfm.Params, x []float64) (float64, []float64) {
	t.Helper()
	k := len(p.W)
	var total float64
	marg := make([]float64, k)
	for s := 0; s < 1<<k; s++ {
		z := state(s, k)
		pj := math.Exp(bruteLogJoint(p, x, z))
		total += pj
		for j, zj := range z {
			marg[j] += zj * pj
		}
	}
	require.Greater(t, total, 1e-280, "brute-force evidence underflows; choose a milder problem")
	for j := range marg {
		marg[j] /= total
	}
	return math.Log(total), marg
}

// bruteELBO returns E_q[log p(x, z) − log q(z)] for q(z) = Π_j
// Bernoulli(λ_j), by enumerating the 2^K states.
func bruteELBO(p lfm.Params, x, lambda []float64) float64 {
	k := len(p.W)
	var elbo float64
	for s := 0; s < 1<<k; s++ {
		z := state(s, k)
		q := 1.0
		for j, zj := range z {
			if zj == 1 {
				q *= lambda[j]
			} else {
				q *= 1 - lambda[j]
			}
		}
		if q == 0 {
			continue
		}
		elbo += q * (bruteLogJoint(p, x, z) - math.Log(q))
	}
	return elbo
}
