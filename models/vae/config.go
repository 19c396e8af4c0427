package vae

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/ops"
)

// Defaults of the zero Config fields.
const (
	DefaultLatent = 2   // latent dimensions L
	DefaultHidden = 200 // width of the one hidden layer of encoder and decoder
)

// Likelihood is the decoder's observation model p(x | z).
type Likelihood int

const (
	// Bernoulli: every pixel xⱼ ∈ {0, 1} with P(xⱼ = 1) = σ(fⱼ(z)), f the
	// decoder's output logits. The zero value.
	Bernoulli Likelihood = iota
	// Gaussian: xⱼ ~ N(fⱼ(z), s²) with one scale s for all pixels, learned
	// (s = softplus(ρ)) unless Config.NoiseScale fixes it.
	Gaussian
)

var likelihoodNames = []string{"bernoulli", "gaussian"}

func (l Likelihood) String() string {
	if l >= 0 && int(l) < len(likelihoodNames) {
		return likelihoodNames[l]
	}
	return "Likelihood(" + strconv.Itoa(int(l)) + ")"
}

// ParseLikelihood returns the likelihood named s: bernoulli or gaussian.
func ParseLikelihood(s string) (Likelihood, error) {
	for i, n := range likelihoodNames {
		if n == s {
			return Likelihood(i), nil
		}
	}
	return 0, fmt.Errorf("vae: unknown likelihood %q (want bernoulli or gaussian)", s)
}

// Config describes a VAE. The zero value, given Dim, is a 2-D latent space
// with one hidden layer of 200 ReLU units in the encoder and the decoder, a
// Bernoulli decoder and a mean-field Gaussian encoder.
type Config struct {
	Dim    int // pixels (columns) D of a datum; required
	Latent int // latent dimensions L; 0 means DefaultLatent
	// Hidden are the encoder's hidden widths; the decoder uses them in
	// reverse order. Nil means one layer of DefaultHidden units.
	Hidden []int
	// Linear drops the hidden layers: encoder and decoder are affine maps
	// (with a Gaussian likelihood this is probabilistic PCA).
	Linear     bool
	Activation ops.Activation // of every hidden layer
	Likelihood Likelihood
	// NoiseScale, when positive, fixes the Gaussian likelihood's scale;
	// 0 learns it.
	NoiseScale float64
	// Covariance of the encoder's q(z | x): guides.Diagonal (mean field)
	// or guides.Cholesky (full).
	Covariance guides.Covariance
	// InitScale is the encoder's initial σ (see guides.Amortized); 0 means
	// guides.DefaultInitScale.
	InitScale float64
	// InitNoise is the Gaussian likelihood's initial learned scale; 0
	// means 1.
	InitNoise float64
}

func (c Config) withDefaults() Config {
	if c.Latent == 0 {
		c.Latent = DefaultLatent
	}
	switch {
	case c.Linear:
		c.Hidden = nil
	case c.Hidden == nil:
		c.Hidden = []int{DefaultHidden}
	default:
		c.Hidden = slices.Clone(c.Hidden)
	}
	if c.InitNoise == 0 {
		c.InitNoise = 1
	}
	return c
}

// Validate reports a field outside its range.
func (c Config) Validate() error {
	switch {
	case c.Dim < 1:
		return fmt.Errorf("vae: Dim must be at least 1, got %d", c.Dim)
	case c.Latent < 0:
		return fmt.Errorf("vae: Latent must be positive, got %d", c.Latent)
	case c.Likelihood != Bernoulli && c.Likelihood != Gaussian:
		return fmt.Errorf("vae: unknown likelihood %v", c.Likelihood)
	case !(c.NoiseScale >= 0) || math.IsInf(c.NoiseScale, 0):
		return fmt.Errorf("vae: NoiseScale must be non-negative and finite, got %v", c.NoiseScale)
	case !(c.InitNoise >= 0) || math.IsInf(c.InitNoise, 0):
		return fmt.Errorf("vae: InitNoise must be non-negative and finite, got %v", c.InitNoise)
	}
	if c.Linear && len(c.Hidden) > 0 {
		return fmt.Errorf("vae: Linear excludes hidden layers, got %v", c.Hidden)
	}
	for i, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("vae: hidden layer %d has width %d", i, h)
		}
	}
	return c.withDefaults().encoder().Validate()
}

// encoder returns the amortized guide of c (defaults filled in).
func (c Config) encoder() guides.Amortized {
	return guides.Amortized{Input: DataName, Dim: c.Dim, Hidden: c.Hidden, Activation: c.Activation,
		Covariance: c.Covariance, InitScale: c.InitScale}
}

// decoderSizes returns the widths L, hidden (reversed)…, D.
func (c Config) decoderSizes() []int {
	s := []int{c.Latent}
	for i := len(c.Hidden) - 1; i >= 0; i-- {
		s = append(s, c.Hidden[i])
	}
	return append(s, c.Dim)
}
