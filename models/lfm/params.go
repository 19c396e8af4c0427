package lfm

import (
	"fmt"
	"math"
)

// Params are the parameters of the latent factor model: z_nj ~
// Bernoulli(Pi[j]) and, by Likelihood, x_n ~ N(Wᵀz_n + B, Sigma² I)
// (Gaussian, the zero value) or x_nd ~ Bernoulli(sigmoid((Wᵀz_n + B)_d))
// (Bernoulli, Sigma unused).
type Params struct {
	// W holds the K×D weights; row j (length D) is factor j's contribution
	// to the D outputs.
	W [][]float64
	// B is the bias (length D), the mean of x when no factor is on.
	B []float64
	// Sigma is the output noise standard deviation σ > 0 of Gaussian
	// outputs; Bernoulli outputs ignore it.
	Sigma float64
	// Pi holds the prior probabilities π_j ∈ (0, 1) (length K).
	Pi []float64
	// Likelihood is the output distribution; the zero value is Gaussian.
	Likelihood Likelihood
}

// K returns the number of factors, len(W).
func (p Params) K() int { return len(p.W) }

// D returns the number of outputs, len(B).
func (p Params) D() int { return len(p.B) }

// Validate reports the first problem with p, naming the field and index:
// no factor or no output, a row of W whose length is not len(B), len(Pi) ≠
// len(W), a non-finite weight or bias, an unknown Likelihood, σ not a
// finite positive number (Gaussian outputs only: Bernoulli outputs ignore
// σ), or a π_j outside the open interval (0, 1).
func (p Params) Validate() error {
	k, d := len(p.W), len(p.B)
	if k < 1 {
		return fmt.Errorf("lfm: Params.W has no rows: need at least one factor")
	}
	if d < 1 {
		return fmt.Errorf("lfm: Params.B is empty: need at least one output")
	}
	for j, row := range p.W {
		if len(row) != d {
			return fmt.Errorf("lfm: Params.W row %d has %d entries, want D = len(Params.B) = %d", j, len(row), d)
		}
		for i, v := range row {
			if !finite(v) {
				return fmt.Errorf("lfm: Params.W[%d][%d] = %v is not a finite number", j, i, v)
			}
		}
	}
	for i, v := range p.B {
		if !finite(v) {
			return fmt.Errorf("lfm: Params.B[%d] = %v is not a finite number", i, v)
		}
	}
	if p.Likelihood != Gaussian && p.Likelihood != Bernoulli {
		return fmt.Errorf("lfm: Params.Likelihood = %v: want Gaussian or Bernoulli", p.Likelihood)
	}
	if p.Likelihood == Gaussian && (!(p.Sigma > 0) || math.IsInf(p.Sigma, 1)) {
		return fmt.Errorf("lfm: Params.Sigma = %v, must be a finite positive number (the noise of Gaussian outputs)", p.Sigma)
	}
	if len(p.Pi) != k {
		return fmt.Errorf("lfm: len(Params.Pi) = %d, want K = len(Params.W) = %d", len(p.Pi), k)
	}
	for j, v := range p.Pi {
		if !(v > 0 && v < 1) {
			return fmt.Errorf("lfm: Params.Pi[%d] = %v is outside the open interval (0, 1)", j, v)
		}
	}
	return nil
}
