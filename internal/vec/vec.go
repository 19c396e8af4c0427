package vec

import (
	"math"

	"github.com/govi/govi/internal/special"
)

// Softplus32 writes softplus(xᵢ) = log(1 + e^xᵢ) into dst[i]; dst must be
// at least as long as x. Above 14 the value is xᵢ itself and below −103
// zero in the scalar formula (gorgonia's float32 cut-offs); the kernel,
// which handles |x| ≤ 87, adds log1p(e^−|x|) to max(x, 0) throughout.
func Softplus32(dst, x []float32) {
	dst = dst[:len(x)]
	for i := 0; i < len(x); {
		if hasKernels {
			i += softplusAVX2(&dst[i], &x[i], len(x)-i)
		}
		for end := min(i+8, len(x)); i < end; i++ {
			dst[i] = softplus1(x[i])
		}
	}
}

func softplus1(v float32) float32 {
	f := float64(v)
	switch {
	case f > 14:
		return v
	case f < -103:
		return 0
	}
	return float32(special.Softplus(f))
}

// SigmoidMul32 writes gᵢ·σ(xᵢ), σ the logistic function (the gradient of
// softplus), into dst[i]; g and dst must be at least as long as x.
func SigmoidMul32(dst, g, x []float32) {
	dst, g = dst[:len(x)], g[:len(x)]
	for i := 0; i < len(x); {
		if hasKernels {
			i += sigmoidMulAVX2(&dst[i], &g[i], &x[i], len(x)-i)
		}
		for end := min(i+8, len(x)); i < end; i++ {
			dst[i] = g[i] * float32(special.Sigmoid(float64(x[i])))
		}
	}
}

// SumLog32 returns Σ log xᵢ accumulated in float64. A zero gives −Inf and
// a negative or NaN element NaN, as math.Log does.
func SumLog32(x []float32) float64 {
	var acc [8]float64
	var s float64
	for i := 0; i < len(x); {
		if hasKernels {
			i += sumLogAVX2(&x[i], len(x)-i, &acc)
		}
		for end := min(i+8, len(x)); i < end; i++ {
			s += math.Log(float64(x[i]))
		}
	}
	return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

// BernoulliLogLik32 returns Σ xᵢ·lᵢ − softplus(lᵢ), the Bernoulli
// log-likelihood of the data x given the logits l, accumulated in
// float64; x must be at least as long as l.
func BernoulliLogLik32(l, x []float32) float64 {
	x = x[:len(l)]
	var acc [8]float64
	var s float64
	for i := 0; i < len(l); {
		if hasKernels {
			i += bernLogLikAVX2(&l[i], &x[i], len(l)-i, &acc)
		}
		for end := min(i+8, len(l)); i < end; i++ {
			s += bernTerm(float64(l[i]), float64(x[i]))
		}
	}
	return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

// BernoulliGrad32 writes g·(xᵢ − σ(lᵢ)), the gradient of g times
// BernoulliLogLik32 with respect to lᵢ, into dst[i]. The kernels multiply
// by float32(g); the scalar formula computes in float64 and rounds once.
func BernoulliGrad32(dst, x, l []float32, g float64) {
	dst, x = dst[:len(l)], x[:len(l)]
	for i := 0; i < len(l); {
		if hasKernels {
			i += bernGradAVX2(&dst[i], &x[i], &l[i], float32(g), len(l)-i)
		}
		for end := min(i+8, len(l)); i < end; i++ {
			dst[i] = float32(g * bernResidual(float64(l[i]), float64(x[i])))
		}
	}
}

// bernTerm is x·l − softplus(l) as l·(x − [l > 0]) − log1p(e^−|l|),
// which does not cancel for x ∈ {0, 1}.
func bernTerm(l, x float64) float64 {
	if l > 0 {
		x--
	}
	return l*x - math.Log1p(math.Exp(-math.Abs(l)))
}

// bernResidual is x − σ(l) as (x − [l > 0]) ± q with q = σ(−|l|).
func bernResidual(l, x float64) float64 {
	q := special.Sigmoid(-math.Abs(l))
	if l > 0 {
		return (x - 1) + q
	}
	return x - q
}

// SumSq32 returns Σ xᵢ², each square exact in float64 and the sum
// accumulated in float64 (in 8 partial sums where there are kernels).
func SumSq32(x []float32) float64 {
	var acc [8]float64
	i := 0
	if hasKernels && len(x) >= 8 {
		i = sumSqAVX(&x[0], len(x), &acc)
	}
	var s float64
	for _, v := range x[i:] {
		s += float64(v) * float64(v)
	}
	return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

// MulDiv32 writes float32(m·xᵢ/d), computed in float64 in that order,
// into dst[i]: the same bits with or without the kernels.
func MulDiv32(dst, x []float32, m, d float64) {
	dst = dst[:len(x)]
	i := 0
	if hasKernels && len(x) >= 4 {
		i = mulDivAVX(&dst[0], &x[0], m, d, len(x))
	}
	for ; i < len(x); i++ {
		dst[i] = float32(m * float64(x[i]) / d)
	}
}

// AdamConst holds the scalars of one Adam update: β₁, 1−β₁, β₂, 1−β₂, the
// bias-corrected learning rate lr/(1−β₁ᵗ), 1/√(1−β₂ᵗ) and ε.
type AdamConst struct {
	B1, C1, B2, C2, LR, RBC2, Eps float64
}

// Adam updates the moments m and v with the gradient g and steps p, as
// PyTorch's torch.optim.Adam does (ε added to √v̂): m ← β₁m + (1−β₁)g,
// v ← β₂v + (1−β₂)g², p ← p − lr·m/(√v·rbc2 + ε). The slices must have
// g's length at least.
func Adam(p, m, v, g []float64, c AdamConst) {
	n := len(g)
	p, m, v = p[:n], m[:n], v[:n]
	i := 0
	if hasKernels && n >= 4 {
		k := [8]float64{c.B1, c.C1, c.B2, c.C2, c.LR, c.RBC2, c.Eps}
		i = adamAVX(&p[0], &m[0], &v[0], &g[0], n, &k)
	}
	for ; i < n; i++ {
		// The conversions stop the compiler fusing a multiply and an add
		// (it may, under GOAMD64=v3), which the kernel does not do.
		mj := float64(c.B1*m[i]) + float64(c.C1*g[i])
		vj := float64(c.B2*v[i]) + float64(c.C2*g[i]*g[i])
		m[i], v[i] = mj, vj
		p[i] -= float64(c.LR*mj) / (float64(math.Sqrt(vj)*c.RBC2) + c.Eps)
	}
}

// Widen writes float64(src[i]) into dst[i] (exact); dst must be at least
// as long as src.
func Widen(dst []float64, src []float32) {
	dst = dst[:len(src)]
	i := 0
	if hasKernels && len(src) >= 8 {
		i = widenAVX(&dst[0], &src[0], len(src))
	}
	for ; i < len(src); i++ {
		dst[i] = float64(src[i])
	}
}

// Narrow writes float32(src[i]) (rounded to nearest even) into dst[i];
// dst must be at least as long as src.
func Narrow(dst []float32, src []float64) {
	dst = dst[:len(src)]
	i := 0
	if hasKernels && len(src) >= 8 {
		i = narrowAVX(&dst[0], &src[0], len(src))
	}
	for ; i < len(src); i++ {
		dst[i] = float32(src[i])
	}
}

// MaxAbs returns the largest |xᵢ|, NaN if any element is NaN, and 0 for
// an empty x.
func MaxAbs(x []float64) float64 {
	var m float64
	i := 0
	if hasKernels && len(x) >= 8 {
		var nan bool
		m, i, nan = maxAbsAVX(&x[0], len(x))
		if nan {
			return math.NaN()
		}
	}
	for _, v := range x[i:] {
		m = max(m, math.Abs(v)) // NaN propagates through max
	}
	return m
}
