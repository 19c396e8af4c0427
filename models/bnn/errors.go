package bnn

import (
	"errors"
	"fmt"
)

// Errors returned for invalid configurations and data.
var (
	// ErrNoLayers was returned by Config.Validate when Hidden was empty.
	//
	// Deprecated: an empty Hidden now means no hidden layer (a linear
	// model), and nothing returns ErrNoLayers.
	ErrNoLayers = errors.New("bnn: the network needs at least one hidden layer")
	// ErrTask is returned when a method is used with the wrong task (for
	// example PredictClass on a regression network).
	ErrTask = errors.New("bnn: wrong task for this method")
)

// OverlapError reports training and test row lists that share a row: a
// network scored on rows it was fitted to reports a contaminated test
// score, so [Data.SplitRows] refuses them.
type OverlapError struct {
	Train, Test string // the sources of the two lists, as the caller names them (file names)
	Row         int    // the first shared row, in training order (0-based, as in the lists)
	// TrainEntry and TestEntry are the positions of Row in the two lists,
	// counted from 1.
	TrainEntry, TestEntry int
	Shared                int // rows in both lists
}

func (e *OverlapError) Error() string {
	more := ""
	if e.Shared > 1 {
		more = fmt.Sprintf(" (and %d more shared rows)", e.Shared-1)
	}
	return fmt.Sprintf("bnn: row %d is both a training row (%s, entry %d) and a test row (%s, entry %d)%s: a test row must not be trained on",
		e.Row, e.Train, e.TrainEntry, e.Test, e.TestEntry, more)
}
