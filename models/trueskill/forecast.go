package trueskill

import (
	"math"

	"gonum.org/v1/gonum/integrate/quad"

	"github.com/govi/govi/internal/special"
)

// Forecast holds the probabilities of the three results of a game, seen
// from its first player.
type Forecast struct {
	Win, Draw, Loss float64
}

// Prob returns the probability of r, or 0 for an invalid result.
func (f Forecast) Prob(r Result) float64 {
	switch r {
	case Win:
		return f.Win
	case Draw:
		return f.Draw
	case Loss:
		return f.Loss
	}
	return 0
}

// Likeliest returns the most probable result; ties go to Win, then Draw.
func (f Forecast) Likeliest() Result {
	switch {
	case f.Win >= f.Draw && f.Win >= f.Loss:
		return Win
	case f.Draw >= f.Loss:
		return Draw
	default:
		return Loss
	}
}

// The logistic predictive E[P(r | d)], d ~ N(m, v), has no closed form.
//
// For v ≤ ghMaxRatio·β² it is computed by 64-point Gauss–Hermite quadrature
// in d; the integrand is analytic in a strip of half-width πβ/√(2v) around
// the real axis of the Hermite variable, and the rule agrees with a
// composite Gauss–Legendre reference to 1e-14 at v = 2β² (forecast_test.go).
//
// For larger v the sigmoid is steep on the scale of the Gaussian and
// Gauss–Hermite fails (its error reaches 1e-5 at v = 16β²), so the sigmoid
// is split into a step and a remainder that decays like e^(−|x|):
//
//	E[σ((d − ε)/β)] = Φ((m − ε)/√v) + β ∫₀^∞ σ(−x)·(N(ε − βx; m, v) − N(ε + βx; m, v)) dx,
//
// and likewise for a loss; the draw is what the two leave over the normal
// interval [−ε, ε]. The integral is taken by 64-point Gauss–Legendre on
// [0, 40] (σ(−40) ≈ 4e-18), which is exact to 1e-15 for every v ≥ β²
// tested, up to 1e4·β².
const (
	ghNodes    = 64
	ghMaxRatio = 2
	tailUpper  = 40
)

// ghX and ghW are the Gauss–Hermite nodes and weights, ∫ e^(−x²) f(x) dx ≈ Σ wₖ f(xₖ).
var ghX, ghW = func() ([]float64, []float64) {
	x, w := make([]float64, ghNodes), make([]float64, ghNodes)
	quad.Hermite{}.FixedLocations(x, w, math.Inf(-1), math.Inf(1))
	return x, w
}()

// tailX and tailW are the Gauss–Legendre nodes and weights on [0, tailUpper].
var tailX, tailW = func() ([]float64, []float64) {
	x, w := make([]float64, ghNodes), make([]float64, ghNodes)
	quad.Legendre{}.FixedLocations(x, w, 0, tailUpper)
	return x, w
}()

// Predictive returns the outcome probabilities for P1 when the skill
// difference d is uncertain, d ~ N(m, v):
//
//	probit:   P(win) = Φ((m − ε)/√(2β² + v)), and likewise for draw and loss;
//	logistic: E[σ((d − ε)/β)] etc. by quadrature (accurate to ~1e-14 for
//	          every v; see the comment on ghNodes).
//
// With v = 0 it equals c.Probs(m).
func (c Config) Predictive(m, v float64) Forecast {
	if v <= 0 {
		return c.Probs(m)
	}
	if c.Link == Probit {
		sc := math.Sqrt(2*c.Beta*c.Beta + v)
		p := func(r Result) float64 {
			lo, hi := r.interval(c.Margin)
			lz, _, _, _ := normInterval((lo-m)/sc, (hi-m)/sc)
			return math.Exp(lz)
		}
		return Forecast{Win: p(Win), Draw: p(Draw), Loss: p(Loss)}
	}
	if v <= ghMaxRatio*c.Beta*c.Beta {
		var f Forecast
		sd := math.Sqrt(2 * v)
		for k, x := range ghX {
			pk := c.Probs(m + sd*x)
			f.Win += ghW[k] * pk.Win
			f.Draw += ghW[k] * pk.Draw
			f.Loss += ghW[k] * pk.Loss
		}
		const invSqrtPi = 0.56418958354775628694807945156077258584405062932900 // 1/√π
		f.Win *= invSqrtPi
		f.Draw *= invSqrtPi
		f.Loss *= invSqrtPi
		return f
	}
	sd := math.Sqrt(v)
	b, eps := c.Beta, c.Margin
	npdf := func(d float64) float64 {
		z := (d - m) / sd
		return math.Exp(special.NormLogPDF(z)) / sd
	}
	var cw, cl float64
	for k, x := range tailX {
		s := special.Sigmoid(-x)
		cw += tailW[k] * s * (npdf(eps-b*x) - npdf(eps+b*x))
		cl += tailW[k] * s * (npdf(-eps+b*x) - npdf(-eps-b*x))
	}
	cw *= b
	cl *= b
	lw, _, _, _ := normInterval((eps-m)/sd, math.Inf(1))
	ll, _, _, _ := normInterval(-math.Inf(1), (-eps-m)/sd)
	draw := -cw - cl
	if eps > 0 {
		ld, _, _, _ := normInterval((-eps-m)/sd, (eps-m)/sd)
		draw += math.Exp(ld)
	}
	return Forecast{Win: math.Exp(lw) + cw, Draw: math.Max(draw, 0), Loss: math.Exp(ll) + cl}
}

// Predict returns the posterior-predictive probabilities of a game between
// players i (P1) and j, integrating over the skills' uncertainty: the
// difference sᵢ − sⱼ is N(μᵢ − μⱼ, σᵢ² + σⱼ² − 2 cov(sᵢ, sⱼ)), with the
// covariance taken from p.Cov when it is set and 0 otherwise.
func (p *Posterior) Predict(c Config, i, j int) (Forecast, error) {
	if err := c.Validate(); err != nil {
		return Forecast{}, err
	}
	m, v, err := p.diff(i, j)
	if err != nil {
		return Forecast{}, err
	}
	return c.Predictive(m, v), nil
}

// PredictPlugIn returns the outcome probabilities at the posterior means,
// ignoring the skills' uncertainty.
func (p *Posterior) PredictPlugIn(c Config, i, j int) (Forecast, error) {
	if err := c.Validate(); err != nil {
		return Forecast{}, err
	}
	m, _, err := p.diff(i, j)
	if err != nil {
		return Forecast{}, err
	}
	return c.Probs(m), nil
}
