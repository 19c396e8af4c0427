package fhmm

import (
	"fmt"
	"math"
)

// MaxExactStates is the largest number of joint states L^M that [Exact]
// accepts; see the package documentation for the cost behind it.
const MaxExactStates = 4096

// Posterior is the exact posterior of a factorial HMM given one sequence.
type Posterior struct {
	// LogLik is log p(y) = log Σ_s p(y, s).
	LogLik float64
	// Marginals holds p(s_t⁽ᵐ⁾ = l | y), T×M×L.
	Marginals [][][]float64
	// Trans holds the expected transition counts Σ_{t<T}
	// p(s_t⁽ᵐ⁾ = i, s_{t+1}⁽ᵐ⁾ = j | y), M×L×L.
	Trans [][][]float64
}

// Exact computes log p(y), the smoothed marginals and the expected
// transition counts of every chain by the scaled forward–backward
// recursions on the joint chain of K = L^M states. It refuses K >
// [MaxExactStates] with a [*TooManyStatesError].
//
// One step costs O(K·M·L) for the transition (⊗_m P⁽ᵐ⁾ applied one chain at
// a time), O(K + M·L·D) for the emission, whose exponent Σ_m v⁽ᵐ⁾_{s_m}·z_t
// − ½‖Σ_m v⁽ᵐ⁾_{s_m}‖² is built for all K states from M·L dot products,
// and O(K·L·M·⌈log₂ M⌉) for the per-chain transition counts. The forward
// table takes 8·T·K bytes; the emissions are recomputed in the backward
// pass.
func Exact(p Params, y [][]float64) (*Posterior, error) {
	post, _, err := exact(p, y, false)
	return post, err
}

// exact is [Exact] that also returns, if wantCross, Σ_t E[S_tS_tᵀ] for
// the stacked one-hot vector S_t (ML×ML, index m·L + l).
func exact(p Params, y [][]float64, wantCross bool) (*Posterior, [][]float64, error) {
	md, err := newModel(p)
	if err != nil {
		return nil, nil, err
	}
	k, err := jointStates(md.m, md.l)
	if err != nil {
		return nil, nil, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return nil, nil, err
	}
	j := newJoint(md, k, len(z))
	var cross [][]float64
	if wantCross {
		cross = newSquare(md.m * md.l)
	}
	post, err := j.run(z, cross)
	return post, cross, err
}

// jointStates returns L^M or a [*TooManyStatesError].
func jointStates(m, l int) (int, error) {
	k := 1
	for i := 0; i < m; i++ {
		k *= l
		if k > MaxExactStates {
			return 0, &TooManyStatesError{M: m, L: l}
		}
	}
	return k, nil
}

// joint holds the tables of the forward–backward recursions on the joint
// chain. Joint state k has digits s_m = (k / L^m) mod L.
type joint struct {
	md             *model
	k              int
	stride         []int          // L^m
	digit          [][]int        // digit[k][m] = s_m
	nuNorm         []float64      // ‖Σ_m v[m][s_m]‖²
	piJoint        []float64      // Π_m π⁽ᵐ⁾(s_m)
	alpha          [][]float64    // α̂_t, T rows of K
	c, shift       []float64      // scale factors and emission shifts, T
	e, u, beta     []float64      // K
	bufA, bufB, bv []float64      // K
	score          [][]float64    // v[m][l]·z_t, M×L
	chains         []int          // 0, …, M−1
	levels         [][2][]float64 // two K buffers per level of leaveOneOut
}

func newJoint(md *model, k, t int) *joint {
	j := &joint{md: md, k: k, stride: make([]int, md.m), digit: make([][]int, k),
		nuNorm: make([]float64, k), piJoint: make([]float64, k),
		alpha: make([][]float64, t), c: make([]float64, t), shift: make([]float64, t),
		e: make([]float64, k), u: make([]float64, k), beta: make([]float64, k),
		bufA: make([]float64, k), bufB: make([]float64, k), bv: make([]float64, k),
		score: newRect(md.m, md.l)}
	s := 1
	for m := range j.stride {
		j.stride[m] = s
		s *= md.l
	}
	nu := make([]float64, md.d)
	for state := range j.digit {
		j.digit[state] = make([]int, md.m)
		clear(nu)
		j.piJoint[state] = 1
		for m := range j.digit[state] {
			d := state / j.stride[m] % md.l
			j.digit[state][m] = d
			axpy(nu, 1, md.v[m][d])
			j.piJoint[state] *= md.p.Pi[m][d]
		}
		j.nuNorm[state] = dot(nu, nu)
	}
	for i := range j.alpha {
		j.alpha[i] = make([]float64, k)
	}
	for m := 0; m < md.m; m++ {
		j.chains = append(j.chains, m)
	}
	for n := md.m; n > 1; n = (n + 1) / 2 {
		j.levels = append(j.levels, [2][]float64{make([]float64, k), make([]float64, k)})
	}
	return j
}

// emit sets j.e[k] = exp(a_k − max a) for a_k = Σ_m v[m][s_m]·z −
// ½‖ν_k‖², the exponent of N(y_t; Σ_m W⁽ᵐ⁾s_m, C) up to c₀ − ½‖z‖², and
// returns max a. The sums over chains are built digit by digit: the states
// below L^{m+1} from those below L^m, K(1 + 1/L + …) additions in all.
func (j *joint) emit(z []float64) float64 {
	for m, vm := range j.md.v {
		for l, v := range vm {
			j.score[m][l] = dot(v, z)
		}
	}
	a := j.e
	a[0] = 0
	for m, st := range j.stride {
		for s := j.md.l - 1; s >= 0; s-- {
			g := j.score[m][s]
			for k := 0; k < st; k++ {
				a[s*st+k] = a[k] + g
			}
		}
	}
	mx := math.Inf(-1)
	for k := range a {
		a[k] -= 0.5 * j.nuNorm[k]
		mx = math.Max(mx, a[k])
	}
	for k := range a {
		a[k] = math.Exp(a[k] - mx)
	}
	return mx
}

// run performs the forward and backward passes over the whitened z and
// fills a Posterior, and cross (if non-nil) with Σ_t E[S_tS_tᵀ].
func (j *joint) run(z [][]float64, cross [][]float64) (*Posterior, error) {
	md := j.md
	post := &Posterior{Marginals: make([][][]float64, len(z)), Trans: make([][][]float64, md.m)}
	for t := range post.Marginals {
		post.Marginals[t] = newRect(md.m, md.l)
	}
	for m := range post.Trans {
		post.Trans[m] = newRect(md.l, md.l)
	}
	if err := j.forward(z); err != nil {
		return nil, err
	}
	for t, zt := range z {
		post.LogLik += math.Log(j.c[t]) + j.shift[t] + md.c0 - 0.5*dot(zt, zt)
	}
	last := len(z) - 1
	for k := range j.beta {
		j.beta[k] = 1
	}
	j.accumulate(j.alpha[last], post.Marginals[last], cross)
	for t := last - 1; t >= 0; t-- {
		j.emit(z[t+1]) // the same values as in the forward pass
		for k, b := range j.beta {
			j.u[k] = j.e[k] * b / j.c[t+1]
		}
		j.transCounts(j.alpha[t], post.Trans)
		copy(j.beta, j.apply(j.u, -1, true))
		for k, a := range j.alpha[t] {
			j.bv[k] = a * j.beta[k]
		}
		j.accumulate(j.bv, post.Marginals[t], cross)
	}
	return post, nil
}

// forward fills alpha, c and shift.
func (j *joint) forward(z [][]float64) error {
	for t, zt := range z {
		j.shift[t] = j.emit(zt)
		a := j.alpha[t]
		if t == 0 {
			copy(a, j.piJoint)
		} else {
			copy(a, j.apply(j.alpha[t-1], -1, false))
		}
		var c float64
		for k := range a {
			a[k] *= j.e[k]
			c += a[k]
		}
		if !(c > 0) || math.IsInf(c, 1) {
			return fmt.Errorf("%w at t = %d (scale factor %v)", ErrUnderflow, t, c)
		}
		j.c[t] = c
		for k := range a {
			a[k] /= c
		}
	}
	return nil
}

// apply returns x multiplied by every chain's transition matrix except
// chain skip (−1: none), as (x ⊗_m P⁽ᵐ⁾) or, with transpose, (⊗_m P⁽ᵐ⁾)x.
// The result lives in one of j's buffers and is valid until the next call.
func (j *joint) apply(x []float64, skip int, transpose bool) []float64 {
	src := j.bufA
	copy(src, x)
	dst := j.bufB
	for m, pm := range j.md.p.P {
		if m == skip {
			continue
		}
		applyChain(dst, src, pm, j.stride[m], transpose)
		src, dst = dst, src
	}
	return src
}

// applyChain sets dst[k with s_m = j] = Σ_i src[k with s_m = i]·P_ij (or
// Σ_i P_ji·src[k with s_m = i] with transpose), where stride = L^m. The
// states sharing all digits but s_m form runs of stride contiguous
// entries, so the inner loop is an axpy over a run (for chain 0, whose
// runs have length 1, a plain L×L product per block).
func applyChain(dst, src []float64, p [][]float64, stride int, transpose bool) {
	l := len(p)
	block := stride * l
	if stride == 1 {
		for base := 0; base < len(src); base += block {
			s, d := src[base:base+l], dst[base:base+l]
			for to := range d {
				var v float64
				for from, x := range s {
					if transpose {
						v += p[to][from] * x
					} else {
						v += x * p[from][to]
					}
				}
				d[to] = v
			}
		}
		return
	}
	for base := 0; base < len(src); base += block {
		for to := 0; to < l; to++ {
			d := dst[base+to*stride : base+(to+1)*stride]
			clear(d)
			for from := 0; from < l; from++ {
				coef := p[from][to]
				if transpose {
					coef = p[to][from]
				}
				if coef != 0 {
					axpy(d, coef, src[base+from*stride:base+(from+1)*stride])
				}
			}
		}
	}
}

// transCounts adds ξ_t summed onto each chain: for chain m, with x = α̂_t
// moved by every other chain's transitions, Σ_{k : s_m = i} x_k P⁽ᵐ⁾_ij
// u_{k with s_m = j}, where u = ẽ_{t+1} ⊙ β̂_{t+1}/c_{t+1} is in j.u.
func (j *joint) transCounts(alpha []float64, trans [][][]float64) {
	j.leaveOneOut(alpha, j.chains, 0, func(m int, x []float64) {
		st := j.stride[m]
		pm := j.md.p.P[m]
		for k, xk := range x {
			if xk == 0 {
				continue
			}
			i := j.digit[k][m]
			base := k - i*st
			for to, pij := range pm[i] {
				trans[m][i][to] += xk * pij * j.u[base+to*st]
			}
		}
	})
}

// leaveOneOut calls f(m, x_m) for every chain m in chains, where x_m is x
// moved by the transitions of every chain in chains except m. It halves
// chains: the left half sees x moved by the right half's transitions and
// vice versa, so each level of the recursion applies every chain once,
// M·⌈log₂ M⌉ applications in all instead of M(M − 1).
func (j *joint) leaveOneOut(x []float64, chains []int, depth int, f func(m int, x []float64)) {
	if len(chains) == 1 {
		f(chains[0], x)
		return
	}
	half := len(chains) / 2
	for _, part := range [2][2][]int{{chains[:half], chains[half:]}, {chains[half:], chains[:half]}} {
		keep, move := part[0], part[1]
		out, tmp := j.levels[depth][0], j.levels[depth][1]
		copy(out, x)
		for _, m := range move {
			applyChain(tmp, out, j.md.p.P[m], j.stride[m], false)
			out, tmp = tmp, out
		}
		j.leaveOneOut(out, keep, depth+1, f)
	}
}

// accumulate adds the joint marginal g (K) onto the per-chain marginals
// (M×L) and, if cross is non-nil, onto cross[m·L + s_m][n·L + s_n].
func (j *joint) accumulate(g []float64, marg [][]float64, cross [][]float64) {
	l := j.md.l
	for k, gk := range g {
		dk := j.digit[k]
		for m, d := range dk {
			marg[m][d] += gk
		}
		if cross == nil || gk == 0 {
			continue
		}
		for m, d := range dk {
			row := cross[m*l+d]
			for n, e := range dk {
				row[n*l+e] += gk
			}
		}
	}
}

func newRect(r, c int) [][]float64 {
	a := make([][]float64, r)
	for i := range a {
		a[i] = make([]float64, c)
	}
	return a
}

func newSquare(n int) [][]float64 { return newRect(n, n) }
