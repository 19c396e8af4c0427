package lfm

import (
	"errors"
	"fmt"
)

// ErrTooManyFactors is returned (wrapped, with K and the limit) by [Exact]
// when K exceeds [MaxExactFactors].
var ErrTooManyFactors = errors.New("lfm: too many factors for exact enumeration")

// ErrNoClosedForm is returned (wrapped) by [CAVI] and [Learn] for
// Bernoulli outputs: E_q[log(1 + e^{η_d})] has no closed form under a
// mean-field q, so neither the coordinate update nor the M-step does.
var ErrNoClosedForm = errors.New("lfm: no closed-form mean-field update for Bernoulli outputs")

// ErrNoData is returned when a data set has no rows.
var ErrNoData = errors.New("lfm: no data rows")

// DecreaseError reports that a CAVI sweep lowered the ELBO by more than
// rounding allows. Every coordinate update maximises the ELBO exactly, so
// this signals a bug, not a property of the data.
type DecreaseError struct {
	Sweep  int     // the sweep (1-based) after which the ELBO fell
	Datum  int     // the row whose ELBO fell, or −1 for the sum over rows
	Before float64 // ELBO before the sweep
	After  float64 // ELBO after the sweep
}

func (e *DecreaseError) Error() string {
	what := "the summed ELBO"
	if e.Datum >= 0 {
		what = fmt.Sprintf("the ELBO of row %d", e.Datum)
	}
	return fmt.Sprintf("lfm: CAVI sweep %d lowered %s from %.17g to %.17g (a bug: coordinate updates cannot decrease it)",
		e.Sweep, what, e.Before, e.After)
}

// NegativeGapError reports a CAVI ELBO above the exact log evidence by more
// than rounding allows; the ELBO is a lower bound, so this signals a bug.
type NegativeGapError struct {
	Datum       int     // the row
	LogEvidence float64 // exact log p(x_n)
	ELBO        float64 // the mean-field ELBO of row n
}

func (e *NegativeGapError) Error() string {
	return fmt.Sprintf("lfm: row %d: ELBO %.17g exceeds the log evidence %.17g (a bug: the ELBO is a lower bound)",
		e.Datum, e.ELBO, e.LogEvidence)
}

// LearnDecreaseError reports that an M-step of [Learn] lowered the ELBO by
// more than rounding allows. Each M-step maximises the ELBO over the
// parameters exactly, so this signals a bug, not a property of the data.
type LearnDecreaseError struct {
	Start  int     // the start, from 0
	Iter   int     // the EM iteration, from 1
	Before float64 // summed ELBO before the M-step
	After  float64 // summed ELBO after it
}

func (e *LearnDecreaseError) Error() string {
	return fmt.Sprintf("lfm: Learn start %d, iteration %d: the M-step lowered the summed ELBO from %.17g to %.17g (a bug: it maximises the ELBO)",
		e.Start, e.Iter, e.Before, e.After)
}
