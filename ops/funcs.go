package ops

import (
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/special"
)

// The elementwise functions and their derivative chains. A nil Deriv ends a
// chain: that derivative order is not available.
var (
	tetragammaFn = &UnaryFn{Name: "tetragamma", F: special.Tetragamma}
	trigammaFn   = &UnaryFn{Name: "trigamma", F: special.Trigamma, Deriv: tetragammaFn}
	digammaFn    = &UnaryFn{Name: "digamma", F: special.Digamma, Deriv: trigammaFn}
	lgammaFn     = &UnaryFn{Name: "lgamma", F: special.Lgamma, Deriv: digammaFn}

	sigmoidDeriv2Fn = &UnaryFn{Name: "sigmoid″", F: special.SigmoidDeriv2}
	sigmoidDerivFn  = &UnaryFn{Name: "sigmoid′", F: special.SigmoidDeriv, Deriv: sigmoidDeriv2Fn}
	sigmoidFn       = &UnaryFn{Name: "sigmoid", F: special.Sigmoid, Deriv: sigmoidDerivFn}
	softplusFn      = &UnaryFn{Name: "softplus", F: special.Softplus, Deriv: sigmoidFn}
	// d/dx log σ(x) = σ(−x); d²/dx² = −σ(x)σ(−x).
	sigmoidNegFn = &UnaryFn{Name: "sigmoid(−x)", F: func(x float64) float64 { return special.Sigmoid(-x) },
		Deriv: &UnaryFn{Name: "−sigmoid′", F: func(x float64) float64 { return -special.SigmoidDeriv(x) },
			Deriv: &UnaryFn{Name: "−sigmoid″", F: func(x float64) float64 { return -special.SigmoidDeriv2(x) }}}}
	logSigmoidFn = &UnaryFn{Name: "logsigmoid", F: special.LogSigmoid, Deriv: sigmoidNegFn}

	log1mExpFn = &UnaryFn{Name: "log1mexp", F: special.Log1mExp,
		Deriv: &UnaryFn{Name: "log1mexp′", F: special.Log1mExpDeriv,
			Deriv: &UnaryFn{Name: "log1mexp″", F: special.Log1mExpDeriv2}}}

	normPDFFn    = &UnaryFn{Name: "normpdf", F: special.NormPDF, Deriv: &UnaryFn{Name: "normpdf′", F: special.NormPDFDeriv}}
	normCDFFn    = &UnaryFn{Name: "normcdf", F: special.NormCDF, Deriv: normPDFFn}
	invMillsFn   = &UnaryFn{Name: "invmills", F: special.InvMills, Deriv: &UnaryFn{Name: "invmills′", F: special.InvMillsDeriv}}
	logNormCDFFn = &UnaryFn{Name: "lognormcdf", F: special.LogNormCDF, Deriv: invMillsFn}

	lgammaHalfDiffFn = &UnaryFn{Name: "lgammahalfdiff", F: special.LgammaHalfDiff,
		Deriv: &UnaryFn{Name: "digammahalfdiff", F: special.DigammaHalfDiff}}

	erfFn = &UnaryFn{Name: "erf", F: math.Erf,
		Deriv: &UnaryFn{Name: "erf′", F: special.ErfDeriv, Deriv: &UnaryFn{Name: "erf″", F: special.ErfDeriv2}}}
)

// Lgamma returns log|Γ(x)| elementwise; its derivative is [Digamma].
// It is +Inf at 0, −1, −2, ….
func Lgamma(x *G.Node) (*G.Node, error) { return lgammaFn.Apply(x) }

// Digamma returns ψ(x) = d/dx log Γ(x) elementwise; its derivative is
// [Trigamma]. It is NaN at 0, −1, −2, … (±Inf at ±0).
func Digamma(x *G.Node) (*G.Node, error) { return digammaFn.Apply(x) }

// Trigamma returns ψ′(x) elementwise; its derivative is the tetragamma
// function ψ″(x), whose own derivative is not provided.
func Trigamma(x *G.Node) (*G.Node, error) { return trigammaFn.Apply(x) }

// Softplus returns log(1 + eˣ) elementwise, exact to rounding for every x
// (gorgonia.Softplus returns x above 16); its derivative is σ(x).
func Softplus(x *G.Node) (*G.Node, error) { return softplusFn.Apply(x) }

// LogSigmoid returns log σ(x) = −log(1 + e⁻ˣ) elementwise, exact to rounding
// for every x (≈ x for x ≪ 0, ≈ −e⁻ˣ for x ≫ 0); its derivative is σ(−x).
func LogSigmoid(x *G.Node) (*G.Node, error) { return logSigmoidFn.Apply(x) }

// Log1mExp returns log(1 − eˣ) elementwise for x ≤ 0, accurate near 0 and in
// the far tail (Mächler 2012); it is −Inf at 0 and NaN for x > 0.
func Log1mExp(x *G.Node) (*G.Node, error) { return log1mExpFn.Apply(x) }

// NormCDF returns the standard normal distribution function
// Φ(x) = ½ erfc(−x/√2) elementwise; its derivative is φ(x).
func NormCDF(x *G.Node) (*G.Node, error) { return normCDFFn.Apply(x) }

// LogNormCDF returns log Φ(x) elementwise, accurate for all x: log1p of the
// upper tail for x > 0, log(½ erfc(−x/√2)) down to x = −20, and the
// asymptotic expansion of Mills' ratio below (finite down to x ≈ −1.9e154,
// where −x²/2 overflows). Its derivative is φ(x)/Φ(x) (≈ −x for x ≪ 0).
func LogNormCDF(x *G.Node) (*G.Node, error) { return logNormCDFFn.Apply(x) }

// Erf returns the error function elementwise; its derivative is 2e^{−x²}/√π.
func Erf(x *G.Node) (*G.Node, error) { return erfFn.Apply(x) }

// LgammaHalfDiff returns log Γ(x + ½) − log Γ(x) elementwise for x > 0,
// accurate for large x where subtracting two Lgamma nodes cancels (the
// Student-t normalizer at large degrees of freedom). Its derivative is
// ψ(x + ½) − ψ(x); the second derivative is not provided.
func LgammaHalfDiff(x *G.Node) (*G.Node, error) { return lgammaHalfDiffFn.Apply(x) }
