package dist

import G "gorgonia.org/gorgonia"

// LogProber builds the elementwise log-density (or log-mass) of x.
type LogProber interface {
	LogProb(x *G.Node) (*G.Node, error)
}

// Rsampler builds a reparameterized draw from standard noise eps, whose
// distribution is given by the implementation (standard normal for Normal).
type Rsampler interface {
	Rsample(eps *G.Node) (*G.Node, error)
}

// RsampleLogProber is a reparameterizable distribution with a density.
type RsampleLogProber interface {
	LogProber
	Rsampler
}

// Supporter is implemented by distributions whose support is not the whole
// real line; Support returns the bijector from ℝ onto the support.
type Supporter interface {
	Support() Bijector
}

// Entropier is implemented by distributions with a closed-form entropy; the
// returned node is elementwise, like LogProb.
type Entropier interface {
	Entropy() (*G.Node, error)
}

// SupportOf returns d's support bijector, or Real when d does not implement
// Supporter.
func SupportOf(d any) Bijector {
	if s, ok := d.(Supporter); ok {
		return s.Support()
	}
	return Real
}
