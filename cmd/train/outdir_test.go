package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hashDir returns the SHA-256 of every file under dir, hidden ones too, by
// path relative to dir.
func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	}))
	return out
}

// TestFailedRunLeavesFolder: a good fit into a folder, then the same
// command failing (diverging at -lr 1e6, or interrupted) into it, leaves
// every file of the folder byte-identical (issue 14, item 5).
func TestFailedRunLeavesFolder(t *testing.T) {
	t.Parallel()
	faithful := "../../data/old_faithful/faithful.csv"
	for _, tc := range []struct {
		name    string
		args    func(t *testing.T) []string
		retries string // the retries on stderr at -lr 1e6; "": no -lr
	}{
		{"blr", func(*testing.T) []string { return []string{"blr", "-data", boston, "-standardize", "-steps", "300"} },
			"rolled back 6 non-finite step(s) in all"},
		{"gmm svi", func(*testing.T) []string {
			return []string{"gmm", "-method", "svi", "-data", faithful, "-standardize", "-k", "2", "-steps", "200", "-diagnostic-draws", "100"}
		}, "rolled back 6 non-finite step(s) in all"},
		{"trueskill", func(*testing.T) []string {
			return []string{"trueskill", "-matches", football, "-p1", "home", "-p2", "away", "-result", "result", "-steps", "200", "-diagnostic-draws", "100"}
		}, "rolled back 6 non-finite step(s) in all"},
		{"vae", func(*testing.T) []string {
			return []string{"vae", "-data", vaeDigits, "-steps", "5", "-k", "1,30", "-gap-rows", "0"}
		},
			"rolled back 6 non-finite step(s) in all"},
		{"bnn toy", func(*testing.T) []string { return []string{"bnn", "-toy", "-steps", "50", "-draws", "50"} }, "after 5 retries"},
		{"lda", func(t *testing.T) []string {
			corpus, vocab := writeLDACorpus(t, t.TempDir())
			return []string{"lda", "-corpus", corpus, "-vocab", vocab, "-topics", "2", "-iters", "3"}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			args := slices.Clip(append(tc.args(t), "-out", dir))
			_, stderr, err := runCmd(args...)
			require.NoError(t, err, stderr)
			writeFile(t, dir, "notes.txt", "the user's own file\n")
			before := hashDir(t, dir)
			require.Contains(t, before, "report.json")

			if tc.retries != "" {
				_, stderr, err = runCmd(append(args, "-lr", "1e6")...)
				require.Error(t, err, "-lr 1e6 diverges")
				assert.Contains(t, err.Error(), "diverged")
				assert.Contains(t, stderr+err.Error(), tc.retries, "the retries are shown")
				assert.Equal(t, before, hashDir(t, dir), "the diverged run changed the folder")
			}

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err = run(ctx, args, io.Discard, io.Discard)
			require.Error(t, err, "interrupted")
			assert.Equal(t, before, hashDir(t, dir), "the interrupted run changed the folder")
		})
	}
}

// TestFailedRunLeavesNoFolder: a failed run into a folder that did not
// exist removes the folder it made.
func TestFailedRunLeavesNoFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	_, _, err := runCmd("blr", "-data", boston, "-standardize", "-steps", "100", "-lr", "1e6", "-out", dir)
	require.Error(t, err)
	_, err = os.Stat(filepath.Dir(dir))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// waitFor polls until path exists.
func waitFor(t *testing.T, path string) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not appear", path)
}

// TestConcurrentRunRefused: while a run holds a folder, a second run into
// it is refused with the lock's description of the first; with -force it
// runs, and the first, interrupted, leaves the second's outputs alone.
func TestConcurrentRunRefused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan error, 1)
	go func() {
		first <- run(ctx, []string{"blr", "-data", boston, "-standardize", "-steps", "1000000", "-stop=false", "-out", dir}, io.Discard, io.Discard)
	}()
	waitFor(t, filepath.Join(dir, lockName))

	_, stderr, err := runCmd("blr", "-data", boston, "-standardize", "-method", "exact", "-out", dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("train blr: -out %s: in use by another run: pid %d on ", dir, os.Getpid()))
	assert.Contains(t, err.Error(), "(train blr -data="+boston)
	assert.Contains(t, err.Error(), "-steps=1000000")
	assert.Contains(t, err.Error(), "pass -force")
	assert.NotContains(t, stderr, "steps/s", "refused before any work")

	_, stderr, err = runCmd("blr", "-data", boston, "-standardize", "-method", "exact", "-force", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "-force: taking the folder from pid")
	forced := hashDir(t, dir)
	assert.Contains(t, forced, "report.json")
	assert.NotContains(t, forced, lockName, "released at the end")

	cancel()
	require.Error(t, <-first)
	assert.Equal(t, forced, hashDir(t, dir), "the first run, forced out, wrote or removed nothing")
}

// testFlags is the flag set of a command "train test" with -force.
func testFlags(t *testing.T, force bool) *flag.FlagSet {
	t.Helper()
	fs, _ := newFlags("test", io.Discard)
	require.NoError(t, fs.Parse([]string{fmt.Sprintf("-force=%v", force)}))
	return fs
}

// TestCommitAfterTakeover: a run whose folder another run took with
// -force writes nothing at Commit and says who took it.
func TestCommitAfterTakeover(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := openOutDir(testFlags(t, false), dir, io.Discard)
	require.NoError(t, err)
	require.NoError(t, a.WriteJSON(reportName, "a"))
	_, err = openOutDir(testFlags(t, false), dir, io.Discard)
	assert.ErrorContains(t, err, "in use by another run")
	var msg bytes.Buffer
	b, err := openOutDir(testFlags(t, true), dir, &msg)
	require.NoError(t, err)
	assert.Contains(t, msg.String(), "-force: taking the folder from pid")
	require.NoError(t, b.WriteJSON(reportName, "b"))
	err = a.Commit()
	assert.ErrorContains(t, err, "outputs not written: another run took the folder over (-force): pid")
	require.NoError(t, b.Commit())
	got, err := os.ReadFile(filepath.Join(dir, reportName))
	require.NoError(t, err)
	assert.Equal(t, "\"b\"\n", string(got))
	names, err := filepath.Glob(filepath.Join(dir, ".*"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, manifestName)}, names, "no lock, no temporaries")
}

// deadLock writes a lock of a process that does not exist on this host
// (a pid above Linux's limit of 2²²), or of host, in dir.
func deadLock(t *testing.T, dir, host string) {
	t.Helper()
	if host == "" {
		var err error
		host, err = os.Hostname()
		require.NoError(t, err)
	}
	b, err := json.Marshal(lockInfo{PID: 1 << 30, Host: host, Started: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		Command: "train blr -out=x", Token: "0123456789abcdef"})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, lockName), b, 0o644))
}

// TestStaleLockAndOrphans: the lock of a run that ended is taken over with
// a message, and the temporaries interrupted runs left are removed: staged
// files and .checkpoint-* files in the folder, old .checkpoint-* files
// next to -checkpoint.
func TestStaleLockAndOrphans(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir, ckDir := filepath.Join(root, "out"), filepath.Join(root, "ck")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.MkdirAll(ckDir, 0o755))
	deadLock(t, dir, "")
	orphans := []string{".train-tmp-0123456789abcdef-42-elbo.png", ".checkpoint-1234", ".report.json.tmp"}
	for _, n := range orphans {
		writeFile(t, dir, n, "x")
	}
	writeFile(t, ckDir, ".checkpoint-old", "x")
	writeFile(t, ckDir, ".checkpoint-new", "x") // maybe another run's, being written
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(ckDir, ".checkpoint-old"), old, old))

	_, stderr, err := runCmd("blr", "-data", boston, "-standardize", "-steps", "50", "-checkpoint", filepath.Join(ckDir, "fit.ckpt"), "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "taking over the lock of pid 1073741824 on ")
	assert.Contains(t, stderr, "started 2020-01-02T03:04:05Z (train blr -out=x), which is no longer running")
	assert.Contains(t, stderr, "removed 3 temporary file(s) that an interrupted run left in "+dir)
	assert.Contains(t, stderr, "removed 1 temporary file(s) that an interrupted run left in "+ckDir)
	for _, n := range append(orphans, lockName) {
		assert.NoFileExists(t, filepath.Join(dir, n))
	}
	assert.NoFileExists(t, filepath.Join(ckDir, ".checkpoint-old"))
	assert.FileExists(t, filepath.Join(ckDir, ".checkpoint-new"))
	assert.FileExists(t, filepath.Join(ckDir, "fit.ckpt"))
}

// TestForeignLocks: a lock from another host (whose process cannot be
// checked) or one that cannot be read refuses the folder unless -force.
func TestForeignLocks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		write      func(dir string)
	}{
		{"other host", "in use by another run: pid 1073741824 on elsewhere.example", func(dir string) { deadLock(t, dir, "elsewhere.example") }},
		{"unreadable", "cannot be read", func(dir string) { writeFile(t, dir, lockName, "{") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.write(dir)
			writeFile(t, dir, ".checkpoint-9", "x")
			args := []string{"blr", "-data", boston, "-standardize", "-method", "exact", "-out", dir}
			_, _, err := runCmd(args...)
			assert.ErrorContains(t, err, tc.want)
			_, stderr, err := runCmd(append(args, "-force")...)
			require.NoError(t, err)
			assert.Contains(t, stderr, "-force: ")
			assert.FileExists(t, filepath.Join(dir, ".checkpoint-9"), "with -force, other runs' temporaries are not orphans")
		})
	}
}

// TestManifest: the files of the previous run that this run does not
// write go at Commit; other files stay.
func TestManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "notes.txt", "mine")
	o, err := openOutDir(testFlags(t, false), dir, io.Discard)
	require.NoError(t, err)
	for _, n := range []string{"elbo_split0.png", "elbo_split1.png", reportName} {
		require.NoError(t, o.WriteFile(n, func(w io.Writer) error { _, err := io.WriteString(w, n); return err }))
	}
	assert.NoFileExists(t, filepath.Join(dir, reportName), "nothing in place before Commit")
	require.NoError(t, o.Commit())
	assert.FileExists(t, filepath.Join(dir, "elbo_split1.png"))

	o, err = openOutDir(testFlags(t, false), dir, io.Discard)
	require.NoError(t, err)
	require.NoError(t, o.WriteFile("elbo.png", func(w io.Writer) error { return nil }))
	require.NoError(t, o.WriteJSON(reportName, 1))
	_, err = o.Create(reportName)
	assert.ErrorContains(t, err, "written twice")
	_, err = o.Create("../x")
	assert.ErrorContains(t, err, "bad output file name")
	require.NoError(t, o.Commit())
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{manifestName, "elbo.png", "notes.txt", reportName}, names)
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	require.NoError(t, err)
	assert.Equal(t, "elbo.png\nreport.json\n", string(b))
	fi, err := os.Stat(filepath.Join(dir, reportName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	o.Abort() // after Commit: nothing
	assert.FileExists(t, filepath.Join(dir, reportName))
	assert.True(t, strings.HasSuffix(o.Path("x"), "x"))
}
