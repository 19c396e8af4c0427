package svi

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/govi/govi/ops"
)

// evalParticles is the number of particles of the evaluation program.
const evalParticles = 16

// evaluation returns the evaluation program fed with b: a graph of its own
// with evalParticles particles of the model, the trace estimate of the
// negative ELBO and every particle's log importance weight, and data inputs
// of its own, so that evaluating never changes what the next Step trains
// on. Names b leaves out keep the values of the previous evaluation.
func (t *Trainer) evaluation(st *State, b Batch) (*program, error) {
	if err := t.checkState(st); err != nil {
		return nil, err
	}
	if t.eval == nil {
		p, pt, err := newProgram(t.model, t.guide, t.sites, t.cfg, evalParticles, false, false)
		if err != nil {
			return nil, err
		}
		if err := p.compileEval(pt); err != nil {
			return nil, err
		}
		t.eval = p
	}
	if err := t.eval.feed(b); err != nil {
		return nil, fmt.Errorf("%w (the evaluation methods take their data in their own batch)", err)
	}
	return t.eval, nil
}

// LogWeights returns n log importance ratios log p(x, z) + log|J| − log q(u)
// for draws z ~ q at st's parameters, on the data in b, with noise from a
// source seeded by seed (st's own source is not used). b must hold every
// array the model declares with M.Data, unless an earlier evaluation fed
// it; the training graph's data is neither used nor changed.
func (t *Trainer) LogWeights(st *State, b Batch, n int, seed uint64) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("svi: LogWeights needs n ≥ 1, got %d", n)
	}
	p, err := t.evaluation(st, b)
	if err != nil {
		return nil, err
	}
	r := rand.New(NewRNG(seed))
	out := make([]float64, 0, n)
	for len(out) < n {
		p.fillNoise(r, nil)
		if _, err := p.run(st.Params); err != nil {
			return nil, err
		}
		for _, v := range p.logw {
			x, err := ops.Scalar(v)
			if err != nil {
				return nil, fmt.Errorf("svi: a log weight: %w", err)
			}
			out = append(out, x)
		}
	}
	return out[:n], nil
}

// ELBO estimates the ELBO at st's parameters on the data in b from draws
// draws of q (the mean of their log importance weights; see LogWeights),
// with noise from a source seeded by seed. It returns the estimate and its
// Monte Carlo standard error.
func (t *Trainer) ELBO(st *State, b Batch, draws int, seed uint64) (elbo, stderr float64, err error) {
	if draws < 1 {
		return 0, 0, fmt.Errorf("svi: ELBO needs at least one draw, got %d", draws)
	}
	lw, err := t.LogWeights(st, b, draws, seed)
	if err != nil {
		return 0, 0, err
	}
	elbo, stderr, err = meanStdErr(lw)
	if err != nil {
		return 0, 0, &NonFiniteError{Iter: st.Iter, Loss: elbo, What: "log importance weight", Index: -1}
	}
	return elbo, stderr, nil
}

// meanStdErr returns the mean of x and its standard error (0 for one
// value), or an error when a value is not finite.
func meanStdErr(x []float64) (mean, stderr float64, err error) {
	var sum, sumsq float64
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return v, 0, fmt.Errorf("svi: non-finite value %v", v)
		}
		sum += v
		sumsq += v * v
	}
	n := float64(len(x))
	mean = sum / n
	if len(x) > 1 {
		stderr = math.Sqrt(math.Max(sumsq-n*mean*mean, 0) / (n - 1) / n)
	}
	return mean, stderr, nil
}
