package bnn

import (
	"fmt"
	"math"
)

// Task selects the likelihood.
type Task int

const (
	// Regression: y ~ N(f(x), 1/τ) with a latent noise precision τ.
	Regression Task = iota
	// Classification: y ~ Categorical(softmax f(x)), or Bernoulli(σ(f(x)))
	// for two classes.
	Classification
)

var taskNames = []string{"regression", "classification"}

func (t Task) String() string { return enumString(taskNames, int(t), "Task") }

// ParseTask returns the task named s: regression or classification.
func ParseTask(s string) (Task, error) { return parseEnum[Task](taskNames, s, "task") }

// Defaults of the zero Config fields.
const (
	DefaultPriorScale = 1.0 // σ_p of the N(0, σ_p²) weight prior
	DefaultNoiseShape = 6.0 // a of the Gamma(a, b) prior on τ (PBP's)
	DefaultNoiseRate  = 6.0 // b of the Gamma(a, b) prior on τ (PBP's)
)

// Config describes the network and its priors. The zero value of every
// field is valid: with no hidden layers the network is a Bayesian linear
// model (linear regression, or logistic / softmax regression).
type Config struct {
	// Hidden lists the units of each hidden layer, input side first, each
	// at least 1. None (nil or empty) means no hidden layer: the inputs
	// feed the output layer directly, f(x) = x W + b.
	Hidden []int
	// Activation is the hidden layers' nonlinearity (ReLU by default).
	Activation Activation
	// Task selects the likelihood (Regression by default).
	Task Task
	// Classes is the number of classes K ≥ 2 for classification (two
	// classes use a single logit); it must be 0 for regression.
	Classes int
	// PriorScale is σ_p of the N(0, σ_p²) prior on every weight and bias;
	// 0 means DefaultPriorScale.
	PriorScale float64
	// FanIn divides each layer's prior standard deviation by the square
	// root of its number of inputs, σ_l = σ_p/√fan-in (Neal 1996, and the
	// 1/√(V+1) input scaling of PBP), so that the prior predictive of the
	// output stays O(1) whatever the width. Without it every weight has
	// prior N(0, σ_p²), as in Blundell et al. (2015).
	FanIn bool
	// NoiseShape and NoiseRate are a and b of the Gamma(a, b) prior
	// (shape, rate; mean a/b) on the noise precision τ of standardized
	// targets; 0 means DefaultNoiseShape and DefaultNoiseRate. Unused for
	// classification.
	NoiseShape, NoiseRate float64
	// LocalReparam draws each layer's pre-activations from their exact
	// distribution under the mean-field guide, one draw per row
	// ([ops.LocalDense], Kingma, Salimans & Welling 2015), instead of
	// pushing the minibatch through one weight draw. It needs the
	// MeanField guide and an estimator other than iwae; predictions still
	// use whole weight draws.
	LocalReparam bool
	// PriorShape and PriorRate, when PriorShape is positive, put a
	// Gamma(PriorShape, PriorRate) hyperprior on each layer's prior
	// precision λ_l, a latent site ([PrecisionSite]): W_l, b_l ~ N(0, 1/λ_l),
	// so that the data choose each layer's prior scale (PriorScale and
	// FanIn are then not used). Zero means a fixed prior scale.
	PriorShape, PriorRate float64
	// EmpiricalBayes sets each layer's prior variance s_l² before every
	// step to its empirical-Bayes value given q, (1/n) Σᵢ (μᵢ² + σᵢ²) over
	// the layer's n weights and biases (Wu et al. 2019, §4; see
	// EBVariance), instead of a fixed PriorScale or a Gamma hyperprior. It
	// needs a guide with marginal moments (every guide here).
	EmpiricalBayes bool
	// Heteroscedastic gives a regression network a second output, the log
	// noise variance of each row, y ~ N(f(x), exp(h(x))), in place of the
	// global noise precision τ (NoiseShape and NoiseRate are then unused).
	Heteroscedastic bool
	// Skip adds a linear skip path to the output of a regression network
	// with hidden layers:
	//
	//	f(x) = MLP(x) + x·β,  β ~ N(0, σ_β²) elementwise ([SkipSite], [D, outputs])
	//
	// so that the network contains the Bayesian linear model. β has its
	// own prior, treated as every layer's: N(0, PriorScale²) (divided by
	// √D with FanIn), its own Gamma hyperprior on the precision with
	// PriorShape ([PrecisionSite] of SkipLayer: "skip/lambda"), or its
	// own empirical-Bayes variance with EmpiricalBayes. Networks without
	// hidden layers and classification networks have no skip path
	// whatever Skip says. It is off by default: on validation cuts of
	// training splits it helped on linear data and lost on Old Faithful,
	// Boston, concrete and, by up to 0.37 nats, energy (UCI_RESULTS.md,
	// issue #19).
	Skip bool
}

// skip reports whether the network has the linear skip path x·β in its
// output: Skip, for a regression network with hidden layers.
func (c Config) skip() bool {
	return c.Skip && c.Task == Regression && len(c.Hidden) > 0
}

func (c Config) withDefaults() Config {
	if c.PriorScale == 0 {
		c.PriorScale = DefaultPriorScale
	}
	if c.NoiseShape == 0 {
		c.NoiseShape = DefaultNoiseShape
	}
	if c.NoiseRate == 0 {
		c.NoiseRate = DefaultNoiseRate
	}
	return c
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	c = c.withDefaults()
	for i, h := range c.Hidden {
		if h <= 0 {
			return fmt.Errorf("bnn: hidden layer %d has %d units; need at least 1", i, h)
		}
	}
	if !c.Activation.Valid() || c.Activation == Identity {
		return fmt.Errorf("bnn: unknown hidden activation %v (want relu or tanh)", c.Activation)
	}
	switch c.Task {
	case Regression:
		if c.Classes != 0 {
			return fmt.Errorf("bnn: Classes must be 0 for regression, got %d", c.Classes)
		}
	case Classification:
		if c.Classes < 2 {
			return fmt.Errorf("bnn: classification needs at least 2 classes, got %d", c.Classes)
		}
	default:
		return fmt.Errorf("bnn: unknown task %v", c.Task)
	}
	if c.PriorShape < 0 || math.IsNaN(c.PriorShape) || c.PriorRate < 0 || math.IsNaN(c.PriorRate) {
		return fmt.Errorf("bnn: PriorShape and PriorRate must not be negative, got %v and %v", c.PriorShape, c.PriorRate)
	}
	if c.PriorShape > 0 {
		if !(c.PriorRate > 0) || math.IsInf(c.PriorRate, 0) || math.IsInf(c.PriorShape, 0) {
			return fmt.Errorf("bnn: the prior-precision hyperprior Gamma(%v, %v) needs a positive finite shape and rate", c.PriorShape, c.PriorRate)
		}
		if c.FanIn {
			return fmt.Errorf("bnn: FanIn scales a fixed prior; it cannot be combined with the hyperprior (PriorShape)")
		}
	} else if c.PriorRate != 0 {
		return fmt.Errorf("bnn: PriorRate %v given without PriorShape", c.PriorRate)
	}
	if err := c.checkEB(); err != nil {
		return err
	}
	if err := c.checkHetero(); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"PriorScale", c.PriorScale}, {"NoiseShape", c.NoiseShape}, {"NoiseRate", c.NoiseRate}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("bnn: %s must be positive and finite, got %v", p.name, p.v)
		}
	}
	return nil
}

// priorScale returns the prior standard deviation of layer l's weights
// and biases, whose inputs number fanIn.
func (c Config) priorScale(fanIn int) float64 {
	if c.FanIn {
		return c.PriorScale / math.Sqrt(float64(fanIn))
	}
	return c.PriorScale
}

// outputs returns the width of the output layer.
func (c Config) outputs() int {
	if c.Task == Classification && c.Classes > 2 {
		return c.Classes
	}
	if c.Heteroscedastic {
		return 2 // the mean and the log noise variance
	}
	return 1
}

// layerSizes returns the widths of all layers, inputs first.
func (c Config) layerSizes(inputs int) []int {
	s := append([]int{inputs}, c.Hidden...)
	return append(s, c.outputs())
}

// WeightSite and BiasSite name the latent sites of layer l (0 is the first
// hidden layer, len(Hidden) the output layer): "layer<l>/w" of shape
// [in, out] and "layer<l>/b" of shape [out].
func WeightSite(l int) string { return fmt.Sprintf("layer%d/w", l) }

// BiasSite names the bias site of layer l; see WeightSite.
func BiasSite(l int) string { return fmt.Sprintf("layer%d/b", l) }

// PrecisionSite names the site of layer l's prior precision λ_l, present
// when Config.PriorShape is positive; l = SkipLayer names the skip path's
// ("skip/lambda").
func PrecisionSite(l int) string {
	if l == SkipLayer {
		return "skip/lambda"
	}
	return fmt.Sprintf("layer%d/lambda", l)
}

// SkipSite is the site of the linear skip path's weights β ([inputs,
// outputs]; see Config.Skip), and SkipLayer the index that names its
// prior where layers are numbered (PrecisionSite).
const (
	SkipSite  = "skip/w"
	SkipLayer = -1
)

// priorGroup is a set of sites that share one prior N(0, s²): a layer's
// weights and biases, or the skip path's weights. fanIn is the number of
// inputs of its units, data the name of the fed empirical-Bayes sd, and
// layer its index (SkipLayer for the skip path).
type priorGroup struct {
	sites []string
	fanIn int
	layer int
	data  string
}

// priorGroups returns the network's prior groups, layers input side first,
// then the skip path if it has one.
func (c Config) priorGroups(inputs int) []priorGroup {
	sizes := c.layerSizes(inputs)
	var out []priorGroup
	for l := 0; l+1 < len(sizes); l++ {
		out = append(out, priorGroup{sites: []string{WeightSite(l), BiasSite(l)}, fanIn: sizes[l], layer: l, data: ebData(l)})
	}
	if c.skip() {
		out = append(out, priorGroup{sites: []string{SkipSite}, fanIn: inputs, layer: SkipLayer, data: ebData(SkipLayer)})
	}
	return out
}

// NoiseSite is the site of the noise precision τ (regression only).
const NoiseSite = "tau"
