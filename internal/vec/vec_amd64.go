//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// hasKernels: the CPU runs AVX2 and FMA (the kernels' instructions).
var hasKernels = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The kernels below write the first n elements' results in blocks (8
// float32 or 4 float64 lanes), stopping at a block the scalar formulas
// must take, and return how many elements they wrote.

//go:noescape
func softplusAVX2(dst, x *float32, n int) int

//go:noescape
func sigmoidMulAVX2(dst, grad, x *float32, n int) int

//go:noescape
func sumLogAVX2(x *float32, n int, acc *[8]float64) int

//go:noescape
func adamAVX(p, m, v, grad *float64, n int, c *[8]float64) int

//go:noescape
func widenAVX(dst *float64, src *float32, n int) int

//go:noescape
func narrowAVX(dst *float32, src *float64, n int) int

//go:noescape
func maxAbsAVX(x *float64, n int) (m float64, k int, nan bool)

//go:noescape
func bernLogLikAVX2(l, x *float32, n int, acc *[8]float64) int

//go:noescape
func bernGradAVX2(dst, x, l *float32, scale float32, n int) int

//go:noescape
func sumSqAVX(x *float32, n int, acc *[8]float64) int

//go:noescape
func mulDivAVX(dst, x *float32, m, d float64, n int) int
