package fhmm

import (
	"fmt"
	"math/rand/v2"
)

// Generate draws a sequence of T steps from the model. For t = 1, …, T in
// turn it draws, for m = 1, …, M, s_t⁽ᵐ⁾ from π⁽ᵐ⁾ (t = 1) or from row
// s_{t−1}⁽ᵐ⁾ of P⁽ᵐ⁾ with one r.Float64() each, then y_t = Σ_m
// W⁽ᵐ⁾s_t⁽ᵐ⁾ + Lε with C = LLᵀ and ε_i = r.NormFloat64() for i = 1, …, D.
// The order of the draws is part of the contract, so a seeded r gives the
// same sequence in every release. It returns the states (T rows of M) and
// the outputs (T rows of D).
func Generate(p Params, t int, r *rand.Rand) (s [][]int, y [][]float64, err error) {
	md, err := newModel(p)
	if err != nil {
		return nil, nil, err
	}
	if t < 1 {
		return nil, nil, fmt.Errorf("fhmm: Generate: T = %d, need at least one step", t)
	}
	if r == nil {
		return nil, nil, fmt.Errorf("fhmm: Generate: nil *rand.Rand")
	}
	s, y = make([][]int, t), make([][]float64, t)
	eps := make([]float64, md.d)
	for i := range s {
		s[i] = make([]int, md.m)
		y[i] = make([]float64, md.d)
		for m := range s[i] {
			dist := p.Pi[m]
			if i > 0 {
				dist = p.P[m][s[i-1][m]]
			}
			s[i][m] = categorical(dist, r.Float64())
			for d := range y[i] {
				y[i][d] += p.W[m][d][s[i][m]]
			}
		}
		for d := range eps {
			eps[d] = r.NormFloat64()
		}
		for d, row := range md.lower {
			y[i][d] += dot(row, eps[:d+1])
		}
	}
	return s, y, nil
}

// categorical returns the first l with u < Σ_{j≤l} dist_j, or the last
// state of positive probability if rounding leaves u above the total.
func categorical(dist []float64, u float64) int {
	var cum float64
	last := 0
	for l, v := range dist {
		cum += v
		if v > 0 {
			last = l
		}
		if u < cum {
			return l
		}
	}
	return last
}

// RandomParams draws parameters with M chains, L states and D outputs from
// r, for tests, benchmarks and examples: π⁽ᵐ⁾_l ∝ 0.5 + U_l; row i of P⁽ᵐ⁾
// ∝ U_ij + 2L·[i = j] (each chain stays in a state for a few steps on
// average); W⁽ᵐ⁾ entries N(0, 1); C = AAᵀ/D + 0.25 I with A_ij ~ N(0,
// 0.25). U are r.Float64() draws and normals r.NormFloat64() draws, taken
// in the order π, P, W (chain by chain), then A row by row.
func RandomParams(m, l, d int, r *rand.Rand) (Params, error) {
	if m < 1 || l < 1 || d < 1 {
		return Params{}, fmt.Errorf("fhmm: RandomParams: M = %d, L = %d, D = %d, each must be at least 1", m, l, d)
	}
	if r == nil {
		return Params{}, fmt.Errorf("fhmm: RandomParams: nil *rand.Rand")
	}
	p := Params{Pi: newRect(m, l), P: make([][][]float64, m), W: make([][][]float64, m), C: newSquare(d)}
	for c := 0; c < m; c++ {
		for i := range p.Pi[c] {
			p.Pi[c][i] = 0.5 + r.Float64()
		}
		normalize(p.Pi[c])
		p.P[c] = newSquare(l)
		for i, row := range p.P[c] {
			for j := range row {
				row[j] = r.Float64()
			}
			row[i] += 2 * float64(l)
			normalize(row)
		}
		p.W[c] = newRect(d, l)
		for _, row := range p.W[c] {
			for j := range row {
				row[j] = r.NormFloat64()
			}
		}
	}
	a := newSquare(d)
	for _, row := range a {
		for j := range row {
			row[j] = r.NormFloat64()
		}
	}
	for i := range p.C {
		for j := range p.C[i] {
			p.C[i][j] = dot(a[i], a[j]) / float64(d)
		}
		p.C[i][i]++
	}
	return p, nil
}

// normalize scales x to sum to 1.
func normalize(x []float64) {
	var s float64
	for _, v := range x {
		s += v
	}
	for i := range x {
		x[i] /= s
	}
}
