//go:build !amd64 || purego

package vec

var hasKernels = false // a var so the tests can set it on every platform

func softplusAVX2(dst, x *float32, n int) int                   { return 0 }
func sigmoidMulAVX2(dst, grad, x *float32, n int) int           { return 0 }
func sumLogAVX2(x *float32, n int, acc *[8]float64) int         { return 0 }
func adamAVX(p, m, v, grad *float64, n int, c *[8]float64) int  { return 0 }
func widenAVX(dst *float64, src *float32, n int) int            { return 0 }
func narrowAVX(dst *float32, src *float64, n int) int           { return 0 }
func maxAbsAVX(x *float64, n int) (m float64, k int, nan bool)  { return 0, 0, false }
func bernLogLikAVX2(l, x *float32, n int, acc *[8]float64) int  { return 0 }
func bernGradAVX2(dst, x, l *float32, scale float32, n int) int { return 0 }
func sumSqAVX(x *float32, n int, acc *[8]float64) int           { return 0 }
func mulDivAVX(dst, x *float32, m, d float64, n int) int        { return 0 }
