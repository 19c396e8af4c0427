package special

import "math"

// Log1mExp returns log(1 − eˣ) for x ≤ 0 (NaN for x > 0), choosing between
// log(−expm1(x)) and log1p(−eˣ) at −log 2 as in Mächler (2012),
// "Accurately computing log(1 − exp(−|a|))", CRAN Rmpfr vignette.
func Log1mExp(x float64) float64 {
	switch {
	case x > 0 || math.IsNaN(x):
		return math.NaN()
	case x > -math.Ln2:
		return math.Log(-math.Expm1(x))
	default:
		return math.Log1p(-math.Exp(x))
	}
}

// Log1mExpDeriv returns d/dx log(1 − eˣ) = −1/(e⁻ˣ − 1).
func Log1mExpDeriv(x float64) float64 {
	if x > 0 || math.IsNaN(x) {
		return math.NaN()
	}
	return -1 / math.Expm1(-x)
}

// Log1mExpDeriv2 returns d²/dx² log(1 − eˣ) = −e⁻ˣ/(e⁻ˣ − 1)².
func Log1mExpDeriv2(x float64) float64 {
	if x > 0 || math.IsNaN(x) {
		return math.NaN()
	}
	m := math.Expm1(-x)
	// e⁻ˣ/m² = (1 + 1/m)/m avoids overflow of e⁻ˣ for very negative x.
	return -(1 + 1/m) / m
}

// LogSumExp returns log Σᵢ exp(xᵢ) with the max-shift trick: the maximum
// m when it is infinite (every element −Inf, or one +Inf), NaN when an
// element is NaN, and −Inf for an empty slice.
func LogSumExp(x []float64) float64 {
	m, s := shiftedSum(x)
	if math.IsInf(m, 0) {
		return m
	}
	return m + math.Log(s)
}

// LogMeanExp returns log((1/n) Σᵢ exp(xᵢ)) with the max-shift trick, as
// m + log(s/n) (see LogSumExp for the non-finite cases).
func LogMeanExp(x []float64) float64 {
	m, s := shiftedSum(x)
	if math.IsInf(m, 0) {
		return m
	}
	return m + math.Log(s/float64(len(x)))
}

// shiftedSum returns m = max x and Σ exp(xᵢ − m) (s = 0 when m is
// infinite).
func shiftedSum(x []float64) (m, s float64) {
	m = math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	if math.IsInf(m, 0) {
		return m, 0
	}
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m, s
}

// Log1pUnit returns log(1 + e) for e in [0, 1], within about an ulp of
// math.Log1p, for kernels such as TrueSkill's logistic likelihood, where
// math.Log1p's range branches cost more than the rest of a game's
// arithmetic (its arguments e^(−|x|) fall on both sides of its branch
// points at random). It is the
// fdlibm logarithm kernel on f ∈ [√2/2 − 1, √2 − 1] with the range
// reduction done by one comparison: for e ≤ √2 − 1, log1p(e) is the kernel
// at f = e; above, 1 + e ∈ (√2, 2], so log(1 + e) = ln 2 + log1p(f) with
// f = (1 + e)/2 − 1 = (e − 1)/2 (computed exactly for e ≥ 1/2, within half
// an ulp of 1/2 below). The kernel: with s = f/(2 + f),
// log1p(f) = f − (f²/2 − s·(f²/2 + R(s²))), R the fdlibm polynomial
// (|error| < 2⁻⁵⁸·log1p(f)).
func Log1pUnit(e float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01 // ln 2, high part (exact in 32 bits)
		ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
		l1    = 6.666666666666735130e-01
		l2    = 3.999999999940941908e-01
		l3    = 2.857142874366239149e-01
		l4    = 2.222219843214978396e-01
		l5    = 1.818357216161805012e-01
		l6    = 1.531383769920937332e-01
		l7    = 1.479819860511658591e-01
	)
	f, k := e, 0.0
	if e > math.Sqrt2-1 {
		f, k = (e-1)*0.5, 1
	}
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	t1 := s2 * (l1 + s4*(l3+s4*(l5+s4*l7)))
	t2 := s4 * (l2 + s4*(l4+s4*l6))
	hfsq := 0.5 * f * f
	return k*ln2Hi - ((hfsq - (s*(hfsq+t1+t2) + k*ln2Lo)) - f)
}
