package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badCase is one file of testdata/bad: a command line that must be refused.
//
//	# why the input is bad
//	args: blr -data {data}/boston_mass/boston.csv -alpha 0
//	want: -alpha            (every want line must appear in the error)
//	line: 3                 (the error names line 3: "line 3" or "FILE:3")
//	file NAME               (a file written into the case's folder first)
//	…contents…
//	end
//
// {data} is the repository's data folder; other relative names are files
// of the case's folder. -out DIR is added, DIR holding a previous run's
// output that must be left byte for byte as it was.
type badCase struct {
	name  string
	args  []string
	wants []string
	lines []string
	files map[string]string
}

func readBadCase(path string) (*badCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &badCase{name: strings.TrimSuffix(filepath.Base(path), ".txt"), files: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var file string
	var body strings.Builder
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		switch {
		case file != "" && s == "end":
			c.files[file], file = body.String(), ""
			body.Reset()
		case file != "":
			body.WriteString(s + "\n")
		case strings.HasPrefix(s, "#") || s == "":
		case strings.HasPrefix(s, "args: "):
			c.args = strings.Fields(strings.TrimPrefix(s, "args: "))
		case strings.HasPrefix(s, "want: "):
			c.wants = append(c.wants, strings.TrimPrefix(s, "want: "))
		case strings.HasPrefix(s, "line: "):
			c.lines = append(c.lines, strings.TrimPrefix(s, "line: "))
		case strings.HasPrefix(s, "file "):
			file = strings.TrimPrefix(s, "file ")
		default:
			return nil, fmt.Errorf("%s:%d: unexpected line %q", path, line, s)
		}
	}
	if file != "" || len(c.args) == 0 || len(c.wants) == 0 {
		return nil, fmt.Errorf("%s: needs args, at least one want, and an end for every file", path)
	}
	return c, sc.Err()
}

// snapshot returns every file of dir with its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	}))
	return out
}

// TestBadInputCorpus runs every command line of testdata/bad: each must
// end in an error (not a panic, not a success) whose message holds every
// want of the case — the flag, the file, the line — and must leave a
// previous run's output folder byte for byte as it was.
func TestBadInputCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/bad/*.txt")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(paths), 150, "the corpus")
	data, err := filepath.Abs("../../data")
	require.NoError(t, err)
	for _, path := range paths {
		c, err := readBadCase(path)
		require.NoError(t, err)
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, body := range c.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
			}
			out := filepath.Join(dir, "out")
			require.NoError(t, os.MkdirAll(out, 0o755))
			for name, body := range map[string]string{"report.json": `{"previous": "run"}`, "elbo.png": "previous plot"} {
				require.NoError(t, os.WriteFile(filepath.Join(out, name), []byte(body), 0o644))
			}
			before := snapshot(t, out)
			args := make([]string, len(c.args))
			for i, a := range c.args {
				a = strings.ReplaceAll(a, "{data}", data)
				if _, ok := c.files[a]; ok || strings.HasPrefix(a, "nope") {
					a = filepath.Join(dir, a)
				}
				args[i] = a
			}
			if !slices.Contains(args, "predict") {
				args = append(args, "-out", out)
			}
			var stdout, stderr bytes.Buffer
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				err = run(context.Background(), args, &stdout, &stderr)
			}()
			require.Error(t, err, "accepted: %s", strings.Join(c.args, " "))
			for _, w := range c.wants {
				assert.Contains(t, err.Error(), w)
			}
			for _, l := range c.lines {
				msg := err.Error()
				assert.True(t, strings.Contains(msg, "line "+l) || strings.Contains(msg, ":"+l+":"), "%q names line %s", msg, l)
			}
			assert.Equal(t, before, snapshot(t, out), "the previous output must be untouched")
		})
	}
}

// TestDTypeRefusedByName: every SVI command trains in float32; -dtype is
// refused, naming the reason, where the fit it would apply to has no
// training graph (the closed-form CAVI and structured fits stay float64)
// and for an unknown dtype.
func TestDTypeRefusedByName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gmm", "-data", "../../data/old_faithful/faithful.csv", "-k", "2", "-method", "cavi", "-dtype", "float32"}, "the CAVI fit is closed-form float64"},
		{[]string{"lfm", "-data", "bars", "-factors", "2", "-method", "cavi", "-dtype", "float32"}, "-dtype applies to -method svi|amortized"},
		{[]string{"lfm", "-data", "bars", "-factors", "2", "-method", "svi", "-dtype", "float16"}, "unknown dtype"},
	} {
		_, _, err := runCmd(append(tc.args, "-out", t.TempDir())...)
		assert.ErrorContains(t, err, tc.want, "%v", tc.args)
		assert.ErrorContains(t, err, "-dtype", "%v", tc.args)
	}
}
