// Package monotone holds the one rule govi's coordinate-ascent and EM
// loops use to tell a real fall of their objective from rounding.
package monotone

import "math"

// RelTol is the fall of an objective between iterations, relative to
// max(1, |before|), that is attributed to rounding. Each update of the
// loops that use it maximizes the objective exactly, so a larger fall is a
// bug or a numerical failure; near convergence the falls observed are a
// few ulps (~1e-15 relative).
const RelTol = 1e-9

// Fell reports whether after is below before by more than rounding:
// RelTol·max(1, |before|).
func Fell(before, after float64) bool {
	return after < before-RelTol*math.Max(1, math.Abs(before))
}
