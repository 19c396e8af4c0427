package trueskill

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Coding says how a result column gives the outcome for P1.
type Coding int

const (
	// Signed codes results as 1 win, 0 draw, −1 loss.
	Signed Coding = iota
	// Score codes results as points: 1 win, 0.5 draw, 0 loss.
	Score
)

// String returns "signed" or "score".
func (c Coding) String() string {
	switch c {
	case Signed:
		return "signed"
	case Score:
		return "score"
	default:
		return fmt.Sprintf("Coding(%d)", int(c))
	}
}

// ParseCoding returns the coding named s: "signed" or "score", the names
// String gives.
func ParseCoding(s string) (Coding, error) { return parseName("coding", s, Signed, Score) }

// DetectCoding scans the column named column of comma-separated results
// with a header line (the input of [ReadCSV]) and returns its coding: a −1
// means Signed, a 0.5 means Score. A column holding only 1 and 0 is
// ambiguous (0 is a draw in one coding and a loss in the other), and one
// holding both −1 and 0.5 fits neither; both are a *CodingError. A file
// DetectCoding cannot read (no header, a missing column, a malformed line)
// gives Signed and no error: ReadCSV then reports the problem with its line.
func DetectCoding(r io.Reader, column string) (Coding, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return Signed, nil
	}
	col := -1
	for j, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == column {
			col = j
		}
	}
	if col < 0 {
		return Signed, nil
	}
	var minus, half bool
	for {
		rec, err := cr.Read()
		if err != nil {
			break // end of file, or a parse error ReadCSV reports
		}
		if col >= len(rec) {
			continue
		}
		switch v, err := strconv.ParseFloat(strings.TrimSpace(rec[col]), 64); {
		case err != nil:
		case v == -1:
			minus = true
		case v == 0.5:
			half = true
		}
	}
	switch {
	case half && !minus:
		return Score, nil
	case minus && !half:
		return Signed, nil
	}
	return 0, &CodingError{Column: column, Both: minus && half}
}

// DetectCodingFile is [DetectCoding] on a file; its errors name the file.
func DetectCodingFile(path, column string) (Coding, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("trueskill: %w", err)
	}
	defer f.Close()
	c, err := DetectCoding(f, column)
	var ce *CodingError
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return c, err
}

// CSVOptions describes the columns of a results file.
//
// Two layouts are read. When P1 is empty the file has a winner column, a
// loser column and, optionally, a draw column whose value 1 or true marks a
// draw (0, false or empty: a decided game); the column names default to
// "winner", "loser" and "draw". Otherwise P1, P2 and Result name the columns
// holding the two players and the result for P1, coded by Coding.
// Other columns are allowed and ignored. The zero value reads the
// winner,loser[,draw] layout.
type CSVOptions struct {
	P1, P2, Result string // player and result columns; P1 empty selects the winner/loser layout
	Coding         Coding // how Result is coded

	Winner, Loser string // winner/loser layout: column names, default "winner" and "loser"
	Draw          string // winner/loser layout: draw column, default "draw" (optional only when defaulted)

	// Keep, when non-nil, is called for every data row; rows for which it
	// returns false are left out before their players are looked at.
	Keep func(Row) bool

	// Players, when non-nil, fixes the player list and its order (for a test
	// period read against a training set). A game with a player not in the
	// list is an error unless SkipUnknown is set, in which case the game is
	// left out and counted in Dataset.Skipped.
	Players     []string
	SkipUnknown bool
}

// Row is one data row of a results file, handed to CSVOptions.Keep.
type Row struct {
	Line   int // 1-based line number
	fields []string
	cols   map[string]int
}

// Field returns the value of the named column and whether the column exists.
func (r Row) Field(column string) (string, bool) {
	j, ok := r.cols[column]
	if !ok {
		return "", false
	}
	return r.fields[j], true
}

// ReadFile reads a results file; see [ReadCSV]. Line errors name the file.
func ReadFile(path string, opts CSVOptions) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trueskill: %w", err)
	}
	defer f.Close()
	ds, err := ReadCSV(f, opts)
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			le.Path = path
			return nil, le
		}
		return nil, fmt.Errorf("trueskill: %s: %w", path, err)
	}
	return ds, nil
}

// ReadCSV reads comma-separated results with a header line (RFC 4180: fields
// may be quoted). Players are indexed in order of first appearance, unless
// opts.Players fixes the list. Every problem is a *LineError naming the line
// (and, for a field, its column): an empty file, a missing column, a row
// with the wrong number of fields, an empty player name, a player meeting
// itself, a malformed result, an unknown player (with opts.Players), no
// games.
func ReadCSV(r io.Reader, opts CSVOptions) (*Dataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, cols, headerLine, err := readHeader(cr)
	if err != nil {
		return nil, err
	}
	lay, err := opts.layout(cols, headerLine)
	if err != nil {
		return nil, err
	}

	ds := &Dataset{index: make(map[string]int)}
	fixed := opts.Players != nil
	for i, name := range opts.Players {
		if _, dup := ds.index[name]; dup {
			return nil, fmt.Errorf("trueskill: CSVOptions.Players lists %q twice", name)
		}
		ds.index[name] = i
		ds.Players = append(ds.Players, name)
	}
	player := func(name string, line, col int) (int, bool, error) {
		if i, ok := ds.index[name]; ok {
			return i, true, nil
		}
		if fixed {
			if opts.SkipUnknown {
				return 0, false, nil
			}
			return 0, false, fieldErrorf(line, col, "unknown player %q, not in the fixed player list", name)
		}
		ds.index[name] = len(ds.Players)
		ds.Players = append(ds.Players, name)
		return len(ds.Players) - 1, true, nil
	}

	lastLine := headerLine
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		lastLine = line
		if len(rec) != len(header) {
			return nil, lineErrorf(line, "%d fields, want %d as in the header", len(rec), len(header))
		}
		if opts.Keep != nil && !opts.Keep(Row{Line: line, fields: rec, cols: cols}) {
			continue
		}
		n1, n2 := strings.TrimSpace(rec[lay.p1]), strings.TrimSpace(rec[lay.p2])
		if n1 == "" {
			return nil, fieldErrorf(line, lay.p1, "empty player name")
		}
		if n2 == "" {
			return nil, fieldErrorf(line, lay.p2, "empty player name")
		}
		if n1 == n2 {
			return nil, lineErrorf(line, "player %q plays itself", n1)
		}
		res, err := lay.result(rec)
		if err != nil {
			return nil, fieldErrorf(line, lay.res, "%v", err)
		}
		i1, ok1, err := player(n1, line, lay.p1)
		if err != nil {
			return nil, err
		}
		i2, ok2, err := player(n2, line, lay.p2)
		if err != nil {
			return nil, err
		}
		if !ok1 || !ok2 {
			ds.Skipped++
			continue
		}
		ds.Games = append(ds.Games, Game{P1: i1, P2: i2, Result: res})
	}
	if len(ds.Games) == 0 {
		return nil, lineErrorf(lastLine+1, "no games (after the rows kept)")
	}
	return ds, nil
}

// readHeader reads the header line of a results file and returns its
// fields, the column of each name (without a byte-order mark and
// surrounding space) and its line.
func readHeader(cr *csv.Reader) (header []string, cols map[string]int, line int, err error) {
	header, err = cr.Read()
	if err == io.EOF {
		return nil, nil, 0, lineErrorf(1, "empty file, want a header line")
	}
	if err != nil {
		return nil, nil, 0, csvError(err)
	}
	line, _ = cr.FieldPos(0)
	cols = make(map[string]int, len(header))
	for j, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := cols[h]; dup {
			return nil, nil, 0, fieldErrorf(line, j, "column %q appears twice", h)
		}
		cols[h] = j
	}
	return header, cols, line, nil
}

// csvError turns an encoding/csv error into a *LineError.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return lineErrorf(pe.Line, "%v at byte %d of the line", pe.Err, pe.Column)
	}
	return fmt.Errorf("trueskill: %w", err)
}

// layout is the resolved column positions of a results file.
type layout struct {
	p1, p2 int
	res    int // result or draw column; −1 when there is none
	signed bool
	score  bool // Score coding
	draw   bool // winner/loser layout
}

func (o CSVOptions) layout(cols map[string]int, line int) (layout, error) {
	need := func(name string) (int, error) {
		j, ok := cols[name]
		if !ok {
			return 0, lineErrorf(line, "header has no column %q (columns: %s)", name, columnList(cols))
		}
		return j, nil
	}
	var l layout
	var err error
	if o.P1 == "" {
		winner, loser, draw := or(o.Winner, "winner"), or(o.Loser, "loser"), o.Draw
		if l.p1, err = need(winner); err != nil {
			return l, err
		}
		if l.p2, err = need(loser); err != nil {
			return l, err
		}
		l.draw = true
		l.res = -1
		if draw != "" {
			if l.res, err = need(draw); err != nil {
				return l, err
			}
		} else if j, ok := cols["draw"]; ok {
			l.res = j
		}
		return l, nil
	}
	if o.P2 == "" || o.Result == "" {
		return l, errors.New("trueskill: CSVOptions: P1, P2 and Result must all be set")
	}
	if o.Coding != Signed && o.Coding != Score {
		return l, fmt.Errorf("trueskill: CSVOptions: unknown Coding %d", o.Coding)
	}
	if l.p1, err = need(o.P1); err != nil {
		return l, err
	}
	if l.p2, err = need(o.P2); err != nil {
		return l, err
	}
	if l.res, err = need(o.Result); err != nil {
		return l, err
	}
	l.score = o.Coding == Score
	return l, nil
}

// result parses the outcome of one row.
func (l layout) result(rec []string) (Result, error) {
	if l.draw {
		if l.res < 0 {
			return Win, nil
		}
		switch s := strings.ToLower(strings.TrimSpace(rec[l.res])); s {
		case "1", "true", "t", "yes":
			return Draw, nil
		case "0", "false", "f", "no", "":
			return Win, nil
		default:
			return 0, fmt.Errorf("draw field %q is not 1/true or 0/false", rec[l.res])
		}
	}
	s := strings.TrimSpace(rec[l.res])
	v, err := strconv.ParseFloat(s, 64)
	if err == nil {
		switch {
		case l.score && v == 1, !l.score && v == 1:
			return Win, nil
		case l.score && v == 0.5, !l.score && v == 0:
			return Draw, nil
		case l.score && v == 0, !l.score && v == -1:
			return Loss, nil
		}
	}
	if l.score {
		return 0, fmt.Errorf("result %q is not 1, 0.5 or 0 for a win, draw or loss", s)
	}
	return 0, fmt.Errorf("result %q is not 1, 0 or -1 for a win, draw or loss", s)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func columnList(cols map[string]int) string {
	names := make([]string, len(cols))
	for name, j := range cols {
		names[j] = strconv.Quote(name)
	}
	return strings.Join(names, ", ")
}
