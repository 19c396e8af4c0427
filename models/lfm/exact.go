package lfm

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/govi/govi/internal/special"
)

// MaxExactFactors is the largest K that [Exact] enumerates (2^20 states,
// two tables of 8 MiB each).
const MaxExactFactors = 20

// Posterior is the exact posterior of every row, found by enumerating the
// 2^K factor states.
type Posterior struct {
	// LogEvidence holds log p(x_n) per row.
	LogEvidence []float64
	// Total is Σ_n log p(x_n).
	Total float64
	// Marginals holds p(z_nj = 1 | x_n), N rows of K.
	Marginals [][]float64
}

// Exact computes log p(x_n) and the posterior marginals p(z_nj = 1 | x_n)
// of every row of x (N rows of D) by summing over all 2^K states z, for
// either likelihood. It refuses K > [MaxExactFactors] with an error
// wrapping [ErrTooManyFactors].
//
// Both likelihoods split the log joint into a table over states, a term
// linear in z and a per-row constant:
//
//	log p(x_n, z) = c(z) + zᵀa_n + const_n.
//
// Gaussian outputs (expanding the square): c(z) = log p(z) − zᵀGz/(2σ²),
// G = WWᵀ, a_n = W(x_n − b)/σ², const_n = −D/2 log 2πσ² − ‖x_n − b‖²/(2σ²).
// Bernoulli outputs (log p(x | η) = xᵀη − Σ_d log(1 + e^{η_d}) with η =
// Wᵀz + b): c(z) = log p(z) − Σ_d log(1 + e^{(Wᵀz + b)_d}), a_n = Wx_n,
// const_n = x_nᵀb. The table c is built once (O(K·2^K) Gaussian, O(D·2^K)
// Bernoulli); per row, zᵀa_n is filled in O(1) per state from the state
// without its lowest bit, the sum over states is a log-sum-exp, and the K
// marginals come from halving the table K times (2^K additions in all), so
// a row costs O(KD + 2^K). For Gaussian outputs the expansion costs about
// ε·‖x_n − b‖²/σ² of absolute accuracy, negligible unless the data lie far
// from every mean.
func Exact(p Params, x [][]float64) (*Posterior, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if k := p.K(); k > MaxExactFactors {
		return nil, fmt.Errorf("%w: K = %d > MaxExactFactors = %d (2^K states)", ErrTooManyFactors, k, MaxExactFactors)
	}
	if err := checkData(x, p.D(), p.Likelihood); err != nil {
		return nil, err
	}
	e := newEnumerator(p)
	post := &Posterior{LogEvidence: make([]float64, len(x)), Marginals: make([][]float64, len(x))}
	for n, row := range x {
		post.Marginals[n] = make([]float64, p.K())
		post.LogEvidence[n] = e.datum(row, post.Marginals[n])
		post.Total += post.LogEvidence[n]
	}
	return post, nil
}

// enumerator holds the per-state table c(z) and work buffers.
type enumerator struct {
	p      Params
	c      []float64 // c(z) for every state z (bit j of the index is z_j)
	buf    []float64 // per-row work table of 2^K entries
	a, res []float64 // a_n (K) and a D-vector
}

func newEnumerator(p Params) *enumerator {
	k, d := p.K(), p.D()
	e := &enumerator{
		p: p, c: make([]float64, 1<<k), buf: make([]float64, 1<<k),
		a: make([]float64, k), res: make([]float64, d),
	}
	// The log prior of each state, built from the state without its
	// lowest bit j: it gains logit π_j.
	logit := make([]float64, k)
	var logOff float64
	for j, pi := range p.Pi {
		logOff += math.Log1p(-pi)
		logit[j] = math.Log(pi) - math.Log1p(-pi)
	}
	e.c[0] = logOff
	for s := 1; s < 1<<k; s++ {
		j := bits.TrailingZeros(uint(s))
		e.c[s] = e.c[s&^(1<<j)] + logit[j]
	}
	if p.Likelihood == Bernoulli {
		e.subLogPartition()
	} else {
		e.subQuadratic()
	}
	return e
}

// subQuadratic subtracts zᵀGz/(2σ²) from every c(z). quad[s] = zᵀGz is
// built from s without its lowest bit j: it gains G_jj + 2 Σ_{i ∈ rest} G_ji.
func (e *enumerator) subQuadratic() {
	g := gram(e.p.W)
	quad := e.buf
	quad[0] = 0
	for s := 1; s < len(quad); s++ {
		j := bits.TrailingZeros(uint(s))
		rest := s &^ (1 << j)
		q := quad[rest] + g[j][j]
		for r := uint(rest); r != 0; r &= r - 1 {
			q += 2 * g[j][bits.TrailingZeros(r)]
		}
		quad[s] = q
	}
	inv := 1 / (e.p.Sigma * e.p.Sigma)
	for s := range e.c {
		e.c[s] -= 0.5 * inv * quad[s]
	}
}

// etaRefresh is how many Gray-code steps [enumerator.subLogPartition]
// takes between recomputations of η from scratch, which bounds the
// rounding its running sums accumulate.
const etaRefresh = 256

// subLogPartition subtracts Σ_d log(1 + e^{η_d}), η = Wᵀz + b, from every
// c(z). The states are visited in Gray-code order, g(i) = i ⊕ (i >> 1), so
// that each differs from the last in one bit j and η changes by ±w_j: O(D)
// per state.
func (e *enumerator) subLogPartition() {
	eta := e.res
	for i := 0; i < len(e.c); i++ {
		s := i ^ (i >> 1)
		if i%etaRefresh == 0 {
			copy(eta, e.p.B)
			for r := uint(s); r != 0; r &= r - 1 {
				floatsAdd(eta, e.p.W[bits.TrailingZeros(r)], 1)
			}
		} else {
			j := bits.TrailingZeros(uint(i))
			sign := -1.0
			if s>>j&1 == 1 {
				sign = 1
			}
			floatsAdd(eta, e.p.W[j], sign)
		}
		var a float64
		for _, v := range eta {
			a += special.Softplus(v)
		}
		e.c[s] -= a
	}
}

// floatsAdd sets dst += f·v.
func floatsAdd(dst, v []float64, f float64) {
	for i, x := range v {
		dst[i] += f * x
	}
}

// rowTerms sets e.a = a_n and returns const_n (see [Exact]).
func (e *enumerator) rowTerms(x []float64) float64 {
	if e.p.Likelihood == Bernoulli {
		for j, w := range e.p.W {
			e.a[j] = dot(w, x)
		}
		return dot(x, e.p.B)
	}
	inv := 1 / (e.p.Sigma * e.p.Sigma)
	var rr float64
	for i, v := range x {
		e.res[i] = v - e.p.B[i]
		rr += e.res[i] * e.res[i]
	}
	for j, w := range e.p.W {
		e.a[j] = inv * dot(w, e.res)
	}
	return -0.5*float64(len(x))*math.Log(2*math.Pi*e.p.Sigma*e.p.Sigma) - 0.5*inv*rr
}

// datum returns log p(x) and writes p(z_j = 1 | x) into marg.
func (e *enumerator) datum(x, marg []float64) float64 {
	base := e.rowTerms(x)
	// t holds zᵀa while it is built from smaller states; c is added once
	// every state is filled.
	t := e.buf
	t[0] = 0
	for s := 1; s < len(t); s++ {
		j := bits.TrailingZeros(uint(s))
		t[s] = t[s&^(1<<j)] + e.a[j]
	}
	top := math.Inf(-1)
	for s := range t {
		t[s] += e.c[s]
		if t[s] > top {
			top = t[s]
		}
	}
	for s := range t {
		t[s] = math.Exp(t[s] - top)
	}
	// Halve the table K times; before folding bit j, the upper half of the
	// remaining 2^{j+1} entries holds the weights of the states with z_j = 1
	// summed over the higher bits. After the last fold t[0] is the total.
	for j := len(marg) - 1; j >= 0; j-- {
		half := 1 << j
		var m float64
		for s := half; s < 2*half; s++ {
			m += t[s]
			t[s-half] += t[s]
		}
		marg[j] = m
	}
	total := t[0]
	for j := range marg {
		marg[j] /= total
	}
	return base + top + math.Log(total)
}

// gram returns G = WWᵀ (K×K).
func gram(w [][]float64) [][]float64 {
	g := make([][]float64, len(w))
	for j := range w {
		g[j] = make([]float64, len(w))
		for i := range w {
			g[j][i] = dot(w[j], w[i])
		}
	}
	return g
}

func dot(u, v []float64) float64 {
	var s float64
	for i, x := range u {
		s += x * v[i]
	}
	return s
}
