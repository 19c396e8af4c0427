package fhmm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// SumTol is how far a row of π or P may sum from 1 for [Params.Validate].
const SumTol = 1e-9

// symRelTol is how far C_ij and C_ji may differ, relative to the larger of
// the two, for [Params.Validate]; the methods use the upper triangle.
const symRelTol = 1e-12

// Params are the parameters of a factorial HMM with M chains of L states
// and D-dimensional Gaussian outputs.
type Params struct {
	// Pi holds the initial distributions: Pi[m][l] = P(s₁⁽ᵐ⁾ = l), M rows
	// of L.
	Pi [][]float64
	// P holds the transition matrices: P[m][i][j] = P(s_t⁽ᵐ⁾ = j |
	// s_{t−1}⁽ᵐ⁾ = i), M matrices of L×L, each row (from-state) summing to 1.
	P [][][]float64
	// W holds the output weights: W[m] is the D×L matrix W⁽ᵐ⁾ (D rows of L),
	// whose column l is chain m's contribution to the mean in state l.
	W [][][]float64
	// C is the D×D output covariance, symmetric positive definite.
	C [][]float64
}

// M returns the number of chains, len(Pi).
func (p Params) M() int { return len(p.Pi) }

// L returns the number of states per chain, len(Pi[0]) (0 without chains).
func (p Params) L() int {
	if len(p.Pi) == 0 {
		return 0
	}
	return len(p.Pi[0])
}

// D returns the output dimension, len(C).
func (p Params) D() int { return len(p.C) }

// Validate reports the first problem with p, naming the field and indices:
// no chain, state or output; a shape that disagrees with M = len(Pi), L =
// len(Pi[0]) or D = len(C); a non-finite or negative entry; a row of π or P
// whose sum differs from 1 by more than [SumTol]; or a C that is not
// symmetric (to 1e-12 relative) and positive definite.
func (p Params) Validate() error {
	if err := p.validateChains(); err != nil {
		return err
	}
	if err := p.validateC(); err != nil {
		return err
	}
	return p.validateW()
}

func (p Params) validateChains() error {
	m, l := p.M(), p.L()
	if m < 1 {
		return fmt.Errorf("fhmm: Params.Pi has no rows: need at least one chain")
	}
	if l < 1 {
		return fmt.Errorf("fhmm: Params.Pi[0] is empty: need at least one state")
	}
	for c, row := range p.Pi {
		if err := checkDist(row, l, fmt.Sprintf("Params.Pi[%d]", c)); err != nil {
			return err
		}
	}
	if len(p.P) != m {
		return fmt.Errorf("fhmm: len(Params.P) = %d, want M = len(Params.Pi) = %d", len(p.P), m)
	}
	for c, pm := range p.P {
		if len(pm) != l {
			return fmt.Errorf("fhmm: Params.P[%d] has %d rows, want L = %d", c, len(pm), l)
		}
		for i, row := range pm {
			if err := checkDist(row, l, fmt.Sprintf("Params.P[%d] row %d", c, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDist checks that row is a probability vector of length l.
func checkDist(row []float64, l int, name string) error {
	if len(row) != l {
		return fmt.Errorf("fhmm: %s has %d entries, want L = %d", name, len(row), l)
	}
	var sum float64
	for j, v := range row {
		if !finite(v) {
			return fmt.Errorf("fhmm: %s entry %d = %v is not a finite number", name, j, v)
		}
		if v < 0 {
			return fmt.Errorf("fhmm: %s entry %d = %v is negative", name, j, v)
		}
		sum += v
	}
	if math.Abs(sum-1) > SumTol {
		return fmt.Errorf("fhmm: %s sums to %.17g, want 1 (within %g)", name, sum, SumTol)
	}
	return nil
}

func (p Params) validateC() error {
	d := p.D()
	if d < 1 {
		return fmt.Errorf("fhmm: Params.C is empty: need at least one output")
	}
	for i, row := range p.C {
		if len(row) != d {
			return fmt.Errorf("fhmm: Params.C row %d has %d entries, want D = len(Params.C) = %d", i, len(row), d)
		}
		for j, v := range row {
			if !finite(v) {
				return fmt.Errorf("fhmm: Params.C[%d][%d] = %v is not a finite number", i, j, v)
			}
		}
	}
	for i := range p.C {
		for j := i + 1; j < d; j++ {
			a, b := p.C[i][j], p.C[j][i]
			if math.Abs(a-b) > symRelTol*math.Max(math.Abs(a), math.Abs(b)) {
				return fmt.Errorf("fhmm: Params.C[%d][%d] = %v but Params.C[%d][%d] = %v: C must be symmetric", i, j, a, j, i, b)
			}
		}
	}
	if _, ok := cholesky(p.C); !ok {
		return fmt.Errorf("fhmm: Params.C is not positive definite (its Cholesky factorisation fails)")
	}
	return nil
}

func (p Params) validateW() error {
	m, l, d := p.M(), p.L(), p.D()
	if len(p.W) != m {
		return fmt.Errorf("fhmm: len(Params.W) = %d, want M = len(Params.Pi) = %d", len(p.W), m)
	}
	for c, wm := range p.W {
		if len(wm) != d {
			return fmt.Errorf("fhmm: Params.W[%d] has %d rows, want D = len(Params.C) = %d", c, len(wm), d)
		}
		for i, row := range wm {
			if len(row) != l {
				return fmt.Errorf("fhmm: Params.W[%d] row %d has %d entries, want L = %d", c, i, len(row), l)
			}
			for j, v := range row {
				if !finite(v) {
					return fmt.Errorf("fhmm: Params.W[%d][%d][%d] = %v is not a finite number", c, i, j, v)
				}
			}
		}
	}
	return nil
}

// cholesky factorises the symmetric matrix c (its upper triangle).
func cholesky(c [][]float64) (*mat.Cholesky, bool) {
	d := len(c)
	s := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			s.SetSym(i, j, c[i][j])
		}
	}
	var ch mat.Cholesky
	ok := ch.Factorize(s)
	return &ch, ok
}

// checkData validates T×D observations.
func checkData(y [][]float64, d int) error {
	if len(y) == 0 {
		return ErrNoData
	}
	for t, row := range y {
		if len(row) != d {
			return fmt.Errorf("fhmm: y row %d has %d entries, want D = %d", t, len(row), d)
		}
		for i, v := range row {
			if !finite(v) {
				return fmt.Errorf("fhmm: y row %d, column %d = %v is not a finite number", t, i, v)
			}
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// clone returns a deep copy of p.
func (p Params) clone() Params {
	q := Params{Pi: clone2(p.Pi), C: clone2(p.C)}
	for _, pm := range p.P {
		q.P = append(q.P, clone2(pm))
	}
	for _, wm := range p.W {
		q.W = append(q.W, clone2(wm))
	}
	return q
}

func clone2(a [][]float64) [][]float64 {
	b := make([][]float64, len(a))
	for i, row := range a {
		b[i] = append([]float64(nil), row...)
	}
	return b
}
