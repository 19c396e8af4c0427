package table

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/govi/govi/internal/lines"
)

// ReadIndex reads a file of 0-based row indices, one per line, and checks each
// is below n. Blank lines are skipped; a byte-order mark at the start is
// removed. Errors name the file and the line.
func ReadIndex(path string, n int) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	return readIndex(f, path, n)
}

// readIndex is ReadIndex on r; name labels errors.
func readIndex(r io.Reader, name string, n int) ([]int, error) {
	var idx []int
	err := lines.Each(r, func(line int, s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != math.Trunc(v) {
			return errorAt(name, line, 0, "%q is not a row index", s)
		}
		if v < 0 || v >= float64(n) {
			return errorAt(name, line, 0, "row index %s outside [0, %d)", s, n)
		}
		idx = append(idx, int(v))
		return nil
	})
	if re := (*lines.ReadError)(nil); errors.As(err, &re) {
		return nil, errorAt(name, re.Line, 0, "%w", re.Err)
	}
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, errorAt(name, 0, 0, "%w (no row indices)", ErrEmpty)
	}
	return idx, nil
}
