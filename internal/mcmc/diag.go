package mcmc

import (
	"errors"
	"fmt"
	"math"
)

// Summary holds each coordinate's posterior mean and standard deviation
// over all chains' draws, its split R̂ and effective sample size.
type Summary struct {
	Mean, SD, Rhat, ESS []float64
	// MaxRhat and MinESS are the worst values over the coordinates.
	MaxRhat, MinESS float64
}

// Summarize returns the per-coordinate summary of ch; every chain must
// hold the same number (at least 4) of draws.
func Summarize(ch *Chains) (*Summary, error) {
	if ch == nil || len(ch.Draws) == 0 || ch.D < 1 {
		return nil, errors.New("mcmc: no chains to summarize")
	}
	n := len(ch.Draws[0]) / ch.D
	for c, d := range ch.Draws {
		if len(d) != n*ch.D || n < 4 {
			return nil, fmt.Errorf("mcmc: chain %d holds %d values, want %d draws (≥ 4) of %d", c, len(d), n, ch.D)
		}
	}
	s := &Summary{Mean: make([]float64, ch.D), SD: make([]float64, ch.D), Rhat: make([]float64, ch.D), ESS: make([]float64, ch.D),
		MinESS: math.Inf(1)}
	cols := make([][]float64, len(ch.Draws))
	for c := range cols {
		cols[c] = make([]float64, n)
	}
	for j := 0; j < ch.D; j++ {
		var sum, sq float64
		for c, d := range ch.Draws {
			for i := 0; i < n; i++ {
				v := d[i*ch.D+j]
				cols[c][i] = v
				sum += v
			}
		}
		m := sum / float64(n*len(cols))
		for _, col := range cols {
			for _, v := range col {
				sq += (v - m) * (v - m)
			}
		}
		s.Mean[j], s.SD[j] = m, math.Sqrt(sq/float64(n*len(cols)-1))
		s.Rhat[j], s.ESS[j] = SplitRhat(cols), ESS(cols)
		s.MaxRhat, s.MinESS = math.Max(s.MaxRhat, s.Rhat[j]), math.Min(s.MinESS, s.ESS[j])
	}
	return s, nil
}

// SplitRhat returns the potential scale reduction factor of chains (each
// of the same length n ≥ 4) split into halves (BDA3 §11.4):
//
//	R̂ = √(((n'−1)/n' W + B/n') / W)
//
// with n' = ⌊n/2⌋, W the mean within-half variance and B/n' the variance
// of the half means. A constant scalar (W = 0) gives 1 if the halves
// agree and +Inf otherwise.
func SplitRhat(chains [][]float64) float64 {
	halves := splitHalves(chains)
	n := float64(len(halves[0]))
	means := make([]float64, len(halves))
	var w float64
	for k, h := range halves {
		means[k] = mean(h)
		w += variance(h, means[k]) / float64(len(halves))
	}
	b := variance(means, mean(means)) // B/n'
	if w == 0 {
		if b == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return math.Sqrt(((n-1)/n*w + b) / w)
}

// splitHalves returns the first and second halves of every chain (a
// middle draw of an odd-length chain is dropped).
func splitHalves(chains [][]float64) [][]float64 {
	out := make([][]float64, 0, 2*len(chains))
	for _, c := range chains {
		h := len(c) / 2
		out = append(out, c[:h], c[len(c)-h:])
	}
	return out
}

// ESS returns the multi-chain effective sample size of chains (each of
// the same length n ≥ 4) as in Stan: the combined autocorrelation
//
//	ρ̂_t = 1 − (W − (1/M) Σ_m s²_m ρ̂_{t,m}) / var⁺,  var⁺ = (n−1)/n W + B/n,
//
// summed over Geyer's initial positive and monotone sequence of pair
// sums, ESS = M n / τ̂, τ̂ = −1 + 2 Σ_{k} (ρ̂_{2k} + ρ̂_{2k+1}). The
// autocorrelations are computed directly (O(n · lag)).
func ESS(chains [][]float64) float64 {
	m, n := len(chains), len(chains[0])
	means, vars := make([]float64, m), make([]float64, m)
	var w float64
	for c, x := range chains {
		means[c] = mean(x)
		vars[c] = variance(x, means[c])
		w += vars[c] / float64(m)
	}
	varPlus := float64(n-1) / float64(n) * w
	if m > 1 {
		varPlus += variance(means, mean(means))
	}
	if !(varPlus > 0) {
		return float64(m * n)
	}
	rho := func(t int) float64 {
		var acov float64
		for c, x := range chains {
			var s float64
			for i := 0; i+t < n; i++ {
				s += (x[i] - means[c]) * (x[i+t] - means[c])
			}
			acov += s / float64(n) / float64(m) // the biased autocovariance, as Stan's

		}
		return 1 - (w-acov)/varPlus
	}
	tau := -1.0
	prev := math.Inf(1)
	for t := 0; t+1 < n; t += 2 {
		p := rho(t) + rho(t+1)
		if p < 0 {
			break
		}
		p = math.Min(p, prev) // initial monotone sequence
		tau += 2 * p
		prev = p
	}
	tau = math.Max(tau, 1/math.Log10(float64(m*n)))
	return float64(m*n) / tau
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// variance is the sample variance of x about m (denominator len(x) − 1).
func variance(x []float64, m float64) float64 {
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}
