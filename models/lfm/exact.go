package lfm

import (
	"fmt"
	"math"
	"math/bits"
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
// of every row of x (N rows of D) by summing over all 2^K states z. It
// refuses K > [MaxExactFactors] with an error wrapping [ErrTooManyFactors].
//
// Expanding the square, log p(x_n, z) = c(z) + zᵀa_n/σ² + const_n with
// c(z) = Σ_j log π_j^{z_j}(1−π_j)^{1−z_j} − zᵀGz/(2σ²), G = WWᵀ, a_n =
// W(x_n − b) and const_n = −D/2 log 2πσ² − ‖x_n − b‖²/(2σ²). The table c is
// built once; per row, zᵀa_n is filled in O(1) per state from the state
// without its lowest bit, the sum over states is a log-sum-exp, and the K
// marginals come from halving the table K times (2^K additions in all), so a
// row costs O(KD + 2^K). The expansion costs about ε·‖x_n − b‖²/σ² of
// absolute accuracy, negligible unless the data lie far from every mean.
func Exact(p Params, x [][]float64) (*Posterior, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if k := p.K(); k > MaxExactFactors {
		return nil, fmt.Errorf("%w: K = %d > MaxExactFactors = %d (2^K states)", ErrTooManyFactors, k, MaxExactFactors)
	}
	if err := checkData(x, p.D()); err != nil {
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

// enumerator holds the per-state table c(z) and a work buffer.
type enumerator struct {
	p      Params
	inv    float64   // 1/σ²
	logC   float64   // −D/2 log 2πσ²
	c      []float64 // c(z) for every state z (bit j of the index is z_j)
	buf    []float64 // per-row work table of 2^K entries
	a, res []float64 // a_n (K) and x_n − b (D)
}

func newEnumerator(p Params) *enumerator {
	k, d := p.K(), p.D()
	s2 := p.Sigma * p.Sigma
	e := &enumerator{
		p: p, inv: 1 / s2,
		logC: -0.5 * float64(d) * math.Log(2*math.Pi*s2),
		c:    make([]float64, 1<<k), buf: make([]float64, 1<<k),
		a: make([]float64, k), res: make([]float64, d),
	}
	g := gram(p.W)
	// quad[s] = zᵀGz and the log prior, each built from s without its
	// lowest bit j: zᵀGz gains G_jj + 2 Σ_{i ∈ rest} G_ji.
	quad := e.buf
	var logOff float64
	logit := make([]float64, k)
	for j, pi := range p.Pi {
		logOff += math.Log1p(-pi)
		logit[j] = math.Log(pi) - math.Log1p(-pi)
	}
	quad[0], e.c[0] = 0, logOff
	for s := 1; s < 1<<k; s++ {
		j := bits.TrailingZeros(uint(s))
		rest := s &^ (1 << j)
		q := quad[rest] + g[j][j]
		for r := uint(rest); r != 0; r &= r - 1 {
			q += 2 * g[j][bits.TrailingZeros(r)]
		}
		quad[s] = q
		e.c[s] = e.c[rest] + logit[j] // log prior so far
	}
	for s := range e.c {
		e.c[s] -= 0.5 * e.inv * quad[s]
	}
	return e
}

// datum returns log p(x) and writes p(z_j = 1 | x) into marg.
func (e *enumerator) datum(x, marg []float64) float64 {
	var rr float64
	for i, v := range x {
		e.res[i] = v - e.p.B[i]
		rr += e.res[i] * e.res[i]
	}
	for j, w := range e.p.W {
		e.a[j] = dot(w, e.res)
	}
	// t holds zᵀa/σ² while it is built from smaller states; c is added
	// once every state is filled.
	t := e.buf
	t[0] = 0
	for s := 1; s < len(t); s++ {
		j := bits.TrailingZeros(uint(s))
		t[s] = t[s&^(1<<j)] + e.a[j]*e.inv
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
	return e.logC - 0.5*e.inv*rr + top + math.Log(total)
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
