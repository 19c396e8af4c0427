package special

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Tolerances. Relative errors are |got − want|/|want|; the worst errors
// observed are logged by the tests (go test -v).
const (
	// refTol bounds the relative error against the 20-digit mpmath
	// reference values of the tables (a few ulps; the largest observed is
	// logged).
	refTol = 1e-14
	// gonumTol bounds the relative error against gonum's independent
	// implementations (mathext.Zeta, math.Gamma, distuv.Normal) over a
	// grid; both sides carry a few ulps of their own error.
	gonumTol = 1e-13
)

// A reference is a function value computed with mpmath 1.3.0 at 80
// significant digits (mp.dps = 80) at the float64 nearest to x, rounded to
// 20 digits; each table says which mpmath expression gave it.
type reference struct{ x, want float64 }

// rel returns the relative error of got, or the absolute one when want is 0.
func rel(want, got float64) float64 {
	if want == got {
		return 0
	}
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// checkReferences compares f with a table of references at tol and logs
// the worst relative error.
func checkReferences(t *testing.T, name string, f func(float64) float64, refs []reference, tol float64) {
	t.Helper()
	var worst float64
	for _, c := range refs {
		got := f(c.x)
		e := rel(c.want, got)
		worst = math.Max(worst, e)
		assert.LessOrEqual(t, e, tol, "%s(%v) = %v, want %v", name, c.x, got, c.want)
	}
	t.Logf("%s: worst relative error %.2g", name, worst)
}
