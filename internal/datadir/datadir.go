// Package datadir locates the data sets that govi does not redistribute.
//
// They are read from the folder named by the environment variable GOVI_DATA
// (laid out as the project's download script leaves it: uci_bnn/, tennis_atp/,
// ap_lda/, fashion_mnist/, …). Tests call [Require], which skips the test with a
// message when the variable or the file is absent.
package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

// Env is the environment variable naming the data folder.
const Env = "GOVI_DATA"

// Path returns the path of rel under GOVI_DATA and whether it exists.
func Path(rel string) (string, bool) {
	root := os.Getenv(Env)
	if root == "" {
		return "", false
	}
	p := filepath.Join(root, rel)
	_, err := os.Stat(p)
	return p, err == nil
}

// Require returns the path of rel under GOVI_DATA, or skips tb when it is absent.
func Require(tb testing.TB, rel string) string {
	tb.Helper()
	p, ok := Path(rel)
	if !ok {
		tb.Skipf("data set %s not found: set %s to the data folder (see README, Data)", rel, Env)
	}
	return p
}

// Shipped returns the path of a data set shipped in the repository's data/
// folder, found by walking up from the working directory to go.mod.
func Shipped(rel string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "data", rel)
			_, err := os.Stat(p)
			return p, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
