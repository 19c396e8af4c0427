package main

import "github.com/govi/govi/svi"

// lrUsed is the learning rate of an SVI fit in its report: the one asked
// for with -lr and the one its last step used, after the schedule and the
// divergence guard's cuts (svi.OptState's LRScale and Backoff).
type lrUsed struct {
	Asked   float64 `json:"asked"`         // -lr
	Final   float64 `json:"final"`         // Asked × Scale
	Scale   float64 `json:"scale"`         // the last step's factor: schedule × guard
	Backoff float64 `json:"guard_backoff"` // the guard's part of Scale (1: it never acted)
}

// newLRUsed returns the learning rate of the fit at st that asked for lr.
func newLRUsed(lr float64, st *svi.State) *lrUsed {
	u := &lrUsed{Asked: lr, Scale: 1, Backoff: backoffOf(st)}
	if st.Opt != nil {
		u.Scale = st.Opt.LRScale
	}
	u.Final = lr * u.Scale
	return u
}
