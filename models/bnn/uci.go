package bnn

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/govi/govi/internal/table"
)

// UCI is a regression data set in the layout of the UCI benchmark of
// Hernández-Lobato & Adams (2015) and Gal & Ghahramani (2016): a folder
// holding data.txt (whitespace-separated numbers), index_features.txt and
// index_target.txt (0-based columns), and index_train_<k>.txt and
// index_test_<k>.txt (0-based rows) for each split k.
type UCI struct {
	Dir    string
	All    *Data // every row, inputs and target selected by the index files
	Splits int   // number of train/test splits found
}

// OpenUCI reads the data set in dir (or in its data/ subfolder). A target
// column listed among the features is refused, naming both files.
func OpenUCI(dir string) (*UCI, error) {
	if _, err := os.Stat(filepath.Join(dir, "data.txt")); err != nil {
		if _, err2 := os.Stat(filepath.Join(dir, "data", "data.txt")); err2 == nil {
			dir = filepath.Join(dir, "data")
		} else {
			return nil, fmt.Errorf("bnn: %w", err)
		}
	}
	t, err := table.ReadFile(filepath.Join(dir, "data.txt"))
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	featFile, targFile := filepath.Join(dir, "index_features.txt"), filepath.Join(dir, "index_target.txt")
	feat, err := table.ReadIndex(featFile, t.Cols)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	targ, err := table.ReadIndex(targFile, t.Cols)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	if len(targ) != 1 {
		return nil, fmt.Errorf("bnn: %s: want one target column, got %d", targFile, len(targ))
	}
	if i := slices.Index(feat, targ[0]); i >= 0 {
		return nil, fmt.Errorf("bnn: %s: entry %d is column %d, the target (%s): the target must not be an input", featFile, i+1, targ[0], targFile)
	}
	d, err := selectColumns(t, feat, targ[0])
	if err != nil {
		return nil, err
	}
	u := &UCI{Dir: dir, All: d}
	for {
		if _, err := os.Stat(u.splitFile("train", u.Splits)); err != nil {
			break
		}
		u.Splits++
	}
	if u.Splits == 0 {
		return nil, fmt.Errorf("bnn: %s has no index_train_0.txt", dir)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "n_splits.txt")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n != u.Splits {
			return nil, fmt.Errorf("bnn: %s: n_splits.txt says %d splits, found %d", dir, n, u.Splits)
		}
	}
	return u, nil
}

func (u *UCI) splitFile(kind string, k int) string {
	return filepath.Join(u.Dir, fmt.Sprintf("index_%s_%d.txt", kind, k))
}

// Split returns the training and test rows of split k. Index files that
// share a row are refused (an [*OverlapError] naming both files).
func (u *UCI) Split(k int) (train, test *Data, err error) {
	if k < 0 || k >= u.Splits {
		return nil, nil, fmt.Errorf("bnn: split %d outside [0, %d)", k, u.Splits)
	}
	trFile, teFile := u.splitFile("train", k), u.splitFile("test", k)
	tr, err := table.ReadIndex(trFile, u.All.N)
	if err != nil {
		return nil, nil, fmt.Errorf("bnn: %w", err)
	}
	te, err := table.ReadIndex(teFile, u.All.N)
	if err != nil {
		return nil, nil, fmt.Errorf("bnn: %w", err)
	}
	return u.All.SplitRows(tr, te, trFile, teFile)
}

// ReadData reads a numeric table (comma- or white-space-separated, with or
// without a header line; see internal/table) whose last column is the
// target and whose other columns are the inputs.
func ReadData(path string) (*Data, error) {
	t, err := table.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	if t.Cols < 2 {
		return nil, fmt.Errorf("bnn: %s has %d column(s); need inputs and a target", path, t.Cols)
	}
	inputs := make([]int, t.Cols-1)
	for i := range inputs {
		inputs[i] = i
	}
	return selectColumns(t, inputs, t.Cols-1)
}

// selectColumns returns the data set with the given input columns and
// target column of t.
func selectColumns(t *table.Table, inputs []int, target int) (*Data, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("bnn: no input columns")
	}
	for _, c := range append([]int{target}, inputs...) {
		if c < 0 || c >= t.Cols {
			return nil, fmt.Errorf("bnn: column %d outside the table's %d columns", c, t.Cols)
		}
	}
	x := make([]float64, 0, t.Rows*len(inputs))
	y := make([]float64, t.Rows)
	for i := 0; i < t.Rows; i++ {
		r := t.Row(i)
		for _, c := range inputs {
			x = append(x, r[c])
		}
		y[i] = r[target]
	}
	return NewData(x, y, len(inputs))
}
