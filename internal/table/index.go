package table

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
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
	sc := bufio.NewScanner(r)
	var idx []int
	lineNo := 0
	for sc.Scan() {
		lineNo++
		s := sc.Text()
		if lineNo == 1 {
			s = strings.TrimPrefix(s, bom)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != math.Trunc(v) {
			return nil, errorAt(name, lineNo, 0, "%q is not a row index", s)
		}
		if v < 0 || v >= float64(n) {
			return nil, errorAt(name, lineNo, 0, "row index %s outside [0, %d)", s, n)
		}
		idx = append(idx, int(v))
	}
	if err := sc.Err(); err != nil {
		return nil, errorAt(name, lineNo+1, 0, "%w", err)
	}
	if len(idx) == 0 {
		return nil, errorAt(name, 0, 0, "%w (no row indices)", ErrEmpty)
	}
	return idx, nil
}
