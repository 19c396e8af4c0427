package lfm

import (
	"fmt"
	"math"
)

// Params are the parameters of the latent factor model with Gaussian
// outputs: z_nj ~ Bernoulli(Pi[j]) and x_n ~ N(Wᵀz_n + B, Sigma² I).
type Params struct {
	// W holds the K×D weights; row j (length D) is factor j's contribution
	// to the D outputs.
	W [][]float64
	// B is the bias (length D), the mean of x when no factor is on.
	B []float64
	// Sigma is the output noise standard deviation σ > 0.
	Sigma float64
	// Pi holds the prior probabilities π_j ∈ (0, 1) (length K).
	Pi []float64
}

// K returns the number of factors, len(W).
func (p Params) K() int { return len(p.W) }

// D returns the number of outputs, len(B).
func (p Params) D() int { return len(p.B) }

// Validate reports the first problem with p, naming the field and index:
// no factor or no output, a row of W whose length is not len(B), len(Pi) ≠
// len(W), a non-finite weight or bias, σ not a finite positive number, or a
// π_j outside the open interval (0, 1).
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
	if !(p.Sigma > 0) || math.IsInf(p.Sigma, 1) {
		return fmt.Errorf("lfm: Params.Sigma = %v, must be a finite positive number", p.Sigma)
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

// checkData validates N×D data against D outputs.
func checkData(x [][]float64, d int) error {
	if len(x) == 0 {
		return ErrNoData
	}
	for n, row := range x {
		if len(row) != d {
			return fmt.Errorf("lfm: x row %d has %d entries, want D = %d", n, len(row), d)
		}
		for i, v := range row {
			if !finite(v) {
				return fmt.Errorf("lfm: x row %d, column %d = %v is not a finite number", n, i, v)
			}
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
