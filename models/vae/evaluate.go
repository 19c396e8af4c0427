package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// Bound is an importance-weighted bound with K samples averaged over a data
// set, in nats per datum.
type Bound struct {
	K      int     `json:"k"`
	Mean   float64 `json:"mean"`   // mean over data of the per-datum estimate
	StdErr float64 `json:"stderr"` // its standard error over data
}

// Evaluation holds test-set bounds on log p(x) (see [Net.Evaluate]).
type Evaluation struct {
	Rows  int     `json:"rows"`
	Draws int     `json:"draws"` // samples of z per datum
	ELBO  float64 `json:"elbo"`  // mean over data of the ELBO estimate
	// ELBOStdErr is its standard error over data (spread between data, the
	// Monte Carlo error within a datum being far smaller).
	ELBOStdErr float64 `json:"elbo_stderr"`
	// IWAE holds the bounds L_K = E[log (1/K) Σₖ p(x, z_k)/q(z_k | x)] for
	// the requested K, increasing with K towards log p(x).
	IWAE []Bound `json:"iwae"`
	// RowELBO is each datum's ELBO estimate.
	RowELBO []float64 `json:"-"`
	// PSIS summarizes, over data, the Pareto-smoothed importance sampling
	// k̂ of each datum's Draws weights p(x_n, z)/q(z | x_n): how well the
	// encoder's q(z | x_n) stands in for the posterior p(z | x_n) (nil with
	// fewer than 25 draws, too few for a tail fit).
	PSIS *PSISSummary `json:"psis,omitempty"`
	// RowKHat is each datum's k̂ (NaN where PSIS failed).
	RowKHat []float64 `json:"-"`
}

// PSISSummary is the distribution of per-datum k̂ and importance ESS.
type PSISSummary struct {
	Threshold  float64 `json:"khat_threshold"` // min(1 − 1/log₁₀ Draws, 0.7)
	MedianKHat float64 `json:"khat_median"`
	P90KHat    float64 `json:"khat_p90"`
	MaxKHat    float64 `json:"khat_max"`
	FracAbove  float64 `json:"frac_above_threshold"` // share of data with k̂ ≥ Threshold
	MedianESS  float64 `json:"ess_median"`           // of Draws
}

// Verdict is a one-line reading of the summary.
func (p *PSISSummary) Verdict() string {
	switch {
	case p.FracAbove < 0.05 && p.MedianKHat < 0.5:
		return fmt.Sprintf("good: median per-datum k̂ %.2f, %.1f%% of data at or above %.2f; the encoder's q(z|x) is close to the posterior", p.MedianKHat, 100*p.FracAbove, p.Threshold)
	case p.FracAbove < 0.2:
		return fmt.Sprintf("usable: median per-datum k̂ %.2f, %.1f%% of data at or above %.2f; q(z|x) has lighter tails than the posterior for some data", p.MedianKHat, 100*p.FracAbove, p.Threshold)
	default:
		return fmt.Sprintf("poor: median per-datum k̂ %.2f, %.1f%% of data at or above %.2f; q(z|x) differs from the posterior for many data (amortization gap, or a richer covariance needed)", p.MedianKHat, 100*p.FracAbove, p.Threshold)
	}
}

// Sampler draws z from a per-datum q: Rsample writes z = μ_n + L_n ε for
// row n and returns log q(z | x_n). guides.Encoding implements it.
type Sampler interface {
	Rsample(n int, eps, z []float64) float64
}

var _ Sampler = guides.Encoding{}

// Evaluate estimates, for each of rows data in x, the ELBO and the
// importance-weighted bounds of Burda, Grosse & Salakhutdinov (2016),
//
//	L_K(x) = E[log (1/K) Σₖ wₖ],  wₖ = p(x, z_k)/q(z_k | x),  z_k ~ q(z | x),
//
// for every K in ks, from max(ks) draws per datum split into
// ⌊max(ks)/K⌋ disjoint groups of K (so K = 1 gives the ELBO estimate). L_K
// increases with K to log p(x). The draws of datum n come from a source
// seeded by (seed, n), so results do not depend on the number of threads.
func (n *Net) Evaluate(x []float64, rows int, ks []int, seed uint64) (*Evaluation, error) {
	q, err := n.Encode(x, rows)
	if err != nil {
		return nil, err
	}
	return n.EvaluateWith(x, rows, q, ks, seed)
}

// EvaluateWith is Evaluate with q(z | x) given: for example a per-datum q
// fitted by [Net.RefineLocal].
func (n *Net) EvaluateWith(x []float64, rows int, q Sampler, ks []int, seed uint64) (*Evaluation, error) {
	D, L := n.cfg.Dim, n.cfg.Latent
	if rows < 1 || len(x) != rows*D {
		return nil, fmt.Errorf("vae: Evaluate: %d values for %d rows of %d", len(x), rows, D)
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("vae: Evaluate needs at least one K")
	}
	kmax := 0
	for _, k := range ks {
		if k < 1 {
			return nil, fmt.Errorf("vae: Evaluate: K must be positive, got %d", k)
		}
		kmax = max(kmax, k)
	}
	ks = slices.Clone(ks)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	rowELBO := make([]float64, rows)
	rowKHat, rowESS := make([]float64, rows), make([]float64, rows)
	rowIWAE := make([][]float64, len(ks))
	for i := range rowIWAE {
		rowIWAE[i] = make([]float64, rows)
	}
	workers := min(runtime.GOMAXPROCS(0), rows)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			eps := make([]float64, L)
			z := make([]float64, kmax*L)
			lw := make([]float64, kmax)
			for i := w; i < rows; i += workers {
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				for k := 0; k < kmax; k++ {
					for j := range eps {
						eps[j] = r.NormFloat64()
					}
					zk := z[k*L : (k+1)*L]
					lw[k] = -q.Rsample(i, eps, zk)
					for _, v := range zk {
						lw[k] -= 0.5*v*v + dist.LogSqrt2Pi
					}
				}
				f, err := n.Logits(z, kmax)
				if err != nil {
					errs[w] = err
					return
				}
				xi := x[i*D : (i+1)*D]
				sum := 0.0
				for k := range lw {
					lw[k] += n.logLik(xi, f[k*D:(k+1)*D])
					sum += lw[k]
				}
				rowELBO[i] = sum / float64(kmax)
				rowKHat[i], rowESS[i] = math.NaN(), math.NaN()
				if ps, err := svi.ParetoSmooth(lw); err == nil {
					rowKHat[i], rowESS[i] = ps.KHat, ps.ESS
				}
				for j, K := range ks {
					groups := kmax / K
					s := 0.0
					for g := 0; g < groups; g++ {
						s += special.LogMeanExp(lw[g*K : (g+1)*K])
					}
					rowIWAE[j][i] = s / float64(groups)
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	ev := &Evaluation{Rows: rows, Draws: kmax, RowELBO: rowELBO, RowKHat: rowKHat}
	ev.PSIS = summarizePSIS(rowKHat, rowESS, kmax)
	ev.ELBO, ev.ELBOStdErr = meanStdErr(rowELBO)
	for j, K := range ks {
		m, se := meanStdErr(rowIWAE[j])
		ev.IWAE = append(ev.IWAE, Bound{K: K, Mean: m, StdErr: se})
	}
	return ev, nil
}

// summarizePSIS returns the distribution of the finite per-datum k̂, or nil
// when there is none (fewer than 10 draws).
func summarizePSIS(khat, ess []float64, draws int) *PSISSummary {
	var k, e []float64
	for i, v := range khat {
		if !math.IsNaN(v) && !math.IsInf(v, 0) { // k̂ is +Inf below 25 draws (fewer than 5 tail draws)
			k, e = append(k, v), append(e, ess[i])
		}
	}
	if len(k) == 0 {
		return nil
	}
	p := &PSISSummary{Threshold: math.Min(1-1/math.Log10(float64(draws)), 0.7)}
	for _, v := range k {
		if v >= p.Threshold {
			p.FracAbove++
		}
	}
	p.FracAbove /= float64(len(k))
	slices.Sort(k)
	slices.Sort(e)
	p.MedianKHat, p.P90KHat, p.MaxKHat = k[len(k)/2], k[int(0.9*float64(len(k)-1))], k[len(k)-1]
	p.MedianESS = e[len(e)/2]
	return p
}

// Bound returns the bound with K samples, if evaluated.
func (e *Evaluation) Bound(k int) (Bound, bool) {
	for _, b := range e.IWAE {
		if b.K == k {
			return b, true
		}
	}
	return Bound{}, false
}

func meanStdErr(x []float64) (mean, se float64) {
	for _, v := range x {
		mean += v
	}
	n := float64(len(x))
	mean /= n
	if len(x) < 2 {
		return mean, 0
	}
	ss := 0.0
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}
