package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeaderFlagIssue14: a byte-order mark no longer turns a headerless
// file's first row into a header (the issue's repro read 2 rows of 3), and
// -header yes|no|auto chooses.
func TestHeaderFlagIssue14(t *testing.T) {
	dir := t.TempDir()
	bom := writeFile(t, dir, "bom.csv", "\xef\xbb\xbf1,2,3\n4,5,7\n6,7,8\n")
	for _, tc := range []struct {
		name   string
		header string
		rows   int
		cols   []string
	}{
		{"auto", "auto", 3, []string{"intercept", "x1", "x2"}},
		{"no", "no", 3, []string{"intercept", "x1", "x2"}},
		{"yes", "yes", 2, []string{"intercept", "1", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name)
			_, _, err := runCmd("blr", "-method", "exact", "-data", bom, "-header", tc.header, "-out", out)
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(out, "report.json"))
			require.NoError(t, err)
			var rep blrReport
			require.NoError(t, json.Unmarshal(b, &rep))
			assert.Equal(t, tc.rows, rep.Rows)
			assert.Equal(t, tc.cols, rep.Columns)
		})
	}
}

// TestHeaderFlagErrorsIssue14: a bad first row is an error naming the
// file, line and column, in every command reading a table.
func TestHeaderFlagErrorsIssue14(t *testing.T) {
	dir := t.TempDir()
	typo := writeFile(t, dir, "typo.csv", "1,2,3x\n4,5,7\n6,7,8\n")
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"blr typo", []string{"blr", "-method", "exact", "-data", typo},
			`train blr: table: ` + typo + `: line 1, column 3: "3x" is not a number (the first row is a header only when none of its fields is a number)`},
		{"gmm typo", []string{"gmm", "-data", typo},
			`train gmm: table: ` + typo + `: line 1, column 3: "3x" is not a number (the first row is a header only when none of its fields is a number)`},
		{"bnn typo", []string{"bnn", "-data", typo},
			`train bnn: table: ` + typo + `: line 1, column 3: "3x" is not a number (the first row is a header only when none of its fields is a number)`},
		{"bnn header no", []string{"bnn", "-data", boston, "-header", "no"},
			`train bnn: table: ` + boston + `: line 1, column 1: "\"crim\"" is not a number`},
		{"gmm header no", []string{"gmm", "-data", "../../data/old_faithful/faithful.csv", "-header", "no"},
			`train gmm: table: ../../data/old_faithful/faithful.csv: line 1, column 1: "eruptions" is not a number`},
		{"bad mode", []string{"blr", "-data", typo, "-header", "maybe"},
			`train blr: invalid value "maybe" for flag -header: table: header mode "maybe": want yes, no or auto`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(append(tc.args, "-out", out)...)
			assert.EqualError(t, err, tc.want)
		})
	}
}
