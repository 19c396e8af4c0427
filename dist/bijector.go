package dist

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
)

// A Bijector maps the unconstrained real space onto a distribution's support.
// Guides draw u in the unconstrained space; the model sees x = T(u) and the
// ELBO gains log|det ∂T/∂u|.
type Bijector interface {
	// Forward returns x = T(u) and the scalar log|det ∂T/∂u| summed over
	// all elements of u.
	Forward(u *G.Node) (x, logDet *G.Node, err error)
	// ForwardHost writes T(u) into dst, which has the length of u except
	// for bijectors that change dimension (StickBreaking: one more element
	// per row).
	ForwardHost(dst, u []float64)
	// InverseHost writes T⁻¹(x) into dst (sized as u for ForwardHost); it
	// fails when x is outside the support.
	InverseHost(dst, x []float64) error
	// String names the support, as in "positive".
	String() string
}

// The supports of govi's distributions.
var (
	Real         Bijector = Identity{}
	Positive     Bijector = Exp{}
	UnitInterval Bijector = Sigmoid{}
)

// Identity is the bijector of the real line onto itself.
type Identity struct{}

func (Identity) Forward(u *G.Node) (*G.Node, *G.Node, error) {
	if u == nil {
		return nil, nil, fmt.Errorf("dist: Identity.Forward: nil node")
	}
	return u, graph.Scalar(u.Graph(), 0), nil
}
func (Identity) ForwardHost(dst, u []float64)       { copy(dst, u) }
func (Identity) InverseHost(dst, x []float64) error { copy(dst, x); return nil }
func (Identity) String() string                     { return "real" }

// Exp maps ℝ onto (0, ∞) by x = exp(u), log|J| = Σu.
type Exp struct{}

func (Exp) Forward(u *G.Node) (*G.Node, *G.Node, error) {
	b := builderFor(u)
	x, ld := b.Exp(u), b.Sum(u)
	if err := b.Err(); err != nil {
		return nil, nil, fmt.Errorf("dist: Exp.Forward: %w", err)
	}
	return x, ld, nil
}
func (Exp) ForwardHost(dst, u []float64) {
	for i, v := range u {
		dst[i] = math.Exp(v)
	}
}
func (Exp) InverseHost(dst, x []float64) error {
	for i, v := range x {
		if !(v > 0) || math.IsInf(v, 1) {
			return fmt.Errorf("dist: %v at element %d is not in (0, ∞)", v, i)
		}
		dst[i] = math.Log(v)
	}
	return nil
}
func (Exp) String() string { return "positive" }

// Softplus maps ℝ onto (Low, ∞) by x = Low + log(1 + eᵘ), log|J| = Σ log σ(u).
// It grows linearly rather than exponentially, which keeps gradients tame for
// scales fitted far from 1.
type Softplus struct{ Low float64 }

func (s Softplus) Forward(u *G.Node) (*G.Node, *G.Node, error) {
	b := builderFor(u)
	x := b.Softplus(u)
	if s.Low != 0 {
		x = b.Add(x, b.Const(s.Low))
	}
	ld := b.Sum(b.LogSigmoid(u))
	if err := b.Err(); err != nil {
		return nil, nil, fmt.Errorf("dist: Softplus.Forward: %w", err)
	}
	return x, ld, nil
}
func (s Softplus) ForwardHost(dst, u []float64) {
	for i, v := range u {
		dst[i] = s.Low + special.Softplus(v)
	}
}
func (s Softplus) InverseHost(dst, x []float64) error {
	for i, v := range x {
		y := v - s.Low
		if !(y > 0) || math.IsInf(y, 1) {
			return fmt.Errorf("dist: %v at element %d is not in (%v, ∞)", v, i, s.Low)
		}
		// u = log(eʸ − 1) = y + log(1 − e⁻ʸ)
		dst[i] = special.InverseSoftplus(y)
	}
	return nil
}
func (s Softplus) String() string {
	if s.Low == 0 {
		return "positive"
	}
	return fmt.Sprintf("greater than %g", s.Low)
}

// Sigmoid maps ℝ onto (0, 1) by x = σ(u), log|J| = Σ [log σ(u) + log σ(−u)].
type Sigmoid struct{}

func (Sigmoid) Forward(u *G.Node) (*G.Node, *G.Node, error) {
	b := builderFor(u)
	x := b.Sigmoid(u)
	ld := b.Sum(b.Add(b.LogSigmoid(u), b.LogSigmoid(b.Neg(u))))
	if err := b.Err(); err != nil {
		return nil, nil, fmt.Errorf("dist: Sigmoid.Forward: %w", err)
	}
	return x, ld, nil
}
func (Sigmoid) ForwardHost(dst, u []float64) {
	for i, v := range u {
		dst[i] = special.Sigmoid(v)
	}
}
func (Sigmoid) InverseHost(dst, x []float64) error {
	for i, v := range x {
		if !(v > 0 && v < 1) {
			return fmt.Errorf("dist: %v at element %d is not in (0, 1)", v, i)
		}
		dst[i] = math.Log(v) - math.Log1p(-v)
	}
	return nil
}
func (Sigmoid) String() string { return "unit interval" }
