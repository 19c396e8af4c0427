package longtest

import (
	"os"
	"testing"
)

// Env is the environment variable that turns the long tests on.
const Env = "GOVI_LONG"

// Enabled reports whether the long tests are wanted: GOVI_LONG is set and
// not empty.
func Enabled() bool { return os.Getenv(Env) != "" }

// Skip skips tb, saying how to run it, unless the long tests are enabled.
func Skip(tb testing.TB) {
	tb.Helper()
	if !Enabled() {
		tb.Skipf("long test: set %s=1 to run it", Env)
	}
}
