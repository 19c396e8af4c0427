package lfm

import (
	"fmt"
	"math"
)

// Likelihood selects the distribution of the outputs given the factors.
// The zero value is [Gaussian].
type Likelihood int

const (
	// Gaussian outputs: x_n | z_n ~ N(Wᵀz_n + b, σ² I).
	Gaussian Likelihood = iota
	// Bernoulli outputs: x_nd ∈ {0, 1} and x_nd | z_n ~
	// Bernoulli(sigmoid((Wᵀz_n + b)_d)), independently over d; W and b
	// are logits and σ is unused.
	Bernoulli
)

// String returns "gaussian" or "bernoulli", the names [ParseLikelihood]
// accepts.
func (l Likelihood) String() string {
	switch l {
	case Gaussian:
		return "gaussian"
	case Bernoulli:
		return "bernoulli"
	}
	return fmt.Sprintf("Likelihood(%d)", int(l))
}

// ParseLikelihood returns the likelihood named s, "gaussian" or
// "bernoulli".
func ParseLikelihood(s string) (Likelihood, error) {
	for _, l := range []Likelihood{Gaussian, Bernoulli} {
		if s == l.String() {
			return l, nil
		}
	}
	return 0, fmt.Errorf("lfm: likelihood %q: want gaussian or bernoulli", s)
}

// checkData validates N rows of data against D outputs of the likelihood
// l: each row has D finite entries, and Bernoulli outputs are 0 or 1.
// Rows and columns are counted from 0.
func checkData(x [][]float64, d int, l Likelihood) error {
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
			if l == Bernoulli && v != 0 && v != 1 {
				return fmt.Errorf("lfm: x row %d, column %d = %v is not 0 or 1 (Bernoulli outputs)", n, i, v)
			}
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
