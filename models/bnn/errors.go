package bnn

import "errors"

// Errors returned for invalid configurations and data.
var (
	// ErrNoLayers is returned by Config.Validate when Hidden is empty.
	ErrNoLayers = errors.New("bnn: the network needs at least one hidden layer")
	// ErrTask is returned when a method is used with the wrong task (for
	// example PredictClass on a regression network).
	ErrTask = errors.New("bnn: wrong task for this method")
)
