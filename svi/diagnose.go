package svi

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/govi/govi/internal/special"
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

// Diagnose draws n samples from the fitted guide on the data in b (see
// LogWeights) and reports the ELBO with its standard error, the IWAE bound,
// the PSIS k̂ and the effective sample size, with a one-line verdict. It is
// refused for a model with local (minibatch-scaled) sites: importance
// weights over one minibatch say nothing about the fit of the whole data.
func (t *Trainer) Diagnose(st *State, b Batch, n int, seed uint64) (*Diagnostics, error) {
	for _, site := range t.sites {
		if site.Scale != 1 {
			return nil, fmt.Errorf("svi: no fit report for a model with the local (minibatch-scaled) site %q", site.Name)
		}
	}
	lw, err := t.LogWeights(st, b, n, seed)
	if err != nil {
		return nil, err
	}
	d := &Diagnostics{Draws: n, Steps: st.Iter}
	var e error
	if d.ELBO, d.ELBOStdErr, e = meanStdErr(lw); e != nil {
		return nil, &NonFiniteError{Iter: st.Iter, Loss: d.ELBO, What: "log importance weight", Index: -1}
	}
	d.IWAE = special.LogMeanExp(lw)
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

// MarshalJSON writes the report with every quantity that could not be
// estimated (k̂ and ESS from too few draws, for example) as null, and a
// "warnings" list saying which and why, so that a finished fit is never
// lost to an encoding error.
func (d Diagnostics) MarshalJSON() ([]byte, error) {
	out := map[string]any{"draws": d.Draws, "steps": d.Steps, "verdict": d.Verdict}
	if d.StopReason != "" {
		out["stop_reason"] = d.StopReason
	}
	var warnings []string
	for _, f := range []struct {
		name string
		v    float64
	}{{"elbo", d.ELBO}, {"elbo_stderr", d.ELBOStdErr}, {"iwae", d.IWAE}, {"khat", d.KHat}, {"khat_threshold", d.KThreshold}, {"ess", d.ESS}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			out[f.name] = nil
			warnings = append(warnings, fmt.Sprintf("%s is %v (%s)", f.name, f.v, d.Verdict))
			continue
		}
		out[f.name] = f.v
	}
	if warnings != nil {
		out["warnings"] = warnings
	}
	return json.Marshal(out)
}
