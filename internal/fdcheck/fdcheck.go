package fdcheck

import "gonum.org/v1/gonum/diff/fd"

// Grad returns the central-difference gradient of f at x with step h,
//
//	∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h,
//
// each element computed by gonum's fd.Derivative with fd.Central. It
// perturbs x in place, one element at a time, and restores every element
// before it returns: f may read x through its argument or through a slice
// it has captured that aliases x. f must not modify x. The truncation error
// is O(h²·|f‴|) and the rounding error about ε·|f|/h; h = 1e-6 suits
// smooth functions of size ~1 to ~10³.
//
// Grad panics if h is not positive (fd.Derivative would silently use its
// own default step instead).
func Grad(f func([]float64) float64, x []float64, h float64) []float64 {
	if !(h > 0) {
		panic("fdcheck: Grad: step must be positive")
	}
	set := &fd.Settings{Formula: fd.Central, Step: h}
	g := make([]float64, len(x))
	for i, old := range x {
		g[i] = fd.Derivative(func(v float64) float64 {
			x[i] = v
			return f(x)
		}, old, set)
		x[i] = old
	}
	return g
}
