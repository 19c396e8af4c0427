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

// CodingError reports a result column whose coding [DetectCoding] cannot
// tell: only 1 and 0 (Both false), or both −1 and 0.5 (Both true).
type CodingError struct {
	Path   string // file name, empty when reading from an io.Reader
	Column string
	Both   bool
}

func (e *CodingError) Error() string {
	where := ""
	if e.Path != "" {
		where = e.Path + ": "
	}
	if e.Both {
		return fmt.Sprintf("trueskill: %scolumn %q holds both -1 and 0.5, which fits neither signed (1/0/-1) nor score (1/0.5/0) coding", where, e.Column)
	}
	return fmt.Sprintf("trueskill: %scolumn %q holds only 1 and 0, which is ambiguous: 0 is a draw in signed coding and a loss in score coding", where, e.Column)
}
