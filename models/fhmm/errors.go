package fhmm

import (
	"errors"
	"fmt"
)

// ErrNoData is returned when an observation sequence has no rows.
var ErrNoData = errors.New("fhmm: no observations")

// ErrUnderflow is returned (wrapped, with the time step) when a
// forward recursion finds no state with positive probability: the
// observations are impossible under the model or the potentials to
// within float64 range.
var ErrUnderflow = errors.New("fhmm: forward recursion underflowed")

// ErrZeroTransition is returned (wrapped, with the indices) by
// [Factorized] when a transition probability is 0; see the package
// documentation.
var ErrZeroTransition = errors.New("fhmm: the fully factorised family needs positive transition probabilities")

// ErrSingularCovariance is returned (wrapped) by [Learn] when a covariance
// it estimates (the sample covariance of y for the starting values, or C
// in an M-step) is not positive definite or has a condition number above
// [MaxCondCovariance].
var ErrSingularCovariance = errors.New("fhmm: covariance estimate is singular or nearly so")

// TooManyStatesError is returned by [Exact], and by [Learn] with
// [EStepExact], when the joint chain has more than [MaxExactStates]
// states.
type TooManyStatesError struct {
	M, L int // chains and states per chain
}

func (e *TooManyStatesError) Error() string {
	return fmt.Sprintf("fhmm: L^M = %d^%d joint states exceed MaxExactStates = %d", e.L, e.M, MaxExactStates)
}

// DecreaseError reports that a step that maximises the ELBO in some of its
// arguments lowered it by more than rounding allows. Every such step is an
// exact maximisation, so this signals a bug, not a property of the data.
type DecreaseError struct {
	// Method is "Structured", "Factorized", "Learn E-step" or
	// "Learn M-step".
	Method string
	// Iter is the sweep (1-based) for the mean-field methods, the EM
	// iteration (1-based) for Learn.
	Iter   int
	Before float64 // ELBO before the step
	After  float64 // ELBO after the step
}

func (e *DecreaseError) Error() string {
	return fmt.Sprintf("fhmm: %s %d lowered the ELBO from %.17g to %.17g (a bug: the step maximises it)",
		e.Method, e.Iter, e.Before, e.After)
}
