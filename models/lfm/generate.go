package lfm

import (
	"fmt"
	"math/rand/v2"
)

// Generate draws n rows from the model: for each row in turn, z_j = 1 when
// r.Float64() < π_j for j = 0, …, K−1, then x_i = (Wᵀz + b)_i +
// σ·r.NormFloat64() for i = 0, …, D−1. The order of the draws is part of the
// contract, so a seeded r gives the same data in every release.
func Generate(p Params, n int, r *rand.Rand) (z [][]bool, x [][]float64, err error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	if n < 1 {
		return nil, nil, fmt.Errorf("lfm: Generate: n = %d, need at least one row", n)
	}
	if r == nil {
		return nil, nil, fmt.Errorf("lfm: Generate: nil *rand.Rand")
	}
	z = make([][]bool, n)
	x = make([][]float64, n)
	for i := range x {
		z[i] = make([]bool, p.K())
		x[i] = append([]float64(nil), p.B...)
		for j, pi := range p.Pi {
			z[i][j] = r.Float64() < pi
		}
		for j, w := range p.W {
			if z[i][j] {
				for d, v := range w {
					x[i][d] += v
				}
			}
		}
		for d := range x[i] {
			x[i][d] += p.Sigma * r.NormFloat64()
		}
	}
	return z, x, nil
}
