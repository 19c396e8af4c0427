package svi

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
)

// GuideContext is the graph a guide builds on, with the registries of its
// learnable parameters and of the noise the trainer refills every step.
type GuideContext struct {
	g         *G.ExprGraph
	particles int
	params    []paramDecl
	noise     []noiseDecl
	derived   []derivedDecl
	data      map[string]*G.Node
	dataDecl  *[]dataDecl
	err       error
	// temperature is the Concrete relaxation's temperature while the
	// concrete estimator's training graph is built, 0 otherwise.
	temperature float64
	// avgBaseline is the running-average baseline the score estimator
	// reads, set by the trainer before every step (see baseline.go).
	avgBaseline float64
}

type paramDecl struct {
	name  string
	shape []int
	init  func(dst []float64, r *rand.Rand)
	node  *G.Node
	value *tensor.Dense
}

// derivedDecl is an input refilled before every run from the current
// parameter values (a detached copy, or a host-computed function of them).
type derivedDecl struct {
	name  string
	node  *G.Node
	value *tensor.Dense
	fill  func(p *Params, dst []float64)
	host  []float64 // fill's float64 staging for a float32 input
}

type noiseDecl struct {
	name  string
	node  *G.Node
	value *tensor.Dense
	fill  func(dst []float64, r *rand.Rand)
	host  []float64 // fill's float64 staging for a float32 input
	std   bool      // fill is dist.FillStdNormal (dist.NormalFiller draws the same)
}

// Graph returns the training graph.
func (c *GuideContext) Graph() *G.ExprGraph { return c.g }

// Particles returns the number of particles S the guide must draw.
func (c *GuideContext) Particles() int { return c.particles }

// Temperature returns the temperature τ > 0 of the Concrete relaxation
// when the graph being built trains with the concrete estimator, and 0
// otherwise. A discrete guide then draws relaxed values (a Bernoulli
// element as σ((l + L)/τ), L logistic noise; a Categorical row as
// softmax((l + g)/τ), g Gumbel noise) in place of 0/1 and one-hot ones.
func (c *GuideContext) Temperature() float64 { return c.temperature }

// Err returns the first error recorded by Param or Noise.
func (c *GuideContext) Err() error { return c.err }

// Param declares a learnable parameter and returns its input node. Shape
// must have at least one dimension (a scalar is shape [1]). init fills the
// initial value when [Trainer.Init] creates a state; nil means zeros.
func (c *GuideContext) Param(name string, shape []int, init func(dst []float64, r *rand.Rand)) *G.Node {
	if c.err != nil {
		return nil
	}
	if len(shape) == 0 {
		c.err = fmt.Errorf("svi: parameter %q needs a shape (use [1] for a scalar)", name)
		return nil
	}
	for _, p := range c.params {
		if p.name == name {
			c.err = fmt.Errorf("svi: parameter %q declared twice", name)
			return nil
		}
	}
	n, t := input(c.g, name, shape)
	c.params = append(c.params, paramDecl{name: name, shape: shape, init: init, node: n, value: t})
	return n
}

// StdNormal declares a noise input of the given shape that the trainer fills
// with independent N(0, 1) draws before every step.
func (c *GuideContext) StdNormal(name string, shape []int) *G.Node {
	n := c.Noise(name, shape, dist.FillStdNormal)
	if n != nil {
		c.noise[len(c.noise)-1].std = true
	}
	return n
}

// Noise declares a noise input filled by fill from the state's random source
// before every step, in the order of declaration.
func (c *GuideContext) Noise(name string, shape []int, fill func(dst []float64, r *rand.Rand)) *G.Node {
	if c.err != nil {
		return nil
	}
	if len(shape) == 0 {
		c.err = fmt.Errorf("svi: noise %q needs a shape (use [1] for a scalar)", name)
		return nil
	}
	n, t := input(c.g, "noise/"+name, shape)
	c.noise = append(c.noise, noiseDecl{name: name, node: n, value: t, fill: fill})
	return n
}

// Derived declares an input of the given shape that the trainer fills before
// every run by calling fill with the current parameter values. Gradients do
// not flow into it: it is how a guide holds its parameters fixed (see
// Detached) or feeds a host-computed function of them, such as the inverse
// of a Cholesky factor.
func (c *GuideContext) Derived(name string, shape []int, fill func(p *Params, dst []float64)) *G.Node {
	if c.err != nil {
		return nil
	}
	if len(shape) == 0 {
		c.err = fmt.Errorf("svi: derived input %q needs a shape", name)
		return nil
	}
	n, t := input(c.g, "derived/"+name, shape)
	c.derived = append(c.derived, derivedDecl{name: name, node: n, value: t, fill: fill})
	return n
}

// Detached returns an input holding a copy of the named parameter's current
// value, through which no gradient flows (a stop-gradient).
func (c *GuideContext) Detached(param string) *G.Node {
	if c.err != nil {
		return nil
	}
	for _, p := range c.params {
		if p.name == param {
			return c.Derived(param+"/detached", p.shape, func(ps *Params, dst []float64) {
				v, _ := ps.Get(param)
				copy(dst, v)
			})
		}
	}
	c.err = fmt.Errorf("svi: Detached: no parameter %q", param)
	return nil
}

// Data returns the data input the model declares (or will declare) with
// M.Data under name, so that a guide can read the batch: an amortized
// encoder maps it to the parameters of q(z | x). The shapes must agree.
func (c *GuideContext) Data(name string, shape ...int) *G.Node {
	if c.err != nil {
		return nil
	}
	n, err := declareData(c.g, c.data, c.dataDecl, name, shape)
	if err != nil {
		c.err = err
		return nil
	}
	return n
}
