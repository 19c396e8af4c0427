package svi

import (
	"errors"
	"math"
	"sort"
)

// PSIS is the result of Pareto-smoothed importance sampling of a set of log
// importance ratios log w = log p(x, z) − log q(z), z ~ q.
type PSIS struct {
	// KHat is the estimated shape of the generalized Pareto distribution
	// fitted to the largest ratios (Vehtari, Simpson, Gelman, Yao & Gabry
	// 2024). Below Threshold, importance sampling from q is reliable and q
	// is close to the posterior in the sense of Yao et al. (2018); above
	// 0.7 it is not.
	KHat float64
	// Threshold is the sample-size-aware threshold min(1 − 1/log₁₀ S, 0.7).
	Threshold float64
	// ESS is the effective sample size 1/Σ w̃ᵢ² of the smoothed,
	// normalized weights w̃.
	ESS float64
	// LogWeights are the smoothed log weights, normalized to sum to one.
	LogWeights []float64
}

// ErrFewDraws is returned by ParetoSmooth for fewer than 10 draws.
var ErrFewDraws = errors.New("svi: PSIS needs at least 10 draws")

// ParetoSmooth smooths log importance ratios: the M = ⌈min(0.2 S, 3√S)⌉
// largest are replaced by the expected order statistics of a generalized
// Pareto distribution fitted to them with the empirical-Bayes estimator of
// Zhang & Stephens (2009) and the weakly informative prior of Vehtari et al.
// (2024) on the shape. The input is not modified.
func ParetoSmooth(logw []float64) (*PSIS, error) {
	S := len(logw)
	if S < 10 {
		return nil, ErrFewDraws
	}
	for _, v := range logw {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return nil, errors.New("svi: PSIS: a log weight is NaN or +Inf")
		}
	}
	lw := append([]float64(nil), logw...)
	maxLW := math.Inf(-1)
	for _, v := range lw {
		maxLW = math.Max(maxLW, v)
	}
	for i := range lw {
		lw[i] -= maxLW
	}
	order := make([]int, S)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return lw[order[a]] < lw[order[b]] })
	M := int(math.Ceil(math.Min(0.2*float64(S), 3*math.Sqrt(float64(S)))))
	res := &PSIS{Threshold: math.Min(1-1/math.Log10(float64(S)), 0.7)}
	cutoff := lw[order[S-M-1]]
	if M >= 5 && !math.IsInf(cutoff, -1) {
		expCut := math.Exp(cutoff)
		tail := make([]float64, M)
		for j := 0; j < M; j++ {
			tail[j] = math.Exp(lw[order[S-M+j]]) - expCut
		}
		if tail[M-1] > 0 {
			k, sigma := gpdFit(tail)
			res.KHat = k
			if !math.IsInf(k, 0) && !math.IsNaN(k) {
				for j := 0; j < M; j++ {
					p := (float64(j) + 0.5) / float64(M)
					v := expCut + gpdQuantile(p, k, sigma)
					lw[order[S-M+j]] = math.Min(math.Log(v), 0)
				}
			}
		}
	} else {
		res.KHat = math.Inf(1)
	}
	// normalize
	mx := math.Inf(-1)
	for _, v := range lw {
		mx = math.Max(mx, v)
	}
	sum := 0.0
	for _, v := range lw {
		sum += math.Exp(v - mx)
	}
	lse := mx + math.Log(sum)
	sq := 0.0
	for i := range lw {
		lw[i] -= lse
		sq += math.Exp(2 * lw[i])
	}
	res.ESS = 1 / sq
	res.LogWeights = lw
	return res, nil
}

// gpdFit estimates the shape k and scale σ of a generalized Pareto
// distribution from exceedances x (ascending, positive): the posterior mean
// of Zhang & Stephens (2009) over a grid of m = 30 + ⌊√n⌋ points, then the
// shape pulled towards 0.5 by a prior worth 10 observations (Vehtari et al.
// 2024, Appendix C).
func gpdFit(x []float64) (k, sigma float64) {
	n := len(x)
	const prior = 3.0
	m := 30 + int(math.Sqrt(float64(n)))
	xstar := x[int(float64(n)/4+0.5)-1]
	theta := make([]float64, m)
	ltheta := make([]float64, m)
	maxL := math.Inf(-1)
	for j := range theta {
		theta[j] = 1/x[n-1] + (1-math.Sqrt(float64(m)/(float64(j+1)-0.5)))/prior/xstar
		kj := meanLog1p(-theta[j], x)
		ltheta[j] = float64(n) * (math.Log(-theta[j]/kj) - kj - 1)
		if math.IsNaN(ltheta[j]) {
			ltheta[j] = math.Inf(-1)
		}
		maxL = math.Max(maxL, ltheta[j])
	}
	var wsum, th float64
	for j := range theta {
		w := math.Exp(ltheta[j] - maxL)
		wsum += w
		th += w * theta[j]
	}
	th /= wsum
	k = meanLog1p(-th, x)
	sigma = -k / th
	k = (float64(n)*k + 10*0.5) / (float64(n) + 10)
	return k, sigma
}

func meanLog1p(a float64, x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Log1p(a * v)
	}
	return s / float64(len(x))
}

// gpdQuantile is the p-quantile of the generalized Pareto distribution with
// shape k and scale σ (location 0).
func gpdQuantile(p, k, sigma float64) float64 {
	if math.Abs(k) < 1e-12 {
		return -sigma * math.Log1p(-p)
	}
	return sigma * math.Expm1(-k*math.Log1p(-p)) / k
}
