package lfm

import (
	"fmt"
	"math"
)

// gapRelTol is how far, relative to max(1, |log p(x_n)|), an ELBO may
// exceed the log evidence by rounding before [Gap] calls it a bug; when
// mean field is exact (K = 1, orthogonal factors) the two agree to ~1e-15.
const gapRelTol = 1e-9

// Gap returns the approximation gap log p(x_n) − ELBO_n ≥ 0 of every row,
// from the exact posterior and a mean-field fit of the same data. It is
// KL(q(z_n) ‖ p(z_n | x_n)). A gap below −gapRelTol·max(1, |log p(x_n)|)
// is returned as a [*NegativeGapError]; smaller negative values (rounding)
// are returned as computed.
func Gap(post *Posterior, q *MeanField) ([]float64, error) {
	if post == nil || q == nil {
		return nil, fmt.Errorf("lfm: Gap needs a posterior and a mean-field fit, got nil")
	}
	if len(post.LogEvidence) != len(q.RowELBO) {
		return nil, fmt.Errorf("lfm: Gap: the posterior has %d rows, the mean-field fit %d",
			len(post.LogEvidence), len(q.RowELBO))
	}
	gap := make([]float64, len(q.RowELBO))
	for n, le := range post.LogEvidence {
		gap[n] = le - q.RowELBO[n]
		if gap[n] < -gapRelTol*math.Max(1, math.Abs(le)) {
			return nil, &NegativeGapError{Datum: n, LogEvidence: le, ELBO: q.RowELBO[n]}
		}
	}
	return gap, nil
}
