package dist

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/ops"
)

// Simplex is the support of Dirichlet: the stick-breaking bijector onto the
// open simplex.
var Simplex Bijector = StickBreaking{}

// StickBreaking is the bijector from ℝ^{K−1} onto the open K-simplex
// {x ∈ (0, 1)ᴷ : Σₖ xₖ = 1} of Stan and NumPyro:
//
//	ũₖ = uₖ − log(K−1−k),  zₖ = σ(ũₖ),  k = 0, …, K−2,
//	xₖ = zₖ ∏_{j<k} (1 − zⱼ),  x_{K−1} = ∏_{j<K−1} (1 − zⱼ),
//
// so u = 0 maps to the centre (1/K, …, 1/K). It changes dimension along the
// last axis: Forward maps a node of shape [..., K−1] to one of shape
// [..., K], and log|det J| is that of the map onto the first K−1
// coordinates of x (the free ones), Σₖ [log zₖ + (K−1−k) log(1 − zₖ)].
// The graph ops are ops.StickBreaking and ops.StickBreakingLogDet, with
// hand-written gradients.
//
// Host slices hold one or more rows back to back: ForwardHost and
// InverseHost infer the number of rows n from the lengths, since x has n
// more elements than u.
type StickBreaking struct{}

// Forward returns x = T(u), shape [..., K], and the scalar log|det ∂T/∂u|
// summed over all rows.
func (StickBreaking) Forward(u *G.Node) (*G.Node, *G.Node, error) {
	b := builderFor(u)
	x := b.Apply("StickBreaking", ops.StickBreaking, u)
	ld := b.Sum(b.Apply("StickBreakingLogDet", ops.StickBreakingLogDet, u))
	if err := b.Err(); err != nil {
		return nil, nil, fmt.Errorf("dist: StickBreaking.Forward: %w", err)
	}
	return x, ld, nil
}

// UnconstrainedShape returns the shape [..., K−1] of the reals that map
// onto a simplex-valued array of shape [..., K] (the svi package asks for
// it). An empty shape is returned unchanged: a scalar cannot lie on a
// simplex, and Forward then reports the error.
func (StickBreaking) UnconstrainedShape(shape []int) []int {
	out := append([]int(nil), shape...)
	if len(out) > 0 {
		out[len(out)-1]--
	}
	return out
}

// sbHostRows returns the number of rows n and K−1 for host slices with len(u) =
// n(K−1) and len(x) = nK.
func sbHostRows(lu, lx int) (n, km1 int, err error) {
	n = lx - lu
	if n < 1 || lu%n != 0 || lu/n < 1 {
		return 0, 0, fmt.Errorf("dist: StickBreaking: lengths %d (unconstrained) and %d (simplex) are not n(K−1) and nK", lu, lx)
	}
	return n, lu / n, nil
}

// ForwardHost writes T(u) into dst. u holds n rows of K−1 reals back to
// back and dst must hold n rows of K (len(dst) = len(u) + n). It panics if
// the lengths are not of that form.
func (StickBreaking) ForwardHost(dst, u []float64) {
	n, km1, err := sbHostRows(len(u), len(dst))
	if err != nil {
		panic(err)
	}
	for r := range n {
		ops.StickBreakingRow(dst[r*(km1+1):(r+1)*(km1+1)], u[r*km1:(r+1)*km1])
	}
}

// simplexTol is how far from 1 the sum of a row may be for InverseHost to
// accept it: a few ulps per component of K ≤ ~10⁴ components.
const simplexTol = 1e-9

// InverseHost writes T⁻¹(x) into dst for x holding n rows of K positive
// entries summing to 1 (within 1e-9), dst holding n rows of K−1. It returns
// an error for any other input.
func (StickBreaking) InverseHost(dst, x []float64) error {
	n, km1, err := sbHostRows(len(dst), len(x))
	if err != nil {
		return err
	}
	for r := range n {
		xr, ur := x[r*(km1+1):(r+1)*(km1+1)], dst[r*km1:(r+1)*km1]
		var sum float64
		for i, v := range xr {
			if !(v > 0) || math.IsInf(v, 1) {
				return fmt.Errorf("dist: %v at element %d is not in the open simplex", v, r*(km1+1)+i)
			}
			sum += v
		}
		if math.Abs(sum-1) > simplexTol {
			return fmt.Errorf("dist: row %d sums to %v, not 1", r, sum)
		}
		// rem holds Σ_{m≥k} xₘ, summed from the end to avoid cancellation;
		// zₖ = xₖ/remₖ, so ũₖ = log xₖ − log rem_{k+1}.
		rem := xr[km1]
		for k := km1 - 1; k >= 0; k-- {
			ur[k] = math.Log(xr[k]) - math.Log(rem) + math.Log(float64(km1-k))
			rem += xr[k]
		}
	}
	return nil
}

// String returns "simplex".
func (StickBreaking) String() string { return "simplex" }
