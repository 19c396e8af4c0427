package table

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFormats(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		rows, cols int
		header     bool
		last       float64
	}{
		{"csv header", "\"a\",\"b\"\n1,2\n3,4\n", 2, 2, true, 4},
		{"whitespace", "1 2 3\n4\t5   6\n", 2, 3, false, 6},
		{"blank and comment lines", "# c\n\n1,2\n\n3,4.5\n", 2, 2, false, 4.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := Read(strings.NewReader(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.rows, tb.Rows)
			assert.Equal(t, tc.cols, tb.Cols)
			assert.Equal(t, tc.header, tb.Header != nil)
			assert.Equal(t, tc.last, tb.At(tb.Rows-1, tb.Cols-1))
		})
	}
}

// TestReadHeaderIssue14: the header is detected, not guessed. A first row
// is a header only when none of its fields is a number; a byte-order mark
// is removed (it used to turn a headerless file's first row into a header).
func TestReadHeaderIssue14(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		mode     Header
		header   []string
		rows     int
		first    float64 // Data[0]
	}{
		{"bom numeric auto", "\ufeff1,2,3\n4,5,7\n6,7,8\n", Auto, nil, 3, 1},
		{"bom header auto", "\ufeffa,b\n1,2\n", Auto, []string{"a", "b"}, 1, 1},
		{"quoted header auto", "\"a\",\"b\"\n1,2\n", Auto, []string{"a", "b"}, 1, 1},
		{"numeric names yes", "1990,2000\n1,2\n", Yes, []string{"1990", "2000"}, 1, 1},
		{"numeric first row no", "1,2\n3,4\n", No, nil, 2, 1},
		{"crlf", "a b\r\n1 2\r\n", Auto, []string{"a", "b"}, 1, 1},
		{"comment before header", "# units: cm\nx,y\n1,2\n", Auto, []string{"x", "y"}, 1, 1},
		{"out-of-range first row is not a header", "1e999,2\n", Auto, nil, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, err := Options{Header: tc.mode}.Read(strings.NewReader(tc.in), "t.csv")
			if tc.rows == 0 {
				assert.EqualError(t, err, `table: t.csv: line 1, column 1: "1e999" is not a finite number`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.header, tb.Header)
			assert.Equal(t, tc.rows, tb.Rows)
			assert.Equal(t, tc.first, tb.Data[0])
		})
	}
}

// TestReadErrorsIssue14: every error names the file, the line and the
// column (for a field), counted from 1.
func TestReadErrorsIssue14(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		mode     Header
		want     string
	}{
		{"typo in first row", "1,2,x3\n4,5,6\n", Auto,
			`table: t.csv: line 1, column 3: "x3" is not a number (the first row is a header only when none of its fields is a number)`},
		{"typo in first row, no header", "1,2,x3\n4,5,6\n", No, `table: t.csv: line 1, column 3: "x3" is not a number`},
		{"names in data with header yes", "a,b\nc,d\n", Yes, `table: t.csv: line 2, column 1: "c" is not a number`},
		{"bad field", "# c\n1,2\n\n3,x\n", Auto, `table: t.csv: line 4, column 2: "x" is not a number`},
		{"empty field", "1,,2\n", Auto, `table: t.csv: line 1, column 2: "" is not a number (the first row is a header only when none of its fields is a number)`},
		{"nan", "1,2\nNaN,3\n", Auto, `table: t.csv: line 2, column 1: "NaN" is not a finite number`},
		{"inf", "1 2\n3 +Inf\n", Auto, `table: t.csv: line 2, column 2: "+Inf" is not a finite number`},
		{"ragged", "a,b\n1,2\n3\n", Auto, "table: t.csv: line 3 has 1 fields, want 2 as on line 1 (ragged row)"},
		{"empty", "", Auto, "table: t.csv: no data rows"},
		{"bom only", "\ufeff", Auto, "table: t.csv: no data rows"},
		{"header only", "a,b\n", Auto, "table: t.csv: no data rows (only the header line)"},
		{"numeric header only", "1,2\n", Yes, "table: t.csv: no data rows (only the header line)"},
		{"unknown mode", "1\n", Header(7), "table: unknown Header(7)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Options{Header: tc.mode}.Read(strings.NewReader(tc.in), "t.csv")
			assert.EqualError(t, err, tc.want)
		})
	}
}

// TestReadFileNamesFile: ReadFile's errors carry the path, and a table
// records the line of each row.
func TestReadFileNamesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "bom.csv")
	require.NoError(t, os.WriteFile(path, []byte("\xef\xbb\xbf1,2,3\n4,5,7\n\n6,7,8\n"), 0o644))
	tb, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 3, tb.Rows)
	assert.Equal(t, []int{1, 2, 4}, []int{tb.Line(0), tb.Line(1), tb.Line(2)})
	sel := tb.Select([]int{2, 0})
	assert.Equal(t, []int{4, 1}, []int{sel.Line(0), sel.Line(1)})
	assert.Equal(t, 0, tb.Line(3))

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("a,b\n1,oops\n"), 0o644))
	_, err = Options{}.ReadFile(bad)
	assert.EqualError(t, err, "table: "+bad+`: line 2, column 2: "oops" is not a number`)
	_, err = ReadFile(filepath.Join(dir, "missing.csv"))
	assert.ErrorContains(t, err, "missing.csv")
}

func TestHeaderFlag(t *testing.T) {
	t.Parallel()
	var h Header
	for _, s := range []string{"yes", "no", "auto"} {
		require.NoError(t, h.Set(s))
		assert.Equal(t, s, h.String())
	}
	assert.EqualError(t, h.Set("maybe"), `table: header mode "maybe": want yes, no or auto`)
}

func TestReadIndexIssue14(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     []int
		err      string
	}{
		{"good", "\ufeff0\n 2 \n\n1.0\n", []int{0, 2, 1}, ""},
		{"fraction", "0\n1.5\n", nil, `table: idx.txt: line 2: "1.5" is not a row index`},
		{"word", "x\n", nil, `table: idx.txt: line 1: "x" is not a row index`},
		{"two per line", "1 2\n", nil, `table: idx.txt: line 1: "1 2" is not a row index`},
		{"nan", "NaN\n", nil, `table: idx.txt: line 1: "NaN" is not a row index`},
		{"negative", "-1\n", nil, "table: idx.txt: line 1: row index -1 outside [0, 3)"},
		{"too large", "3\n", nil, "table: idx.txt: line 1: row index 3 outside [0, 3)"},
		{"huge", "1e300\n", nil, "table: idx.txt: line 1: row index 1e300 outside [0, 3)"},
		{"empty", "\n\n", nil, "table: idx.txt: no data rows (no row indices)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			idx, err := readIndex(strings.NewReader(tc.in), "idx.txt", 3)
			if tc.err != "" {
				assert.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, idx)
		})
	}
}

// FuzzRead: a table read without error has Rows×Cols finite values, a
// header as wide as its rows and a line for every row; its values written
// back in full precision read back the same; every error names the file.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"\"a\",\"b\"\n1,2\n3,4\n", "1 2 3\n4\t5   6\n", "# c\n\n1,2\n\n3,4.5\n", "\ufeff1,2,3\n4,5,7\n6,7,8\n",
		"1,2,x3\n4,5,6\n", "1,2\n3\n", "a,b\n", "", "1,,2\n", "NaN,1\n", "1e999\n", "0x1p3,-0,1_0\n", "a b\r\n1 2\r\n",
	} {
		for mode := range 3 {
			f.Add([]byte(s), uint8(mode))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		o := Options{Header: Header(mode % 3)}
		tb, err := o.Read(strings.NewReader(string(in)), "fuzz.csv")
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "table: fuzz.csv: "), "error %q does not name the file", err)
			return
		}
		checkTable(t, tb)
		var b strings.Builder
		for i := 0; i < tb.Rows; i++ {
			for j, v := range tb.Row(i) {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
			b.WriteByte('\n')
		}
		back, err := Options{Header: No}.Read(strings.NewReader(b.String()), "back.csv")
		require.NoError(t, err)
		assert.Equal(t, tb.Data, back.Data)
	})
}

// checkTable asserts the invariants of a table read without error.
func checkTable(t *testing.T, tb *Table) {
	t.Helper()
	require.True(t, tb.Rows >= 1 && tb.Cols >= 1, "%d×%d table", tb.Rows, tb.Cols)
	require.Len(t, tb.Data, tb.Rows*tb.Cols)
	require.Len(t, tb.lines, tb.Rows)
	if tb.Header != nil {
		require.Len(t, tb.Header, tb.Cols)
	}
	for i, v := range tb.Data {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "value %d is %v", i, v)
	}
	for i := 1; i < tb.Rows; i++ {
		require.Greater(t, tb.Line(i), tb.Line(i-1))
	}
}

// FuzzReadIndex: indices read without error lie in [0, n); every error
// names the file.
func FuzzReadIndex(f *testing.F) {
	for _, s := range []string{"0\n2\n1\n", "\ufeff0\n", "1.5\n", "-1\n", "3\n", "1e300\n", "NaN\n", "", "1 2\n", "-0\n"} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		idx, err := readIndex(strings.NewReader(string(in)), "fuzz.txt", n)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "table: fuzz.txt: "), "error %q does not name the file", err)
			return
		}
		require.NotEmpty(t, idx)
		for _, i := range idx {
			require.True(t, i >= 0 && i < n, "index %d outside [0, %d)", i, n)
		}
	})
}
