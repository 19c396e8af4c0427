package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rowsFile writes the 0-based rows lo…hi−1 for which keep holds, one a
// line.
func rowsFile(t *testing.T, dir, name string, lo, hi int, keep func(int) bool) string {
	t.Helper()
	var b strings.Builder
	for i := lo; i < hi; i++ {
		if keep(i) {
			fmt.Fprintln(&b, i)
		}
	}
	return writeFile(t, dir, name, b.String())
}

// uciDir writes a UCI folder of 30 rows and 3 columns with the given
// index files.
func uciDir(t *testing.T, features, target, train, test string) string {
	t.Helper()
	dir := t.TempDir()
	var rows strings.Builder
	for i := range 30 {
		fmt.Fprintf(&rows, "%d %d %d\n", i, i*i%7, 3*i+i%4)
	}
	for name, s := range map[string]string{"data.txt": rows.String(), "index_features.txt": features, "index_target.txt": target,
		"index_train_0.txt": train, "index_test_0.txt": test} {
		writeFile(t, dir, name, s)
	}
	return dir
}

// TestLeakageRefusedIssue14: bnn refuses training and test rows that
// overlap (index files, even the same file; the split files of a UCI
// folder) and a target among the features, naming the first shared row or
// the column and the files; nothing is written.
func TestLeakageRefusedIssue14(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notFifth := rowsFile(t, dir, "tr.txt", 0, 506, func(i int) bool { return i%5 != 0 })
	fifth := rowsFile(t, dir, "te.txt", 0, 506, func(i int) bool { return i%5 == 0 })
	fifthAnd7 := writeFile(t, dir, "te7.txt", "0\n5\n7\n10\n")
	upTo20, from20 := rowsFile(t, dir, "a.txt", 0, 21, func(int) bool { return true }), rowsFile(t, dir, "b.txt", 20, 30, func(int) bool { return true })
	upTo19 := rowsFile(t, dir, "c.txt", 0, 20, func(int) bool { return true })
	short := []string{"-steps", "2", "-diagnostic-draws", "0", "-draws", "5"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"same index file", []string{"-data", boston, "-train-index", notFifth, "-test-index", notFifth},
			[]string{"row 1 is both a training row (-train-index " + notFifth + ", entry 1) and a test row (-test-index " + notFifth + ", entry 1) (and 403 more shared rows): a test row must not be trained on"}},
		{"one shared row", []string{"-data", boston, "-train-index", notFifth, "-test-index", fifthAnd7},
			[]string{"row 7 is both a training row (-train-index " + notFifth + ", entry 6) and a test row (-test-index " + fifthAnd7 + ", entry 3): a test row"}},
		{"split files share a row", []string{"-split-dir", uciDir(t, "0\n1\n", "2\n", readText(t, upTo20), readText(t, from20))},
			[]string{"row 20 is both a training row (", "index_train_0.txt, entry 21) and a test row (", "index_test_0.txt, entry 1)"}},
		{"target among the features", []string{"-split-dir", uciDir(t, "0\n2\n1\n", "2\n", readText(t, upTo19), readText(t, from20))},
			[]string{"index_features.txt: entry 2 is column 2, the target (", "index_target.txt): the target must not be an input"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			_, _, err := runCmd(append(append([]string{"bnn", "-out", out}, tc.args...), short...)...)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			_, serr := os.Stat(out)
			assert.True(t, os.IsNotExist(serr), "nothing written")
		})
	}
	// Disjoint index files are accepted.
	out := filepath.Join(dir, "ok")
	_, _, err := runCmd(append([]string{"bnn", "-data", boston, "-train-index", notFifth, "-test-index", fifth, "-out", out}, short...)...)
	require.NoError(t, err)
	split := readReport(t, out)["per_split"].([]any)[0].(map[string]any)
	assert.Equal(t, 102.0, split["n_test"])
	assert.Equal(t, 404.0, split["n_train"])
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestTrueSkillTestInTrainingIssue14: -test games identical to training
// games are scored, and counted on stderr and in the report.
func TestTrueSkillTestInTrainingIssue14(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	games := writeFile(t, dir, "m.csv", "winner,loser\nA,B\nB,C\nC,D\nA,C\nD,B\nA,D\nB,A\n")
	test := writeFile(t, dir, "t.csv", "winner,loser\nA,B\nC,A\nD,C\n")
	for _, tc := range []struct {
		name, test string
		seen       float64
		stderr     string
	}{
		{"the training file", games, 7, "7 of the 7 games of -test " + games + " also appear in -matches " + games},
		{"one repeated game", test, 1, "1 of the 3 games of -test " + test + " also appear in -matches"},
	} {
		out := filepath.Join(dir, tc.name)
		_, stderr, err := runCmd("trueskill", "-matches", games, "-test", tc.test, "-steps", "50", "-diagnostic-draws", "25", "-out", out)
		require.NoError(t, err, tc.name)
		assert.Contains(t, stderr, tc.stderr, tc.name)
		assert.Equal(t, tc.seen, readReport(t, out)["test"].(map[string]any)["games_also_in_training"], tc.name)
	}
}

// TestResumeRefusedIssue14: -resume onto other data, other players or
// other settings is refused for every command that resumes, naming what
// differs; so is a checkpoint past the steps the run plans. The
// checkpoints come from short fits.
func TestResumeRefusedIssue14(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	half := writeFile(t, dir, "half.csv", everySecondRow(t, boston))
	games := writeFile(t, dir, "m.csv", "winner,loser\nA,B\nB,C\nC,D\nA,C\nD,B\nA,D\nB,A\n")
	newPlayer := writeFile(t, dir, "e.csv", strings.ReplaceAll(readText(t, games), "D", "E"))
	faithful := "../../data/old_faithful/faithful.csv"
	vae := []string{"vae", "-data", vaeDigits, "-train-rows", "200", "-batch", "50", "-hidden", "10", "-k", "1", "-gap-rows", "0"}
	bnn := []string{"bnn", "-hidden", "4", "-diagnostic-draws", "0", "-draws", "5"}
	checkpoints := map[string][]string{
		"blr":       {"blr", "-data", boston, "-steps", "20"},
		"gmm":       {"gmm", "-method", "svi", "-data", faithful, "-steps", "20"},
		"trueskill": {"trueskill", "-matches", games, "-steps", "20", "-diagnostic-draws", "25"},
		"bnn":       append(slices.Clone(bnn), "-data", boston, "-steps", "20"),
		"vae":       append(slices.Clone(vae), "-steps", "8"),
	}
	ck := map[string]string{}
	for cmd, args := range checkpoints {
		ck[cmd] = filepath.Join(dir, cmd+".ckpt")
		_, stderr, err := runCmd(append(args, "-checkpoint", ck[cmd], "-out", filepath.Join(dir, cmd))...)
		require.NoError(t, err, "%s: %s", cmd, stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"blr every second row", []string{"blr", "-data", half, "-steps", "40"},
			`data (after -train-index, -standardize and the intercept) is "506 rows, sha256 `},
		{"blr prior", []string{"blr", "-data", boston, "-steps", "40", "-alpha", "2"}, `-alpha is "1" in the checkpoint and "2" in this run`},
		{"blr particles", []string{"blr", "-data", boston, "-steps", "40", "-particles", "3"},
			"written for the entropy estimator with 8 particles, this trainer uses entropy with 3"},
		{"blr fewer steps", []string{"blr", "-data", boston, "-steps", "10"}, "has taken 20 steps, more than the 10 this run plans (-steps)"},
		{"gmm standardized", []string{"gmm", "-method", "svi", "-data", faithful, "-steps", "40", "-standardize"}, `data (after -standardize) is "272 rows, sha256 `},
		{"gmm components", []string{"gmm", "-method", "svi", "-data", faithful, "-steps", "40", "-k", "4"}, `-k is "6" in the checkpoint and "4" in this run`},
		{"trueskill new player in place of D", []string{"trueskill", "-matches", newPlayer, "-steps", "40"},
			`players differ at item 4: "D" in the checkpoint, "E" in this run (4 in each)`},
		{"trueskill prior", []string{"trueskill", "-matches", games, "-steps", "40", "-sigma0", "2"}, `-sigma0 is "1" in the checkpoint and "2" in this run`},
		{"bnn every second row", append(slices.Clone(bnn), "-data", half, "-steps", "40"), `data is "405 rows, sha256 `},
		{"bnn prior", append(slices.Clone(bnn), "-data", boston, "-steps", "40", "-prior-scale", "2"), `model.PriorScale is "1" in the checkpoint and "2" in this run`},
		{"bnn fewer steps", append(slices.Clone(bnn), "-data", boston, "-steps", "10"), "has taken 20 steps, more than the 10 this fit plans"},
		{"vae binarization", append(slices.Clone(vae), "-steps", "16", "-binarize", "0.3"), `data is "200 rows, sha256 `},
		{"vae latent size", append(slices.Clone(vae), "-steps", "16", "-latent", "3"), `model.Latent is "2" in the checkpoint and "3" in this run`},
		{"vae fewer steps", append(slices.Clone(vae), "-epochs", "1"), "has taken 8 steps, more than the 4 this run plans (-steps or -epochs)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := ck[tc.args[0]]
			_, _, err := runCmd(append(tc.args, "-resume", path, "-out", filepath.Join(t.TempDir(), "out"))...)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, path)
		})
	}
}

// everySecondRow returns the header and every second data row of the CSV
// file at path.
func everySecondRow(t *testing.T, path string) string {
	t.Helper()
	lines := strings.SplitAfter(readText(t, path), "\n")
	out := lines[0]
	for i := 1; i < len(lines); i += 2 {
		out += lines[i]
	}
	return out
}

// TestNonsenseRefusedIssue14: a value a flag cannot take, 0 included where
// the library would read 0 as "the default", is refused naming the flag.
func TestNonsenseRefusedIssue14(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	faithful := "../../data/old_faithful/faithful.csv"
	games := writeFile(t, dir, "m.csv", "winner,loser\nA,B\nB,C\n")
	bnn := []string{"bnn", "-data", boston, "-out", dir}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bnn -prior-scale 0", append(slices.Clone(bnn), "-prior-scale", "0"), "train bnn: -prior-scale must be positive and finite, got 0"},
		{"bnn -prior-scale -1", append(slices.Clone(bnn), "-prior-scale", "-1"), "train bnn: -prior-scale must be positive and finite, got -1"},
		{"bnn -noise-shape 0", append(slices.Clone(bnn), "-noise-shape", "0"), "train bnn: -noise-shape must be positive and finite, got 0"},
		{"bnn -noise-rate 0", append(slices.Clone(bnn), "-noise-rate", "0"), "train bnn: -noise-rate must be positive and finite, got 0"},
		{"bnn -val-frac 0", append(slices.Clone(bnn), "-val-frac", "0"), "train bnn: -val-frac must lie in (0, 1), got 0"},
		{"bnn -anneal 1", append(slices.Clone(bnn), "-anneal", "1"), "train bnn: -anneal must lie in [0, 1), got 1"},
		{"bnn -prior-shape alone", append(slices.Clone(bnn), "-prior-shape", "2"), "train bnn: -prior-shape and -prior-rate go together, both positive and finite, got 2 and 0"},
		{"bnn -epochs -1", append(slices.Clone(bnn), "-epochs", "-1"), "train bnn: -epochs must not be negative, got -1"},
		{"bnn -steps -3", append(slices.Clone(bnn), "-steps", "-3"), "train bnn: -steps must be at least 0, got -3"},
		{"bnn -checks -1", append(slices.Clone(bnn), "-checks", "-1"), "train bnn: -checks must not be negative, got -1"},
		{"blr -workers 0", []string{"blr", "-data", boston, "-workers", "0", "-out", dir}, "train blr: -workers must be at least 1, got 0"},
		{"blr -steps -3", []string{"blr", "-data", boston, "-steps", "-3", "-out", dir}, "train blr: -steps must be at least 1, got -3"},
		{"gmm cavi -steps -1", []string{"gmm", "-data", faithful, "-steps", "-1", "-out", dir}, "train gmm: -steps must be at least 1, got -1"},
		{"trueskill -sigma0 0", []string{"trueskill", "-matches", games, "-sigma0", "0", "-out", dir}, "train trueskill: -sigma0 must be positive and finite, got 0"},
		{"trueskill -beta -1", []string{"trueskill", "-matches", games, "-beta", "-1", "-out", dir}, "train trueskill: -beta must be positive and finite, got -1"},
		{"trueskill -mu0 NaN", []string{"trueskill", "-matches", games, "-mu0", "NaN", "-out", dir}, "train trueskill: -mu0 must be finite, got NaN"},
		{"lda -iters -1", []string{"lda", "-corpus", "c", "-vocab", "v", "-iters", "-1", "-out", dir}, "train lda: -iters -1: need at least one iteration"},
		{"lda -workers -1", []string{"lda", "-corpus", "c", "-vocab", "v", "-workers", "-1", "-out", dir}, "train lda: -workers must not be negative (0: GOMAXPROCS), got -1"},
		{"lda -heldout 1", []string{"lda", "-corpus", "c", "-vocab", "v", "-heldout", "1", "-out", dir}, "train lda: -heldout must be a fraction in [0, 1), got 1"},
		{"vae -epochs -1", []string{"vae", "-data", vaeDigits, "-epochs", "-1", "-out", dir}, "train vae: -epochs must be positive, got -1"},
		{"vae -workers -1", []string{"vae", "-data", vaeDigits, "-workers", "-1", "-out", dir}, "train vae: -workers must be at least 1, got -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := runCmd(tc.args...)
			assert.EqualError(t, err, tc.want)
		})
	}
}

// TestVAETestInTrainingIssue14: test images equal to training images are
// scored, and counted on stderr and in the report. In a digits file every
// 5th row (rows 4, 9, …) is a test row; here each repeats the row before.
func TestVAETestInTrainingIssue14(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lines := strings.SplitAfter(readText(t, vaeDigits), "\n")
	out := lines[0]
	for i, l := range lines[1:201] {
		if i%5 == 4 {
			l = lines[i] // the training row before it
		}
		out += l
	}
	data := writeFile(t, dir, "digits.csv", out)
	_, stderr, err := runCmd("vae", "-data", data, "-steps", "2", "-batch", "40", "-hidden", "5", "-k", "1", "-gap-rows", "0", "-out", dir)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "vae: 40 of the 40 test images also appear among the training images; they are scored all the same")
	assert.Equal(t, 40.0, readReport(t, dir)["test_images_also_in_training"])
}
