package svi

import (
	"fmt"
	"math"
)

// Baseline is the control variate the score estimator subtracts from each
// draw's cost before weighting its score ∇log q(z). Any baseline that does
// not depend on the draw it is subtracted from keeps the gradient
// unbiased; a good one lowers its variance.
type Baseline int

const (
	// BaselineAuto chooses BaselineLOO with two or more particles and
	// BaselineAvg with one.
	BaselineAuto Baseline = iota
	// BaselineNone subtracts nothing: plain REINFORCE.
	BaselineNone
	// BaselineLOO subtracts from particle s's cost the mean cost of the
	// other S − 1 particles (row by row inside a plate), as in Kool, van
	// Hoof & Welling (2019) and Pyro's and NumPyro's practice. Needs S ≥ 2.
	BaselineLOO
	// BaselineAvg subtracts a running average of past ELBO estimates: the
	// exponentially weighted mean (weight 0.9 per step, over the last
	// AvgWindow steps) of the state's loss trace, so that a resumed run
	// uses the baseline the uninterrupted one would. Inside a plate each
	// row's cost gets that average divided by the plate's rows, which is
	// the row's share when the global terms are small (any value keeps the
	// gradient unbiased; this one only makes it effective then).
	BaselineAvg
	// BaselineNVIL is the input-dependent baseline of Mnih & Gregor
	// (2014) for a plate's rows: the running average of BaselineAvg plus a
	// small network of the row's data, b_ψ(x_n) (Config.BaselineInput,
	// one hidden layer of Config.BaselineHidden tanh units), trained with
	// the guide by minimizing Σₙ (c_n − baseline_n)² over the particles,
	// where c_n is row n's cost. It suits amortized guides, whose rows
	// change from batch to batch. Global discrete sites get the running
	// average.
	BaselineNVIL
)

// DefaultBaselineHidden is the width of BaselineNVIL's hidden layer when
// Config.BaselineHidden is 0 (Mnih & Gregor used 100 tanh units).
const DefaultBaselineHidden = 100

// AvgWindow is the number of past steps BaselineAvg averages.
const AvgWindow = 50

var baselineNames = [...]string{"auto", "none", "loo", "avg", "nvil"}

func (b Baseline) String() string {
	if b >= 0 && int(b) < len(baselineNames) {
		return baselineNames[b]
	}
	return fmt.Sprintf("Baseline(%d)", int(b))
}

// ParseBaseline returns the baseline named s: auto, none, loo, avg or
// nvil.
func ParseBaseline(s string) (Baseline, error) {
	for i, n := range baselineNames {
		if n == s {
			return Baseline(i), nil
		}
	}
	return 0, fmt.Errorf("svi: unknown baseline %q (want auto, none, loo, avg or nvil)", s)
}

// discreteDefaults resolves the baseline and the temperature.
func (c Config) discreteDefaults() (Config, error) {
	if c.Baseline < 0 || int(c.Baseline) >= len(baselineNames) {
		return c, fmt.Errorf("svi: unknown baseline %v", c.Baseline)
	}
	if c.Baseline == BaselineAuto {
		c.Baseline = BaselineAvg
		if c.Particles >= 2 {
			c.Baseline = BaselineLOO
		}
	}
	if c.Estimator == ScoreELBO && c.Baseline == BaselineLOO && c.Particles < 2 {
		return c, fmt.Errorf("svi: the leave-one-out baseline needs at least 2 particles, got %d", c.Particles)
	}
	if c.Estimator == ScoreELBO && c.Baseline == BaselineNVIL && c.BaselineInput == "" {
		return c, fmt.Errorf("svi: the nvil baseline needs Config.BaselineInput, the data array it reads")
	}
	if c.BaselineHidden < 0 {
		return c, fmt.Errorf("svi: BaselineHidden must not be negative, got %d", c.BaselineHidden)
	}
	if c.BaselineHidden == 0 {
		c.BaselineHidden = DefaultBaselineHidden
	}
	if c.Estimator == VIMCOBound && c.Particles < 2 {
		return c, fmt.Errorf("svi: the vimco estimator needs at least 2 particles, got %d", c.Particles)
	}
	if c.Temperature < 0 || math.IsNaN(c.Temperature) || math.IsInf(c.Temperature, 0) {
		return c, fmt.Errorf("svi: Temperature must be a finite positive number (0 for the default), got %v", c.Temperature)
	}
	if c.Temperature == 0 {
		c.Temperature = DefaultTemperature
	}
	return c, nil
}

// avgBaseline returns the running average of the ELBO estimates in a loss
// trace (the negated losses): weights 0.9^k over the last AvgWindow steps,
// k = 0 for the last. It is 0 before the first step.
func avgBaseline(trace []float64) float64 {
	var num, den float64
	w := 1.0
	for k := 0; k < AvgWindow && k < len(trace); k++ {
		num += w * -trace[len(trace)-1-k]
		den += w
		w *= 0.9
	}
	if den == 0 {
		return 0
	}
	return num / den
}
