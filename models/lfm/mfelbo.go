package lfm

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/govi/govi/internal/special"
)

// MeanFieldELBO returns, for every row, the exact ELBO of the mean-field
// q(z_n) = Π_j Bernoulli(λ_nj) under p, for either likelihood:
//
//	E_q[log p(x_n, z)] + H(q_n) = Σ_z q_n(z)·c(z) + λ_nᵀa_n + const_n + H(q_n)
//
// with the split log p(x_n, z) = c(z) + zᵀa_n + const_n of [Exact]: the
// linear term's expectation is λ_nᵀa_n, and the table term is summed over
// the 2^K states with q_n(z) built by doubling, O(2^K) per row. It is how
// govi scores an SVI fit of Bernoulli outputs (no closed form there), and
// for Gaussian outputs it equals CAVI's closed form. K ≤ [MaxExactFactors].
func MeanFieldELBO(p Params, x, lambda [][]float64) ([]float64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	k := p.K()
	if k > MaxExactFactors {
		return nil, fmt.Errorf("%w: K = %d > MaxExactFactors = %d (2^K states)", ErrTooManyFactors, k, MaxExactFactors)
	}
	if err := checkData(x, p.D(), p.Likelihood); err != nil {
		return nil, err
	}
	if len(lambda) != len(x) {
		return nil, fmt.Errorf("lfm: MeanFieldELBO: %d rows of λ for %d rows of data", len(lambda), len(x))
	}
	e := newEnumerator(p)
	q := make([]float64, 1<<k)
	out := make([]float64, len(x))
	for n, row := range x {
		l := lambda[n]
		if len(l) != k {
			return nil, fmt.Errorf("lfm: MeanFieldELBO: λ row %d has %d entries, want K = %d", n, len(l), k)
		}
		base := e.rowTerms(row)
		var lin, ent float64
		for j, v := range l {
			if !(v >= 0 && v <= 1) {
				return nil, fmt.Errorf("lfm: MeanFieldELBO: λ[%d][%d] = %v is outside [0, 1]", n, j, v)
			}
			lin += v * e.a[j]
			ent -= xlogx(v) + xlogx(1-v)
		}
		// q(z) for every state: q[s] = q[s without its top bit]·λ_top,
		// filled from q[0] = Π_j (1 − λ_j).
		q[0] = 1
		for j := range k {
			q[0] *= 1 - l[j]
		}
		var tab float64
		for s := 1; s < len(q); s++ {
			j := bits.Len(uint(s)) - 1
			prev := s &^ (1 << j)
			if l[j] == 1 {
				q[s] = qWithout(l, prev, j)
			} else {
				q[s] = q[prev] * l[j] / (1 - l[j])
			}
		}
		for s, w := range q {
			if w != 0 {
				tab += w * e.c[s]
			}
		}
		out[n] = tab + lin + base + ent
	}
	return out, nil
}

// qWithout returns Π over the bits of state s|1<<j of λ or 1 − λ directly
// (the ratio update divides by 1 − λ_j, which is 0 when λ_j = 1).
func qWithout(l []float64, s, j int) float64 {
	s |= 1 << j
	w := 1.0
	for i, v := range l {
		if s>>i&1 == 1 {
			w *= v
		} else {
			w *= 1 - v
		}
	}
	return w
}

// MeanFieldELBOEstimate returns a Monte Carlo estimate of the summed ELBO
// of the mean-field q(z_n) = Π_j Bernoulli(λ_nj) under p, for any K, with
// its standard error: draws independent draws of every row's z, each
// scored by log p(x_n, z) − log q_n(z). It is how an SVI fit is scored
// when K > MaxExactFactors rules the enumeration out (for Gaussian outputs
// MeanFieldELBO's closed form applies instead; see [ScoreMeanField]).
func MeanFieldELBOEstimate(p Params, x, lambda [][]float64, draws int, r *rand.Rand) (total, stderr float64, err error) {
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	if err := checkData(x, p.D(), p.Likelihood); err != nil {
		return 0, 0, err
	}
	if draws < 2 || len(lambda) != len(x) {
		return 0, 0, fmt.Errorf("lfm: MeanFieldELBOEstimate: need at least 2 draws and one λ row per data row")
	}
	k, d := p.K(), p.D()
	z := make([]float64, k)
	eta := make([]float64, d)
	var variance float64
	for n, row := range x {
		var sum, sq float64
		for range draws {
			lq, lp := 0.0, 0.0
			for j, l := range lambda[n] {
				z[j] = 0
				if r.Float64() < l {
					z[j] = 1
				}
				lq += z[j]*math.Log(l) + (1-z[j])*math.Log1p(-l)
				lp += z[j]*math.Log(p.Pi[j]) + (1-z[j])*math.Log1p(-p.Pi[j])
			}
			copy(eta, p.B)
			for j, w := range p.W {
				if z[j] == 1 {
					floatsAdd(eta, w, 1)
				}
			}
			lp += logLik(p, row, eta)
			v := lp - lq
			sum += v
			sq += v * v
		}
		m := sum / float64(draws)
		total += m
		variance += (sq/float64(draws) - m*m) / float64(draws-1)
	}
	return total, math.Sqrt(variance), nil
}

// logLik returns log p(x | η) for the mean or logits η.
func logLik(p Params, x, eta []float64) float64 {
	var ll float64
	if p.Likelihood == Bernoulli {
		for i, v := range x {
			ll += v*eta[i] - special.Softplus(eta[i])
		}
		return ll
	}
	for i, v := range x {
		r := (v - eta[i]) / p.Sigma
		ll += -0.5*r*r - math.Log(p.Sigma) - 0.5*math.Log(2*math.Pi)
	}
	return ll
}

// ScoreMeanField returns the summed ELBO of the mean-field q with λ under
// p and its standard error: exact (stderr 0) by enumeration for K ≤
// MaxExactFactors or in closed form for Gaussian outputs, with per-row
// values; otherwise MeanFieldELBOEstimate's estimate from draws draws per
// row (rows nil).
func ScoreMeanField(p Params, x, lambda [][]float64, draws int, r *rand.Rand) (total, stderr float64, rows []float64, err error) {
	switch {
	case p.K() <= MaxExactFactors:
		rows, err = MeanFieldELBO(p, x, lambda)
	case p.Likelihood == Gaussian:
		if err = p.Validate(); err == nil {
			err = checkData(x, p.D(), p.Likelihood)
		}
		if err == nil {
			c := newCAVIState(p)
			rows = make([]float64, len(x))
			for n, row := range x {
				rows[n] = c.elbo(row, lambda[n])
			}
		}
	default:
		total, stderr, err = MeanFieldELBOEstimate(p, x, lambda, draws, r)
		return total, stderr, nil, err
	}
	for _, v := range rows {
		total += v
	}
	return total, 0, rows, err
}
