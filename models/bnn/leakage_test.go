package bnn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSplitRowsIssue14: row lists that share a row are refused, naming the
// first shared row in training order, its entries and both sources.
func TestSplitRowsIssue14(t *testing.T) {
	t.Parallel()
	d := Toy(10, 1)
	for _, tc := range []struct {
		name        string
		train, test []int
		want        string // "" when accepted
	}{
		{"identical lists", []int{1, 2, 3}, []int{1, 2, 3},
			"bnn: row 1 is both a training row (tr.txt, entry 1) and a test row (te.txt, entry 1) (and 2 more shared rows): a test row must not be trained on"},
		{"one shared row", []int{0, 4, 7, 9}, []int{5, 6, 7}, "row 7 is both a training row (tr.txt, entry 3) and a test row (te.txt, entry 3): a test row"},
		{"shared row listed twice", []int{2, 2, 3}, []int{8, 2, 2}, "row 2 is both a training row (tr.txt, entry 1) and a test row (te.txt, entry 2): a test row"},
		{"disjoint", []int{0, 1, 2}, []int{3, 4}, ""},
		{"row outside", []int{0, 10}, []int{3}, "tr.txt: bnn: row 10 outside [0, 10)"},
	} {
		tr, te, err := d.SplitRows(tc.train, tc.test, "tr.txt", "te.txt")
		if tc.want == "" {
			require.NoError(t, err, tc.name)
			assert.Equal(t, len(tc.train), tr.N, tc.name)
			assert.Equal(t, len(tc.test), te.N, tc.name)
			continue
		}
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	_, _, err := d.SplitRows([]int{1, 2, 3}, []int{3, 2}, "a", "b")
	var oe *OverlapError
	require.True(t, errors.As(err, &oe))
	assert.Equal(t, OverlapError{Train: "a", Test: "b", Row: 2, TrainEntry: 2, TestEntry: 2, Shared: 2}, *oe)
}

// writeUCI writes a small UCI folder: 8 rows of 3 columns, the given
// feature and target columns, and one split.
func writeUCI(t *testing.T, features, target, train, test string) string {
	t.Helper()
	dir := t.TempDir()
	var rows strings.Builder
	for i := range 8 {
		fmt.Fprintf(&rows, "%d %d %d\n", i, i*i%5, 2*i+1)
	}
	for name, s := range map[string]string{"data.txt": rows.String(), "index_features.txt": features, "index_target.txt": target,
		"index_train_0.txt": train, "index_test_0.txt": test} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644))
	}
	return dir
}

// TestUCILeakageIssue14: a target column among the features, and train
// and test index files of a split that share a row, are refused naming the
// files.
func TestUCILeakageIssue14(t *testing.T) {
	t.Parallel()
	dir := writeUCI(t, "0\n1\n2\n", "2\n", "0\n1\n2\n3\n4\n", "5\n6\n7\n")
	_, err := OpenUCI(dir)
	assert.ErrorContains(t, err, filepath.Join(dir, "index_features.txt")+": entry 3 is column 2, the target ("+filepath.Join(dir, "index_target.txt")+"): the target must not be an input")

	dir = writeUCI(t, "0\n1\n", "2\n", "0\n1\n2\n3\n4\n", "5\n6\n4\n")
	u, err := OpenUCI(dir)
	require.NoError(t, err)
	_, _, err = u.Split(0)
	assert.ErrorContains(t, err, "row 4 is both a training row ("+filepath.Join(dir, "index_train_0.txt")+", entry 5) and a test row ("+filepath.Join(dir, "index_test_0.txt")+", entry 3)")

	dir = writeUCI(t, "0\n1\n", "2\n", "0\n1\n2\n3\n4\n", "5\n6\n7\n")
	u, err = OpenUCI(dir)
	require.NoError(t, err)
	tr, te, err := u.Split(0)
	require.NoError(t, err)
	assert.Equal(t, 5, tr.N)
	assert.Equal(t, 3, te.N)
}

// TestRunSplitsSameRowsIssue14: a split whose test data are its training
// data (the same value, or equal rows) is refused before any fit.
func TestRunSplitsSameRowsIssue14(t *testing.T) {
	t.Parallel()
	d := Toy(20, 3)
	copied := &Data{X: append([]float64(nil), d.X...), Y: append([]float64(nil), d.Y...), N: d.N, D: d.D}
	for name, test := range map[string]*Data{"same value": d, "equal rows": copied} {
		_, err := RunSplits(context.Background(), []Split{{Index: 2, Train: d, Test: test}}, Protocol{Config: Config{Hidden: []int{2}}})
		assert.ErrorContains(t, err, "bnn: split 2: the test rows are the training rows (20 rows): a test row must not be trained on", name)
	}
}

// TestResumeRefusedIssue14: a checkpoint is refused by a fit on other data
// (every second row), with another prior, or planning fewer steps than it
// has taken, naming the difference.
func TestResumeRefusedIssue14(t *testing.T) {
	t.Parallel()
	d := Toy(40, 5)
	cfg := Config{Hidden: []int{4}}
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	base := Settings{Steps: 10, Batch: 8, Seed: 3, Checkpoint: ck}
	_, err := Fit(context.Background(), cfg, d, base)
	require.NoError(t, err)
	var even []int
	for i := 0; i < d.N; i += 2 {
		even = append(even, i)
	}
	half, err := d.Rows(even)
	require.NoError(t, err)
	res := base
	res.Checkpoint, res.Resume = "", ck
	wider := cfg
	wider.PriorScale = 2
	fewer := res
	fewer.Steps = 6
	for _, tc := range []struct {
		name string
		cfg  Config
		data *Data
		s    Settings
		want string
	}{
		{"every second row", cfg, half, res, `data is "40 rows, sha256 `},
		{"other prior", wider, d, res, `model.PriorScale is "1" in the checkpoint and "2" in this run`},
		{"fewer steps than taken", cfg, d, fewer, "fit.ckpt has taken 10 steps, more than the 6 this fit plans"},
	} {
		_, err := Fit(context.Background(), tc.cfg, tc.data, tc.s)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	_, err = Fit(context.Background(), cfg, d, res)
	assert.NoError(t, err, "the same data and settings resume")
}

// TestSelectIgnoresTestRowsIssue19 is the third must-hold of issue #19:
// the selection (-select noise: the noise prior and the epochs, from
// validation scores at 3 checkpoints of each candidate) run with every
// test target replaced by NaN makes the same choices, the same validation
// scores and the same final fit, to the last bit, as with the real test
// rows; with the test inputs NaN as well, the protocol fails only when it
// scores the test rows, after the same choices.
func TestSelectIgnoresTestRowsIssue19(t *testing.T) {
	t.Parallel()
	all := Toy(80, 9)
	train, test, err := HoldOut(all, 0.25, 2)
	require.NoError(t, err)
	nanY := &Data{X: test.X, Y: make([]float64, test.N), N: test.N, D: test.D}
	nanXY := &Data{X: make([]float64, len(test.X)), Y: nanY.Y, N: test.N, D: test.D}
	for i := range nanY.Y {
		nanY.Y[i] = math.NaN()
	}
	for i := range nanXY.X {
		nanXY.X[i] = math.NaN()
	}
	run := func(te *Data) (*SplitsResult, string, error) {
		var log strings.Builder
		p := Protocol{Config: Config{Hidden: []int{4}}, Settings: Settings{Epochs: 30, Batch: 20, Seed: 4},
			Select: SelectNoise, Checks: 3, Draws: 50, Log: &log}
		res, err := RunSplits(context.Background(), []Split{{Index: 1, Train: train, Test: te}}, p)
		var chose []string
		for _, l := range strings.Split(log.String(), "\n") {
			if before, _, ok := strings.Cut(l, " ("); ok && strings.Contains(l, "chose") {
				chose = append(chose, before) // without the wall time
			}
		}
		return res, strings.Join(chose, "\n"), err
	}
	real, realChose, err := run(test)
	require.NoError(t, err)
	hidden, hiddenChose, err := run(nanY)
	require.NoError(t, err)
	r, h := real.PerSplit[0], hidden.PerSplit[0]
	require.NotEmpty(t, realChose)
	assert.Equal(t, realChose, hiddenChose, "the choice lines")
	assert.Equal(t, r.Validation, h.Validation, "every validation score")
	assert.Equal(t, [3]float64{float64(r.Epochs), r.NoiseShape, r.NoiseRate}, [3]float64{float64(h.Epochs), h.NoiseShape, h.NoiseRate}, "the chosen epochs and noise prior")
	assert.Equal(t, real.Nets[0].Losses(), hidden.Nets[0].Losses(), "the final fit's losses")
	for i, name := range real.Nets[0].State().Params.Names() {
		assert.Equal(t, real.Nets[0].State().Params.At(i), hidden.Nets[0].State().Params.At(i), name)
	}
	assert.True(t, math.IsNaN(h.LogLik), "NaN targets give a NaN test score, and nothing else changes")
	assert.False(t, math.IsNaN(r.LogLik))

	_, nanChose, err := run(nanXY)
	assert.ErrorContains(t, err, "is NaN", "the test inputs are read only to score the final fit")
	assert.Equal(t, realChose, nanChose, "the choices made before the NaN test inputs were read")
}
