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

// Options are the choices of a table read. The zero value detects the
// header (Auto).
type Options struct {
	Header Header // whether the first row is a header
}

// ReadFile reads a numeric table from the named file with the zero Options.
func ReadFile(path string) (*Table, error) { return Options{}.ReadFile(path) }

// Read reads a numeric table from r with the zero Options; its errors name
// no file.
func Read(r io.Reader) (*Table, error) { return Options{}.Read(r, "") }

// ReadFile reads a numeric table from the named file; errors name it.
func (o Options) ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	return o.Read(f, path)
}

// Read reads a numeric table from r; name (a file name, or "") labels its
// errors. Fields are separated by commas or runs of white space. A UTF-8
// byte-order mark at the start is removed; blank lines and lines starting
// with '#' are skipped. Whether the first row is a header follows
// o.Header (see [Header]); quotes around header names are removed. Every
// data field must be a finite number.
func (o Options) Read(r io.Reader, name string) (*Table, error) {
	if o.Header < Auto || o.Header > No {
		return nil, fmt.Errorf("table: unknown %v", o.Header)
	}
	p := parser{name: name, header: o.Header, t: &Table{}}
	err := lines.Each(r, func(n int, text string) error {
		p.line = n
		return p.parse(text)
	})
	if re := (*lines.ReadError)(nil); errors.As(err, &re) {
		return nil, errorAt(name, re.Line, 0, "%w", re.Err)
	}
	if err != nil {
		return nil, err
	}
	if p.t.Rows == 0 {
		if p.t.Header != nil {
			return nil, errorAt(name, 0, 0, "%w (only the header line)", ErrEmpty)
		}
		return nil, errorAt(name, 0, 0, "%w", ErrEmpty)
	}
	return p.t, nil
}

// parser is the state of one Read.
type parser struct {
	name      string
	header    Header
	t         *Table
	line      int  // the current line, from 1
	firstLine int  // the line of the first row, header or data
	first     bool // the current line is the first non-blank one
	seen      bool // a non-blank line has been read
}

// parse reads one line.
func (p *parser) parse(text string) error {
	line := strings.TrimSpace(text)
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	fields := split(line)
	p.first = !p.seen
	p.seen = true
	if p.first {
		p.t.Cols, p.firstLine = len(fields), p.line
		if p.header == Yes || p.header == Auto && noneNumeric(fields) {
			p.t.Header = make([]string, len(fields))
			for i, f := range fields {
				p.t.Header[i] = strings.Trim(f, `"'`)
			}
			return nil
		}
	}
	if len(fields) != p.t.Cols {
		return errorAt(p.name, 0, 0, "line %d has %d fields, want %d as on line %d (ragged row)", p.line, len(fields), p.t.Cols, p.firstLine)
	}
	for j, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			hint := ""
			if p.first && p.header == Auto {
				hint = " (the first row is a header only when none of its fields is a number)"
			}
			return errorAt(p.name, p.line, j+1, "%q is not a number%s", f, hint)
		case math.IsNaN(v) || math.IsInf(v, 0):
			return errorAt(p.name, p.line, j+1, "%q is not a finite number", f)
		}
		p.t.Data = append(p.t.Data, v)
	}
	p.t.Rows++
	p.t.lines = append(p.t.lines, p.line)
	return nil
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

// isNumber reports whether f parses as a number, finite or not (1e999 is a
// number out of range, not a name).
func isNumber(f string) bool {
	_, err := strconv.ParseFloat(f, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

func noneNumeric(fields []string) bool {
	for _, f := range fields {
		if isNumber(f) {
			return false
		}
	}
	return true
}
