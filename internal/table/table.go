package table

// Table is a dense numeric table read from a file.
type Table struct {
	Header []string  // column names, nil when the file has no header line
	Rows   int       // number of data rows
	Cols   int       // number of columns
	Data   []float64 // row-major values, Rows×Cols

	lines []int // lines[i] is the 1-based file line of row i, when known
}

// Row returns row i as a slice sharing the table's storage.
func (t *Table) Row(i int) []float64 { return t.Data[i*t.Cols : (i+1)*t.Cols] }

// At returns the value at row i, column j.
func (t *Table) At(i, j int) float64 { return t.Data[i*t.Cols+j] }

// Line returns the 1-based line of the file that row i was read from, or 0
// for a table not read from a file.
func (t *Table) Line(i int) int {
	if i < 0 || i >= len(t.lines) {
		return 0
	}
	return t.lines[i]
}

// Select returns a new table holding the given rows, in order.
func (t *Table) Select(rows []int) *Table {
	out := &Table{Header: t.Header, Rows: len(rows), Cols: t.Cols, Data: make([]float64, 0, len(rows)*t.Cols)}
	for _, i := range rows {
		out.Data = append(out.Data, t.Row(i)...)
		if t.lines != nil {
			out.lines = append(out.lines, t.lines[i])
		}
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
