package fhmm

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/special"
	"gonum.org/v1/gonum/mat"
)

// pinvRelTol is the eigenvalue, relative to the largest, below which the
// M-step's pseudo-inverse of Σ_t E[S_tS_tᵀ] treats a direction as null.
// The M − 1 directions left free by the one-hot constraints are null in
// exact arithmetic and come out of the eigensolver at ~1e-16 relative; a
// state whose total occupancy is below 1e-12 of the largest eigenvalue is
// dropped with them, changing the ELBO by about that occupancy.
const pinvRelTol = 1e-12

// suff holds the expected sufficient statistics of one sequence under q.
type suff struct {
	gamma [][][]float64 // ⟨s_t⁽ᵐ⁾⟩, T×M×L
	cross [][]float64   // A = Σ_t E[S_tS_tᵀ], ML×ML (index m·L + l)
	b     *mat.Dense    // B = Σ_t y_t⟨S_t⟩ᵀ, D×ML
	trans [][][]float64 // Σ_t ⟨s_t⁽ᵐ⁾s_{t+1}⁽ᵐ⁾ᵀ⟩, M×L×L
}

// factorCross returns A = Σ_t E[S_tS_tᵀ] for a q that factorises over
// chains: blocks ⟨s_t⁽ᵐ⁾⟩⟨s_t⁽ⁿ⁾⟩ᵀ for m ≠ n and diag⟨s_t⁽ᵐ⁾⟩ for m = n.
func factorCross(gamma [][][]float64) [][]float64 {
	m, l := len(gamma[0]), len(gamma[0][0])
	a := newSquare(m * l)
	for _, g := range gamma {
		for c, gc := range g {
			for i, w := range gc {
				row := a[c*l+i]
				for n, gn := range g {
					if n == c {
						row[c*l+i] += w
						continue
					}
					axpy(row[n*l:(n+1)*l], w, gn)
				}
			}
		}
	}
	return a
}

// stackedW returns [W⁽¹⁾ … W⁽ᴹ⁾], D×ML.
func stackedW(p Params) *mat.Dense {
	m, l, d := p.M(), p.L(), p.D()
	w := mat.NewDense(d, m*l, nil)
	for c, wm := range p.W {
		for i, row := range wm {
			for s, v := range row {
				w.Set(i, c*l+s, v)
			}
		}
	}
	return w
}

// residualScatter returns R = Syy − WBᵀ − BWᵀ + WAWᵀ = Σ_t E_q[(y_t −
// WS_t)(y_t − WS_t)ᵀ], symmetrised.
func residualScatter(w *mat.Dense, st *suff, syy *mat.SymDense) *mat.Dense {
	a := mat.NewDense(len(st.cross), len(st.cross), nil)
	for i, row := range st.cross {
		a.SetRow(i, row)
	}
	var wbt, waw, wa mat.Dense
	wbt.Mul(w, st.b.T())
	wa.Mul(w, a)
	waw.Mul(&wa, w.T())
	d, _ := syy.Dims()
	r := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			r.Set(i, j, syy.At(i, j)-wbt.At(i, j)-wbt.At(j, i)+0.5*(waw.At(i, j)+waw.At(j, i)))
		}
	}
	return r
}

// expectedLogJoint returns E_q[log p(y, s)] under parameters p for the
// statistics st of any q:
//
//	−T(D/2 log 2π + ½ log|C|) − ½ tr(C⁻¹R) + Σ_m (⟨s_1⁽ᵐ⁾⟩ᵀ log π⁽ᵐ⁾ + Σ_ij ξ⁽ᵐ⁾_ij log P⁽ᵐ⁾_ij),
//
// with 0·log 0 = 0.
func expectedLogJoint(p Params, st *suff, syy *mat.SymDense) (float64, error) {
	ch, ok := cholesky(p.C)
	if !ok {
		return 0, fmt.Errorf("fhmm: Params.C is not positive definite")
	}
	r := residualScatter(stackedW(p), st, syy)
	var x mat.Dense
	if err := ch.SolveTo(&x, r); err != nil {
		return 0, fmt.Errorf("fhmm: solving with C: %w", err)
	}
	t, d := float64(len(st.gamma)), float64(p.D())
	e := -t*(d*special.LogSqrt2Pi+0.5*ch.LogDet()) - 0.5*mat.Trace(&x)
	for m, pm := range p.P {
		for i, g := range st.gamma[0][m] {
			e += xlogy(g, math.Log(p.Pi[m][i]))
			for j, pij := range pm[i] {
				e += xlogy(st.trans[m][i][j], math.Log(pij))
			}
		}
	}
	return e, nil
}

// mStep returns the parameters that maximise E_q[log p(y, s)] for the
// statistics st (see the package documentation). A row of P whose state
// is never left under q (zero expected count) keeps its value from old,
// which the ELBO does not depend on. A probability whose expected count is
// positive but so small that count/total underflows to 0 (a count of
// 5e-324 seen on real data) is set to the smallest positive float64
// instead (see normalizeSupport).
func mStep(st *suff, syy *mat.SymDense, old Params) (Params, error) {
	m, l, d := old.M(), old.L(), old.D()
	w, err := pinvSolve(st.b, st.cross)
	if err != nil {
		return Params{}, err
	}
	r := residualScatter(w, st, syy)
	t := float64(len(st.gamma))
	p := Params{Pi: newRect(m, l), P: make([][][]float64, m), W: make([][][]float64, m), C: newSquare(d)}
	for i := range p.C {
		for j := range p.C[i] {
			p.C[i][j] = 0.5 * (r.At(i, j) + r.At(j, i)) / t
		}
	}
	for c := range p.W {
		p.W[c] = newRect(d, l)
		for i, row := range p.W[c] {
			for s := range row {
				row[s] = w.At(i, c*l+s)
			}
		}
		copy(p.Pi[c], st.gamma[0][c])
		normalizeSupport(p.Pi[c])
		p.P[c] = newSquare(l)
		for i, row := range p.P[c] {
			copy(row, st.trans[c][i])
			var sum float64
			for _, v := range row {
				sum += v
			}
			if !(sum > 0) {
				copy(row, old.P[c][i])
				continue
			}
			normalizeSupport(row)
		}
	}
	if ch, ok := cholesky(p.C); !ok || ch.Cond() > MaxCondCovariance {
		return p, fmt.Errorf("%w: the M-step's C", ErrSingularCovariance)
	}
	return p, p.Validate()
}

// normalizeSupport divides the non-negative counts x by their positive
// sum, keeping every positive count positive: an entry that underflows to
// 0 becomes math.SmallestNonzeroFloat64, the representable probability
// nearest to the true maximiser. A zero would make E_q[log p] = count ·
// log 0 = −∞ for the q the M-step was computed from, although that q's
// weight there is ~1e-324; the rounded-up entry contributes ~1e-321
// instead and leaves the row's sum at 1 to the last bit.
func normalizeSupport(x []float64) {
	var s float64
	for _, v := range x {
		s += v
	}
	for i, v := range x {
		x[i] = v / s
		if v > 0 && x[i] == 0 {
			x[i] = math.SmallestNonzeroFloat64
		}
	}
}

// pinvSolve returns W = B A⁺ with A symmetric positive semi-definite,
// through A's eigendecomposition, dropping eigenvalues below pinvRelTol
// times the largest.
func pinvSolve(b *mat.Dense, cross [][]float64) (*mat.Dense, error) {
	n := len(cross)
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.SetSym(i, j, 0.5*(cross[i][j]+cross[j][i]))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return nil, fmt.Errorf("fhmm: M-step: the eigendecomposition of Σ_t E[S_tS_tᵀ] failed")
	}
	vals := eig.Values(nil)
	var q mat.Dense
	eig.VectorsTo(&q)
	top := vals[n-1]
	var bq mat.Dense
	bq.Mul(b, &q)
	for j, v := range vals {
		scale := 0.0
		if v > pinvRelTol*top {
			scale = 1 / v
		}
		for i := 0; i < bq.RawMatrix().Rows; i++ {
			bq.Set(i, j, scale*bq.At(i, j))
		}
	}
	var w mat.Dense
	w.Mul(&bq, q.T())
	return &w, nil
}
