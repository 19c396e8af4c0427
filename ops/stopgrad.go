package ops

import G "gorgonia.org/gorgonia"

// zeroFn is the derivative of the functions whose gradient is zero: it is
// its own derivative, so gradients through it can be taken again.
var zeroFn = &UnaryFn{Name: "zero", F: func(float64) float64 { return 0 }}

func init() { zeroFn.Deriv = zeroFn }

var (
	stopGradientFn = &UnaryFn{Name: "stopgradient", F: func(x float64) float64 { return x }, Deriv: zeroFn}
	stepFn         = &UnaryFn{Name: "step", F: step, Deriv: zeroFn}
)

func step(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

// StopGradient returns x unchanged, with a zero gradient: the value enters
// the objective as a constant. Score-function estimators multiply log q by
// a stopped cost this way (the surrogate loss of Schulman et al. 2015).
func StopGradient(x *G.Node) (*G.Node, error) { return stopGradientFn.Apply(x) }

// Step returns 1 where x > 0 and 0 elsewhere, elementwise, with a zero
// gradient: a discrete draw such as 1[u < p] is Step(p − u), and no
// gradient flows through it (the estimator supplies one by other means).
func Step(x *G.Node) (*G.Node, error) { return stepFn.Apply(x) }
