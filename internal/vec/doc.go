// Package vec holds the elementwise loops that dominate a float32 step
// of a wide mean-field network, with AVX2/FMA kernels on amd64: the
// softplus that turns each weight's ρ into its scale, its gradient
// g·σ(x), the entropy's Σ log x, and Adam's update.
//
// The float32 kernels evaluate exp and log in float32 by Cephes'
// polynomials (expf, logf) on 8 lanes: softplus is within 2 units in the
// last place of the exact value over |x| ≤ 87, g·σ(x) within 3 and each
// log within 1 (bounds the tests check against float64 over dense grids). Lanes outside the kernels' range (|x| > 87, NaN, ±Inf, zero
// or subnormal logs) and the last n mod 8 elements take the scalar
// formulas, which compute in float64 and round once; so does every
// element on a machine without AVX2 and FMA, where the results can
// differ from the kernels' in the last bits.
//
// The loops run on the calling goroutine. Splitting them (and the float32
// matrix products) over two goroutines was measured slower on the 2-vCPU
// machine this was written on: waking the idle vCPU cost more than half
// of the work (benchmarks/README.md).
//
// Adam's kernel performs the scalar loop's operations in its order with
// no fused multiply-add: it gives the scalar loop's results bit for bit.
package vec
