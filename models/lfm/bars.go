package lfm

import (
	"fmt"
	"math/rand/v2"
)

// The bars problem: BarsSide×BarsSide images whose features are whole rows
// or columns.
const (
	BarsSide  = 6   // image side; D = BarsSide² = 36
	BarsSigma = 0.5 // output noise σ (our choice for the tests, not taken from the paper)
	BarsPi    = 0.5 // prior probability of each feature

	// The logits of the Bernoulli bars problem (our choice): a pixel is on
	// with probability sigmoid(−3) ≈ 0.047 off every bar and sigmoid(3) ≈
	// 0.953 on one bar.
	BarsLogitBias   = -3.0
	BarsLogitWeight = 6.0
)

// Bars returns the parameters of a bars problem with k features (1 ≤ k ≤
// 2·BarsSide): k distinct bars drawn without replacement from the
// BarsSide horizontal and BarsSide vertical bars of a BarsSide×BarsSide
// image, by a partial Fisher–Yates shuffle of the candidates 0, …, 11 (bar
// c < BarsSide is row c, bar c ≥ BarsSide is column c − BarsSide) using
// r.IntN. Feature j's weights are 1 on its bar's pixels and 0 elsewhere
// (pixel (row, col) is output row·BarsSide + col); b = 0, σ = [BarsSigma]
// and π_j = [BarsPi]. Two horizontal (or two vertical) bars are orthogonal;
// a horizontal and a vertical bar share one pixel, which couples their
// posteriors and gives mean field a gap.
func Bars(k int, r *rand.Rand) (Params, error) {
	const d = BarsSide * BarsSide
	if k < 1 || k > 2*BarsSide {
		return Params{}, fmt.Errorf("lfm: Bars: k = %d, want 1 ≤ k ≤ %d", k, 2*BarsSide)
	}
	if r == nil {
		return Params{}, fmt.Errorf("lfm: Bars: nil *rand.Rand")
	}
	cand := make([]int, 2*BarsSide)
	for i := range cand {
		cand[i] = i
	}
	p := Params{W: make([][]float64, k), B: make([]float64, d), Sigma: BarsSigma, Pi: make([]float64, k)}
	for j := range p.W {
		i := j + r.IntN(len(cand)-j)
		cand[j], cand[i] = cand[i], cand[j]
		p.W[j] = make([]float64, d)
		for t := 0; t < BarsSide; t++ {
			if c := cand[j]; c < BarsSide {
				p.W[j][c*BarsSide+t] = 1
			} else {
				p.W[j][t*BarsSide+c-BarsSide] = 1
			}
		}
		p.Pi[j] = BarsPi
	}
	return p, nil
}

// BernoulliBars returns the parameters of a bars problem with k features
// and Bernoulli outputs: the bars of [Bars] (drawn from r the same way),
// with weight [BarsLogitWeight] on a bar's pixels, bias [BarsLogitBias] on
// every pixel and π_j = [BarsPi]; Sigma is 0 (unused).
func BernoulliBars(k int, r *rand.Rand) (Params, error) {
	p, err := Bars(k, r)
	if err != nil {
		return Params{}, fmt.Errorf("%w (BernoulliBars)", err)
	}
	for _, w := range p.W {
		for i := range w {
			w[i] *= BarsLogitWeight
		}
	}
	for i := range p.B {
		p.B[i] = BarsLogitBias
	}
	p.Sigma, p.Likelihood = 0, Bernoulli
	return p, nil
}
