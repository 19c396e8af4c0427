package lines

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// BOM is the UTF-8 byte-order mark some editors put at the start of a file.
const BOM = "\ufeff"

// MaxLine is the longest line Each reads, in bytes.
const MaxLine = 1 << 28

// ReadError is a failure to read line Line (an I/O error, or a line longer
// than MaxLine).
type ReadError struct {
	Line int
	Err  error
}

func (e *ReadError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *ReadError) Unwrap() error { return e.Err }

// Each calls fn with the number and the text (without its end of line) of
// every line of r, the first without a byte-order mark, and returns fn's
// first error, or a *ReadError.
func Each(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, BOM)
		}
		if err := fn(n, text); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &ReadError{Line: n + 1, Err: err}
	}
	return nil
}
