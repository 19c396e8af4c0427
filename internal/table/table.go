package table

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Table is a dense numeric table read from a file.
type Table struct {
	Header []string  // column names, nil when the file has no header line
	Rows   int       // number of data rows
	Cols   int       // number of columns
	Data   []float64 // row-major values, Rows×Cols
}

// Row returns row i as a slice sharing the table's storage.
func (t *Table) Row(i int) []float64 { return t.Data[i*t.Cols : (i+1)*t.Cols] }

// At returns the value at row i, column j.
func (t *Table) At(i, j int) float64 { return t.Data[i*t.Cols+j] }

// ErrEmpty is returned for a file with no data rows.
var ErrEmpty = errors.New("table: no data rows")

// ReadFile reads a numeric table from the named file.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read reads a numeric table. Fields are separated by commas or runs of white
// space. The first non-blank line is taken as a header when any of its fields
// is not a number; a later non-numeric field is an error. Quotes around header
// names are removed. Blank lines and lines starting with '#' are skipped.
func Read(r io.Reader) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	t := &Table{}
	lineNo := 0
	first := true
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := split(line)
		if first {
			first = false
			if !allNumeric(fields) {
				t.Header = make([]string, len(fields))
				for i, f := range fields {
					t.Header[i] = strings.Trim(f, `"'`)
				}
				t.Cols = len(fields)
				continue
			}
			t.Cols = len(fields)
		}
		if len(fields) != t.Cols {
			return nil, fmt.Errorf("table: line %d has %d fields, want %d (ragged row)", lineNo, len(fields), t.Cols)
		}
		for j, f := range fields {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("table: line %d, column %d: %q is not a number", lineNo, j+1, f)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("table: line %d, column %d: %q is not a finite number", lineNo, j+1, f)
			}
			t.Data = append(t.Data, v)
		}
		t.Rows++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("table: line %d: %w", lineNo+1, err)
	}
	if t.Rows == 0 {
		return nil, ErrEmpty
	}
	return t, nil
}

func split(line string) []string {
	if strings.Contains(line, ",") {
		parts := strings.Split(line, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	return strings.Fields(line)
}

func allNumeric(fields []string) bool {
	for _, f := range fields {
		if _, err := strconv.ParseFloat(f, 64); err != nil {
			return false
		}
	}
	return true
}

// ReadIndex reads a file of 0-based row indices, one per line, and checks each
// is below n.
func ReadIndex(path string, n int) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var idx []int
	lineNo := 0
	for sc.Scan() {
		lineNo++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != math.Trunc(v) {
			return nil, fmt.Errorf("%s: line %d: %q is not a row index", path, lineNo, s)
		}
		i := int(v)
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%s: line %d: row index %d outside [0, %d)", path, lineNo, i, n)
		}
		idx = append(idx, i)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrEmpty)
	}
	return idx, nil
}

// Select returns a new table holding the given rows, in order.
func (t *Table) Select(rows []int) *Table {
	out := &Table{Header: t.Header, Rows: len(rows), Cols: t.Cols, Data: make([]float64, 0, len(rows)*t.Cols)}
	for _, i := range rows {
		out.Data = append(out.Data, t.Row(i)...)
	}
	return out
}

// Split returns the first Cols−1 columns as a row-major design matrix and the
// last column as the target vector.
func (t *Table) Split() (x []float64, y []float64, d int) {
	d = t.Cols - 1
	x = make([]float64, 0, t.Rows*d)
	y = make([]float64, t.Rows)
	for i := 0; i < t.Rows; i++ {
		r := t.Row(i)
		x = append(x, r[:d]...)
		y[i] = r[d]
	}
	return x, y, d
}
