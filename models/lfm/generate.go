package lfm

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/internal/special"
)

// Generate draws n rows from the model: for each row in turn, z_j = 1 when
// r.Float64() < π_j for j = 0, …, K−1, then for i = 0, …, D−1 with η =
// Wᵀz + b, x_i = η_i + σ·r.NormFloat64() (Gaussian outputs) or x_i = 1
// when r.Float64() < sigmoid(η_i) and 0 otherwise (Bernoulli outputs). The
// order of the draws is part of the contract, so a seeded r gives the same
// data in every release.
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
		for d, eta := range x[i] {
			if p.Likelihood == Bernoulli {
				x[i][d] = 0
				if r.Float64() < special.Sigmoid(eta) {
					x[i][d] = 1
				}
				continue
			}
			x[i][d] += p.Sigma * r.NormFloat64()
		}
	}
	return z, x, nil
}
