package table

import (
	"errors"
	"fmt"
)

// ErrEmpty is wrapped by the error for a file with no data rows (or no row
// indices).
var ErrEmpty = errors.New("no data rows")

// errorAt returns an error prefixed with the package, the file (when name
// is not empty), the line (when positive) and the column (when positive):
// "table: data.csv: line 3, column 2: …".
func errorAt(name string, line, col int, format string, args ...any) error {
	prefix := "table: "
	if name != "" {
		prefix += name + ": "
	}
	switch {
	case line > 0 && col > 0:
		prefix += fmt.Sprintf("line %d, column %d: ", line, col)
	case line > 0:
		prefix += fmt.Sprintf("line %d: ", line)
	}
	return fmt.Errorf(prefix+format, args...)
}
