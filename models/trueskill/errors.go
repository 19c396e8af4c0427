package trueskill

import (
	"errors"
	"fmt"
)

// ErrNoGames is returned when a data set holds no games.
var ErrNoGames = errors.New("trueskill: no games")

// LineError reports a problem at one line of a results file.
type LineError struct {
	Path string // file name, empty when reading from an io.Reader
	Line int    // 1-based line number
	Msg  string // what is wrong
}

func (e *LineError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("trueskill: line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("trueskill: %s:%d: %s", e.Path, e.Line, e.Msg)
}

func lineErrorf(line int, format string, args ...any) *LineError {
	return &LineError{Line: line, Msg: fmt.Sprintf(format, args...)}
}
