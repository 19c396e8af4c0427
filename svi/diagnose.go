package svi

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Diagnostics is the fit report: how good the fitted q is as an
// approximation of the posterior, from draws z ~ q and their log importance
// ratios log w = log p(x, z) + log|J| − log q(u).
type Diagnostics struct {
	Draws      int     `json:"draws"`
	ELBO       float64 `json:"elbo"`        // mean of log w
	ELBOStdErr float64 `json:"elbo_stderr"` // its Monte Carlo standard error
	// IWAE is log (1/n) Σ wᵢ over all n draws: the importance-weighted bound
	// with K = n, a lower bound on log p(x) tighter than the ELBO.
	IWAE       float64 `json:"iwae"`
	KHat       float64 `json:"khat"`           // PSIS shape estimate (see PSIS)
	KThreshold float64 `json:"khat_threshold"` // min(1 − 1/log₁₀ n, 0.7)
	ESS        float64 `json:"ess"`            // importance-sampling effective sample size
	Steps      int     `json:"steps"`
	StopReason string  `json:"stop_reason,omitempty"`
	Verdict    string  `json:"verdict"`
}

// evalParticles is the number of particles of the evaluation program.
const evalParticles = 16

// LogWeights returns n log importance ratios log p(x, z) + log|J| − log q(u)
// for draws z ~ q at st's parameters, on the data fed last, with noise from
// a source seeded by seed (st's own source is not used).
func (t *Trainer) LogWeights(st *State, n int, seed uint64) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("svi: LogWeights needs n ≥ 1, got %d", n)
	}
	if err := t.checkState(st); err != nil {
		return nil, err
	}
	if t.eval == nil {
		p, err := t.build(evalParticles, TraceELBO, false)
		if err != nil {
			return nil, err
		}
		if p.logw == nil {
			return nil, fmt.Errorf("svi: the guide gives no log q, so there are no importance weights")
		}
		if err := p.feed(t.batch); err != nil {
			return nil, err
		}
		t.eval = p
	}
	r := rand.New(NewRNG(seed))
	out := make([]float64, 0, n)
	for len(out) < n {
		t.eval.fillNoise(r)
		if _, err := t.eval.run(st.Params); err != nil {
			return nil, err
		}
		for _, v := range t.eval.logw {
			x, err := valueOf(v)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
	}
	return out[:n], nil
}

// Diagnose draws n samples from the fitted guide and reports the ELBO with
// its standard error, the IWAE bound, the PSIS k̂ and the effective sample
// size, with a one-line verdict.
func (t *Trainer) Diagnose(st *State, n int, seed uint64) (*Diagnostics, error) {
	lw, err := t.LogWeights(st, n, seed)
	if err != nil {
		return nil, err
	}
	d := &Diagnostics{Draws: n, Steps: st.Iter}
	var sum, sumsq float64
	mx := math.Inf(-1)
	for _, v := range lw {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &NonFiniteError{Iter: st.Iter, Loss: v, What: "log importance weight", Index: -1}
		}
		sum += v
		sumsq += v * v
		mx = math.Max(mx, v)
	}
	fn := float64(n)
	d.ELBO = sum / fn
	if n > 1 {
		d.ELBOStdErr = math.Sqrt(math.Max(sumsq-fn*d.ELBO*d.ELBO, 0) / (fn - 1) / fn)
	}
	s := 0.0
	for _, v := range lw {
		s += math.Exp(v - mx)
	}
	d.IWAE = mx + math.Log(s/fn)
	ps, err := ParetoSmooth(lw)
	if err != nil {
		d.KHat, d.ESS = math.NaN(), math.NaN()
		d.Verdict = "too few draws for PSIS"
		return d, nil
	}
	d.KHat, d.KThreshold, d.ESS = ps.KHat, ps.Threshold, ps.ESS
	d.Verdict = verdict(d)
	return d, nil
}

func verdict(d *Diagnostics) string {
	switch {
	case d.KHat < 0.5 && d.KHat < d.KThreshold:
		return fmt.Sprintf("good: k̂ = %.2f < 0.5, q is close to the posterior (importance ESS %.0f of %d)", d.KHat, d.ESS, d.Draws)
	case d.KHat < d.KThreshold:
		return fmt.Sprintf("usable: k̂ = %.2f below the threshold %.2f; q's means are trustworthy, its tails less so (ESS %.0f of %d)", d.KHat, d.KThreshold, d.ESS, d.Draws)
	default:
		return fmt.Sprintf("poor: k̂ = %.2f ≥ %.2f, q differs from the posterior enough that its uncertainty estimates are unreliable; try a richer guide (fullrank) or more steps", d.KHat, d.KThreshold)
	}
}
