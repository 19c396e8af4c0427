package dist

import (
	"errors"
	"fmt"
)

// ErrNoAnalyticKL is returned by KL for a pair of distributions without a
// closed-form Kullback–Leibler divergence.
var ErrNoAnalyticKL = errors.New("dist: no closed-form KL divergence for this pair")

// ParamError reports a host-side parameter value that a constructor such
// as [NewGamma], or a [Drawer]'s Draw, rejects.
type ParamError struct {
	Dist  string  // distribution, as in "Gamma"
	Param string  // parameter, as in "rate" or "concentration[2]" (element 2)
	Value float64 // the rejected value
	Want  string  // the requirement, as in "positive and finite"
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("dist: %s %s must be %s, got %v", e.Dist, e.Param, e.Want, e.Value)
}
