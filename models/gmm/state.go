package gmm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// state holds the data, the prior and the current factors q(Z), q(π),
// q(μ, Λ), with the sufficient statistics of the last M-step.
type state struct {
	x    []float64 // N×D row-major
	n, d int
	p    *prior

	r []float64 // responsibilities r_nk, N×K row-major

	// q(π), q(μ, Λ)
	alpha, beta, nu []float64
	m               [][]float64     // m_k
	w               []*mat.SymDense // W_k
	logDetW         []float64       // ln|W_k|

	// expectations under q
	eLnPi, eLnLam []float64

	// sufficient statistics from r, centred at m₀: N_k, s_k = Σ_n r_nk (x_n − m₀),
	// Syy_k = Σ_n r_nk (x_n − m₀)(x_n − m₀)ᵀ
	nk  []float64
	s   [][]float64
	syy []*mat.SymDense

	y []float64 // x − m₀, N×D

	// rLnR is Σ_n Σ_k r_nk ln r_nk, the bound's sum over points, computed
	// with the statistics.
	rLnR float64
	// red, when not nil, sums the statistics over the ranks of a
	// data-parallel fit (x, y and r then hold this rank's rows); buf is
	// its scratch space.
	red svi.Reducer
	buf []float64
}

func newState(x []float64, n, d int, p *prior) *state {
	k := p.k
	st := &state{x: x, n: n, d: d, p: p, r: make([]float64, n*k),
		alpha: make([]float64, k), beta: make([]float64, k), nu: make([]float64, k),
		m: make([][]float64, k), w: make([]*mat.SymDense, k), logDetW: make([]float64, k),
		eLnPi: make([]float64, k), eLnLam: make([]float64, k),
		nk: make([]float64, k), s: make([][]float64, k), syy: make([]*mat.SymDense, k),
		y: make([]float64, n*d)}
	for j := 0; j < k; j++ {
		st.m[j] = make([]float64, d)
		st.s[j] = make([]float64, d)
		st.w[j] = mat.NewSymDense(d, nil)
		st.syy[j] = mat.NewSymDense(d, nil)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			st.y[i*d+j] = x[i*d+j] - p.m0[j]
		}
	}
	return st
}

// accumulate computes the sufficient statistics N_k, s_k, Syy_k of the
// current responsibilities, and Σ r ln r, summed over the ranks in a
// data-parallel fit.
func (st *state) accumulate() error {
	n, d, k := st.n, st.d, st.p.k
	for c := 0; c < k; c++ {
		st.nk[c] = 0
		for j := range st.s[c] {
			st.s[c][j] = 0
		}
		st.syy[c].Zero()
	}
	st.rLnR = 0
	// Accumulate the upper triangles directly into the raw storage.
	for i := 0; i < n; i++ {
		yi := st.y[i*d : (i+1)*d]
		for c := 0; c < k; c++ {
			rv := st.r[i*k+c]
			if rv == 0 {
				continue
			}
			st.nk[c] += rv
			st.rLnR += rv * math.Log(rv)
			sc := st.s[c]
			raw := st.syy[c].RawSymmetric().Data
			for a := 0; a < d; a++ {
				ra := rv * yi[a]
				sc[a] += ra
				for b := a; b < d; b++ {
					raw[a*d+b] += ra * yi[b]
				}
			}
		}
	}
	return st.allReduce()
}

// mStep sets q(π) and q(μ, Λ) to their optimum given the responsibilities
// (PRML 10.58, 10.60–10.63), written with statistics centred at m₀:
// m_k = m₀ + s_k/β_k and W_k⁻¹ = W₀⁻¹ + Syy_k − s_k s_kᵀ/β_k.
func (st *state) mStep() error {
	d, k := st.d, st.p.k
	if err := st.accumulate(); err != nil {
		return err
	}
	var ch mat.Cholesky
	winv := mat.NewSymDense(d, nil)
	for c := 0; c < k; c++ {
		nk := st.nk[c]
		st.alpha[c] = st.p.alpha0 + nk
		st.beta[c] = st.p.beta0 + nk
		st.nu[c] = st.p.nu0 + nk
		sc := st.s[c]
		for a := 0; a < d; a++ {
			st.m[c][a] = st.p.m0[a] + sc[a]/st.beta[c]
			for b := a; b < d; b++ {
				winv.SetSym(a, b, st.p.w0inv.At(a, b)+st.syy[c].At(a, b)-sc[a]*sc[b]/st.beta[c])
			}
		}
		if !ch.Factorize(winv) {
			return fmt.Errorf("gmm: W_%d⁻¹ is not positive definite", c)
		}
		if err := ch.InverseTo(st.w[c]); err != nil {
			return fmt.Errorf("gmm: inverting W_%d⁻¹: %w", c, err)
		}
		st.logDetW[c] = -ch.LogDet()
		st.eLnLam[c] = wishartELogDet(st.logDetW[c], st.nu[c], d)
	}
	special.DirichletELog(st.eLnPi, st.alpha)
	return nil
}

// eStep sets the responsibilities to their optimum given q(π) and
// q(μ, Λ) (PRML 10.46, 10.49, 10.64–10.66).
func (st *state) eStep() {
	n, d, k := st.n, st.d, st.p.k
	base := make([]float64, k)
	for c := 0; c < k; c++ {
		base[c] = st.eLnPi[c] + 0.5*st.eLnLam[c] - 0.5*float64(d)*math.Log(2*math.Pi) - 0.5*float64(d)/st.beta[c]
	}
	diff := make([]float64, d)
	for i := 0; i < n; i++ {
		xi := st.x[i*d : (i+1)*d]
		ri := st.r[i*k : (i+1)*k]
		maxv := math.Inf(-1)
		for c := 0; c < k; c++ {
			for a := range diff {
				diff[a] = xi[a] - st.m[c][a]
			}
			ri[c] = base[c] - 0.5*st.nu[c]*quad(st.w[c], diff)
			maxv = math.Max(maxv, ri[c])
		}
		var sum float64
		for c := range ri {
			ri[c] = math.Exp(ri[c] - maxv)
			sum += ri[c]
		}
		for c := range ri {
			ri[c] /= sum
		}
	}
}

// quad returns vᵀ A v.
func quad(a *mat.SymDense, v []float64) float64 {
	d := len(v)
	raw := a.RawSymmetric()
	var s float64
	for i := 0; i < d; i++ {
		row := raw.Data[i*raw.Stride:]
		s += row[i] * v[i] * v[i]
		for j := i + 1; j < d; j++ {
			s += 2 * row[j] * v[i] * v[j]
		}
	}
	return s
}

// traceProd returns tr(A B) for symmetric A and B.
func traceProd(a, b mat.Symmetric) float64 {
	d := a.SymmetricDim()
	var s float64
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			s += a.At(i, j) * b.At(j, i)
		}
	}
	return s
}
