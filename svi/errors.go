package svi

import (
	"errors"
	"fmt"
)

// ErrEmptyModel is returned by New for a model that declares no latent site
// and no observation.
var ErrEmptyModel = errors.New("svi: the model adds no log-density term")

// ErrNoSites is returned by New for a model without latent sites.
var ErrNoSites = errors.New("svi: the model declares no latent site")

// ErrStoppedTogether is wrapped, with context.Canceled or the context's
// own error, by Run's error on every rank of a data-parallel run
// (Config.Reduce) that stopped because the context of one or more of its
// ranks was done (Ctrl-C, SIGTERM): the ranks agree on it by an all-reduce
// of a stop flag before each step, so that every rank stops before the
// same step and holds the same state. A caller can then end the ranks
// together instead of aborting them.
var ErrStoppedTogether = errors.New("svi: the ranks stopped together")

// NonFiniteError reports a step whose loss or gradient is NaN or infinite.
// The state was not updated (its random source has advanced).
type NonFiniteError struct {
	Iter  int     // the step that failed (the state's Iter before it)
	Loss  float64 // the loss at that step
	What  string  // "loss", or the name of the parameter whose gradient or value is not finite
	Index int     // element of that parameter, or −1 for the loss
	Value float64 // the offending value
}

func (e *NonFiniteError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("svi: step %d: the loss (−ELBO) is %v", e.Iter, e.Loss)
	}
	return fmt.Sprintf("svi: step %d: %s[%d] is %v (loss %v)", e.Iter, e.What, e.Index, e.Value, e.Loss)
}

// DTypeError is LoadCheckpoint's refusal of a checkpoint written by a
// trainer of another Config.DType. The state itself would load (its
// parameters and moments are float64 for both dtypes), but the resumed fit
// would not continue the trajectory of the run that wrote it: resume in
// the dtype that wrote it, or start a new fit (a float32 warm start for a
// float64 fit is a new fit from InitLoc, not a resume).
type DTypeError struct {
	Checkpoint, Trainer DType
}

func (e *DTypeError) Error() string {
	return fmt.Sprintf("it was written by a %v training graph and this trainer's is %v (Config.DType)", e.Checkpoint, e.Trainer)
}
