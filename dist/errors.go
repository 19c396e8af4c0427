package dist

import "errors"

// ErrNoAnalyticKL is returned by KL for a pair of distributions without a
// closed-form Kullback–Leibler divergence.
var ErrNoAnalyticKL = errors.New("dist: no closed-form KL divergence for this pair")
