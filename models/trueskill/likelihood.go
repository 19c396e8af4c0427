package trueskill

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/special"
)

// LogLik returns log P(r | d), the log-probability of result r for P1 when
// the skill difference is d = s_P1 − s_P2 (see the package documentation for
// the formulas). It is accurate far into the tails: log Φ and log σ are never
// formed as the log of an underflowed probability. A draw has probability 0,
// and LogLik −∞, when Margin is 0. An invalid r gives NaN.
func (c Config) LogLik(r Result, d float64) float64 {
	lp, _, _ := c.interval(r, d)
	return lp
}

// LogLikDerivs returns LogLik(r, d) and its first and second derivatives
// with respect to d. The second derivative is negative: both links are
// log-concave in d. For a draw with Margin 0 the derivatives are NaN.
func (c Config) LogLikDerivs(r Result, d float64) (lp, grad, hess float64) {
	lp, g, h := c.interval(r, d)
	sc := c.noiseScale()
	return lp, g / sc, h / (sc * sc)
}

// interval returns log Z, G and H = ∂²log Z/∂t² of the outcome interval in
// units of the noise scale.
func (c Config) interval(r Result, d float64) (logZ, g, h float64) {
	if r != Win && r != Draw && r != Loss {
		return math.NaN(), math.NaN(), math.NaN()
	}
	lo, hi := r.interval(c.Margin)
	sc := c.noiseScale()
	a, b := (lo-d)/sc, (hi-d)/sc
	if c.Link == Logistic {
		return logisticInterval(a, b)
	}
	logZ, g, _, h = normInterval(a, b)
	return logZ, g, h
}

// Probs returns the outcome probabilities for P1 at skill difference d,
// that is, the plug-in forecast given exact skills.
func (c Config) Probs(d float64) Forecast {
	return Forecast{
		Win:  math.Exp(c.LogLik(Win, d)),
		Draw: math.Exp(c.LogLik(Draw, d)),
		Loss: math.Exp(c.LogLik(Loss, d)),
	}
}

// LogJoint returns log p(s, games) = Σᵢ log N(sᵢ; μ₀, σ₀²) + Σ_g log P(r_g | s),
// the unnormalized log posterior of the skills s (one per player), and, when
// grad is non-nil, stores its gradient in grad. It is the host-side oracle
// for the model's log joint.
func (c Config) LogJoint(ds *Dataset, s, grad []float64) (float64, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	n := len(ds.Players)
	if len(s) != n {
		return 0, fmt.Errorf("trueskill: LogJoint: %d skills for %d players", len(s), n)
	}
	if grad != nil && len(grad) != n {
		return 0, fmt.Errorf("trueskill: LogJoint: gradient of length %d for %d players", len(grad), n)
	}
	prec := 1 / (c.Sigma0 * c.Sigma0)
	lp := -float64(n) * (math.Log(c.Sigma0) + special.LogSqrt2Pi)
	for i, si := range s {
		z := si - c.Mu0
		lp -= 0.5 * prec * z * z
		if grad != nil {
			grad[i] = -prec * z
		}
	}
	for _, gm := range ds.Games {
		l, g, _ := c.LogLikDerivs(gm.Result, s[gm.P1]-s[gm.P2])
		lp += l
		if grad != nil {
			grad[gm.P1] += g
			grad[gm.P2] -= g
		}
	}
	return lp, nil
}
