package fhmm

import (
	"math"

	"github.com/govi/govi/internal/special"
	"gonum.org/v1/gonum/mat"
)

// model holds validated parameters in whitened coordinates: with C = LLᵀ,
// v[m][l] = L⁻¹W⁽ᵐ⁾_l, so every Gaussian term has identity covariance.
type model struct {
	p       Params
	m, l, d int
	lower   [][]float64   // the Cholesky factor L (lower triangle used)
	v       [][][]float64 // v[m][l] = L⁻¹ × column l of W⁽ᵐ⁾ (length D)
	delta   [][]float64   // Δ⁽ᵐ⁾_l = ‖v[m][l]‖², the diagonal of W⁽ᵐ⁾ᵀC⁻¹W⁽ᵐ⁾
	gram    [][][]float64 // G⁽ᵐ⁾_ij = v[m][i]·v[m][j] = (W⁽ᵐ⁾ᵀC⁻¹W⁽ᵐ⁾)_ij
	logPi   [][]float64   // log π (−Inf where π = 0)
	logP    [][][]float64 // log P (−Inf where P = 0)
	c0      float64       // −D/2 log 2π − ½ log|C|
}

// newModel validates p and whitens it.
func newModel(p Params) (*model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	md := &model{p: p, m: p.M(), l: p.L(), d: p.D()}
	ch, _ := cholesky(p.C) // Validate has checked that it succeeds
	var lo mat.TriDense
	ch.LTo(&lo)
	md.lower = make([][]float64, md.d)
	for i := range md.lower {
		md.lower[i] = make([]float64, i+1)
		for j := 0; j <= i; j++ {
			md.lower[i][j] = lo.At(i, j)
		}
	}
	md.c0 = -float64(md.d)*special.LogSqrt2Pi - 0.5*ch.LogDet()
	col := make([]float64, md.d)
	md.v = make([][][]float64, md.m)
	md.delta = make([][]float64, md.m)
	md.gram = make([][][]float64, md.m)
	md.logPi = make([][]float64, md.m)
	md.logP = make([][][]float64, md.m)
	for c := range md.v {
		md.v[c] = make([][]float64, md.l)
		md.delta[c] = make([]float64, md.l)
		for s := range md.v[c] {
			for i := range col {
				col[i] = p.W[c][i][s]
			}
			md.v[c][s] = make([]float64, md.d)
			md.solve(md.v[c][s], col)
			md.delta[c][s] = dot(md.v[c][s], md.v[c][s])
		}
		md.gram[c] = make([][]float64, md.l)
		for i := range md.gram[c] {
			md.gram[c][i] = make([]float64, md.l)
			for j := range md.gram[c][i] {
				md.gram[c][i][j] = dot(md.v[c][i], md.v[c][j])
			}
		}
		md.logPi[c] = logs(p.Pi[c])
		for _, row := range p.P[c] {
			md.logP[c] = append(md.logP[c], logs(row))
		}
	}
	return md, nil
}

// solve sets dst = L⁻¹b by forward substitution.
func (md *model) solve(dst, b []float64) {
	for i, row := range md.lower {
		s := b[i]
		for j := 0; j < i; j++ {
			s -= row[j] * dst[j]
		}
		dst[i] = s / row[i]
	}
}

// whiten returns z_t = L⁻¹y_t for every row of y (checked against D).
func (md *model) whiten(y [][]float64) ([][]float64, error) {
	if err := checkData(y, md.d); err != nil {
		return nil, err
	}
	z := make([][]float64, len(y))
	for t, row := range y {
		z[t] = make([]float64, md.d)
		md.solve(z[t], row)
	}
	return z, nil
}

// fillPred sets pred[t] = Σ_m Σ_l gamma[t][m][l]·v[m][l], the whitened
// mean of y_t under marginals gamma (T×M×L).
func (md *model) fillPred(pred [][]float64, gamma [][][]float64) {
	for t, g := range gamma {
		clear(pred[t])
		for c, gc := range g {
			for s, w := range gc {
				if w != 0 {
					axpy(pred[t], w, md.v[c][s])
				}
			}
		}
	}
}

// expectedLogLik returns Σ_t E_q[log N(y_t; Σ_m W⁽ᵐ⁾s_t⁽ᵐ⁾, C)] for any q
// that factorises over chains and has marginals gamma (T×M×L):
//
//	Σ_t c₀ − ½(‖z_t − Σ_m V⁽ᵐ⁾γ_t⁽ᵐ⁾‖² + Σ_m (Δ⁽ᵐ⁾ᵀγ_t⁽ᵐ⁾ − γ_t⁽ᵐ⁾ᵀG⁽ᵐ⁾γ_t⁽ᵐ⁾)).
//
// It recomputes pred (T×D) from gamma.
func (md *model) expectedLogLik(z [][]float64, gamma [][][]float64, pred [][]float64) float64 {
	md.fillPred(pred, gamma)
	var total float64
	for t, zt := range z {
		var rr, spread float64
		for i, v := range zt {
			r := v - pred[t][i]
			rr += r * r
		}
		for c, g := range gamma[t] {
			for i, gi := range g {
				if gi == 0 {
					continue
				}
				spread += gi * (md.delta[c][i] - dot(md.gram[c][i], g))
			}
		}
		total += md.c0 - 0.5*(rr+spread)
	}
	return total
}

func logs(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Log(v)
	}
	return out
}

// xlogy returns x·y with 0·y = 0 for any y (so 0·log 0 = 0).
func xlogy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * y
}

func dot(u, v []float64) float64 {
	var s float64
	for i, x := range u {
		s += x * v[i]
	}
	return s
}

// axpy sets y += a·x.
func axpy(y []float64, a float64, x []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}
