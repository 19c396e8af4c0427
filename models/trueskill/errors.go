package trueskill

import (
	"errors"
	"fmt"
)

// ErrNoGames is returned when a data set holds no games.
var ErrNoGames = errors.New("trueskill: no games")

// LineError reports a problem at one line of a results file, and at one
// column when the problem is a field's.
type LineError struct {
	Path   string // file name, empty when reading from an io.Reader
	Line   int    // 1-based line number
	Column int    // 1-based column (field) number, 0 when the line as a whole is at fault
	Msg    string // what is wrong
}

// Error returns "trueskill: PATH:LINE: MSG (column C)", without the path
// when it is empty ("trueskill: line LINE: …") and without the column when
// it is 0.
func (e *LineError) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.Path != "" {
		where = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	col := ""
	if e.Column > 0 {
		col = fmt.Sprintf(" (column %d)", e.Column)
	}
	return fmt.Sprintf("trueskill: %s: %s%s", where, e.Msg, col)
}

func lineErrorf(line int, format string, args ...any) *LineError {
	return &LineError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// fieldErrorf is lineErrorf for the field in column j (from 0).
func fieldErrorf(line, j int, format string, args ...any) *LineError {
	return &LineError{Line: line, Column: j + 1, Msg: fmt.Sprintf(format, args...)}
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
