package bnn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
)

// The priors of the network's sites as fused log-densities: each LogProb is
// one operation returning the scalar sum of the elementwise log-density
// (svi sums a prior's log-density over the site anyway), with a one-op
// gradient. The generic dist.Normal log-density costs nine operations
// forward and about fifteen backward per site and particle, which
// dominated the step.

// normalPrior is N(0, σ²) on every element:
//
//	log p(w) = −Σᵢ wᵢ²/(2σ²) − n (log σ + ½ log 2π)
type normalPrior struct{ scale float64 }

func (p normalPrior) LogProb(x *G.Node) (*G.Node, error) {
	return applyPrior(priorOp{kind: "normal", a: p.scale, dims: x.Shape().Dims()}, x)
}

// gammaPrior is Gamma(a, b) (shape a, rate b) on a positive scalar, the
// density of dist.Gamma in one operation (ops_test.go checks the two agree):
//
//	log p(τ) = a log b − log Γ(a) + (a − 1) log τ − b τ
type gammaPrior struct{ a, b float64 }

// Support is the positive half-line.
func (p gammaPrior) Support() dist.Bijector { return dist.Positive }

func (p gammaPrior) LogProb(x *G.Node) (*G.Node, error) {
	return applyPrior(priorOp{kind: "gamma", a: p.a, b: p.b, dims: x.Shape().Dims()}, x)
}

func applyPrior(op priorOp, x *G.Node) (*G.Node, error) {
	if err := checkF64(op.String(), x); err != nil {
		return nil, err
	}
	n, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("bnn: %s prior: %w", op.kind, err)
	}
	return n, nil
}

// priorOp is the summed log-density of a normal (a = σ) or gamma (a, b)
// prior; with grad set it is instead the gradient g·∂/∂x, taking x and the
// incoming scalar gradient g.
type priorOp struct {
	ops.PlainOp
	kind string
	a, b float64
	dims int
	grad bool
}

var _ G.SDOp = priorOp{}

func (op priorOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op priorOp) Type() hm.Type {
	if op.grad {
		return hm.NewFnType(ops.FloatType(op.dims), ops.FloatType(0), ops.FloatType(op.dims))
	}
	return hm.NewFnType(ops.FloatType(op.dims), ops.FloatType(0))
}
func (op priorOp) String() string {
	if op.grad {
		return op.kind + "PriorGrad"
	}
	return op.kind + "Prior"
}
func (op priorOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/bnn.prior{%s,%v,%v,%d,%v}", op.kind, op.a, op.b, op.dims, op.grad)
}
func (op priorOp) Hashcode() uint32 { return ops.HashOf(op.WriteHash) }

func (op priorOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), in, op.Arity())
	if err != nil {
		return nil, err
	}
	if op.grad {
		return s[0].Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

func (op priorOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("bnn: %s takes %d inputs, got %d", op, op.Arity(), len(in))
	}
	x, err := floatsOf(in[0])
	if err != nil {
		return nil, fmt.Errorf("bnn: %s: %w", op, err)
	}
	if !op.grad {
		var lp float64
		switch op.kind {
		case "normal":
			var ss float64
			for _, v := range x {
				ss += v * v
			}
			lp = -0.5*ss/(op.a*op.a) - float64(len(x))*(math.Log(op.a)+special.LogSqrt2Pi)
		case "gamma": // elementwise: one value, or one per particle
			lg, _ := math.Lgamma(op.a)
			for _, v := range x {
				lp += op.a*math.Log(op.b) - lg + (op.a-1)*math.Log(v) - op.b*v
			}
		}
		return G.NewF64(lp), nil
	}
	g, err := scalarOf(in[1])
	if err != nil {
		return nil, fmt.Errorf("bnn: %s: %w", op, err)
	}
	d := make([]float64, len(x))
	switch op.kind {
	case "normal":
		for i, v := range x {
			d[i] = -g * v / (op.a * op.a)
		}
	case "gamma":
		for i, v := range x {
			d[i] = g * ((op.a-1)/v - op.b)
		}
	}
	return valueShaped(in[0].Shape(), d), nil
}

func (op priorOp) DiffWRT(int) []bool { return []bool{!op.grad, false}[:op.Arity()] }

func (op priorOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("bnn: %s has no second derivative", op)
	}
	gop := op
	gop.grad = true
	n, err := G.ApplyOp(gop, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("bnn: %s gradient: %w", op, err)
	}
	return G.Nodes{n}, nil
}
