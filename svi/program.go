package svi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// program is one compiled graph of the model and guide: the training
// program (a loss and its gradient) or an evaluation program (the loss and
// every particle's log weight, no gradient). It holds its own inputs:
// parameters, noise, data and derived values, copied in before each run.
type program struct {
	g       *G.ExprGraph
	gc      *GuideContext // the registries of parameters, noise and derived inputs
	vm      G.VM
	tape    *tape // runs vm
	loss    *G.Node
	logw    []G.Value // per-particle log importance weights, when read
	params  []paramDecl
	derived []derivedDecl
	noise   []noiseDecl
	normals dist.NormalFiller
	data    []dataDecl
	fed     []bool
	grads   *Params // nil for an evaluation program
}

// newProgram builds the guide and S instances of the model (one when
// vector) on a new graph and returns the program with its parts, not yet
// compiled.
func newProgram(model Model, guide Guide, sites []Site, cfg Config, S int, vector, train bool) (*program, *parts, error) {
	p := &program{g: G.NewGraph()}
	if train && cfg.DType == Float32 {
		graph.SetDtype(p.g, tensor.Float32)
	}
	gc := &GuideContext{g: p.g, particles: S, data: map[string]*G.Node{}, dataDecl: &p.data}
	if train && cfg.Estimator == ConcreteELBO {
		gc.temperature = cfg.Temperature
	}
	pt, err := buildParts(model, guide, sites, gc, cfg, vector, train)
	if err != nil {
		return nil, nil, err
	}
	if len(gc.params) == 0 {
		return nil, nil, errors.New("svi: the guide declares no parameters")
	}
	p.gc = gc
	return p, pt, nil
}

// seal takes the inputs declared on the graph, after the loss is built
// (capabilities such as the detached log q declare theirs on demand), and
// compiles the program of the given roots, dropping the derived inputs it
// does not read so that no step pays for filling them.
func (p *program) seal(roots G.Nodes, opts ...G.VMOpt) error {
	if err := p.gc.Err(); err != nil {
		return err
	}
	p.params, p.noise, p.derived = p.gc.params, p.gc.noise, p.gc.derived
	p.fed = make([]bool, len(p.data))
	prog := p.g.SubgraphRoots(roots...)
	// Gorgonia's compiler would merge nodes whose 32-bit hashes collide.
	graph.SeparateCollisions(prog)
	p.pruneDerived(prog)
	p.vm = G.NewTapeMachine(prog, opts...)
	return nil
}

// compileTrain compiles the loss of est and its gradient with respect to
// the guide's parameters.
func (p *program) compileTrain(pt *parts, est Estimator) error {
	if err := needsDiscreteEstimator(pt, est); err != nil {
		return err
	}
	obj, err := objectiveFor(est, pt)
	if err != nil {
		return err
	}
	report, surrogate, err := obj.loss(pt)
	if err != nil {
		return err
	}
	p.loss = report
	nodes := make(G.Nodes, len(p.gc.params))
	for i, d := range p.gc.params {
		nodes[i] = d.node
	}
	grads, err := G.Grad(surrogate, nodes...)
	if err != nil {
		return fmt.Errorf("svi: differentiating the ELBO: %w", err)
	}
	p.grads = NewParams()
	for _, d := range p.gc.params {
		_ = p.grads.Add(d.name, d.shape, make([]float64, size(d.shape)))
	}
	return p.seal(append(G.Nodes{p.loss}, grads...), G.BindDualValues(nodes...))
}

// compileEval compiles the trace estimate of the negative ELBO and reads
// every particle's log importance weight.
func (p *program) compileEval(pt *parts) error {
	lw, err := pt.logWeightsFor(TraceELBO)
	if err != nil {
		return fmt.Errorf("%w, so there are no importance weights", err)
	}
	p.loss = pt.b.Neg(pt.mean(lw))
	if err := pt.b.Err(); err != nil {
		return fmt.Errorf("svi: building the evaluation graph: %w", err)
	}
	p.logw = make([]G.Value, len(lw))
	roots := G.Nodes{p.loss}
	for s, n := range lw {
		roots = append(roots, G.Read(n, &p.logw[s]))
	}
	return p.seal(roots)
}

// pruneDerived drops the derived inputs the compiled program does not read.
func (p *program) pruneDerived(prog *G.ExprGraph) {
	used := map[*G.Node]bool{}
	for _, n := range prog.AllNodes() {
		used[n] = true
	}
	kept := p.derived[:0]
	for _, d := range p.derived {
		if used[d.node] {
			kept = append(kept, d)
		}
	}
	p.derived = kept
}

// fillNoise refills the noise inputs from r, in declaration order. pcg,
// when not nil, is r's source: the N(0, 1) inputs are then drawn by
// p.normals straight from it (the same values as r.NormFloat64, faster).
func (p *program) fillNoise(r *rand.Rand, pcg *rand.PCG) {
	for i := range p.noise {
		n := &p.noise[i]
		dst := staging(n.value, &n.host)
		if n.std && pcg != nil {
			p.normals.Fill(dst, pcg)
		} else {
			n.fill(dst, r)
		}
		commit(n.value, dst)
	}
}

// run loads ps into the graph, runs the program with the current noise and
// data, and returns the loss, with the gradient in p.grads when p has one.
func (p *program) run(ps *Params) (float64, error) {
	for i, d := range p.params {
		setFrom(d.value, ps.values[i])
		if p.grads == nil {
			continue
		}
		if gv, err := d.node.Grad(); err == nil {
			if gt, ok := gv.(*tensor.Dense); ok {
				gt.Zero()
			}
		}
	}
	for i := range p.derived {
		d := &p.derived[i]
		dst := staging(d.value, &d.host)
		d.fill(ps, dst)
		commit(d.value, dst)
	}
	if p.tape == nil {
		p.tape = newTape(p.vm)
	}
	if err := p.tape.run(); err != nil {
		return math.NaN(), fmt.Errorf("svi: running the graph: %w", err)
	}
	loss, err := ops.Scalar(p.loss.Value())
	if err != nil {
		return math.NaN(), fmt.Errorf("svi: the loss: %w", err)
	}
	if p.grads == nil {
		return loss, nil
	}
	for i, d := range p.params {
		gv, err := d.node.Grad()
		if err != nil {
			return loss, fmt.Errorf("svi: gradient of %s: %w", d.name, err)
		}
		gt, ok := gv.(*tensor.Dense)
		if !ok {
			return loss, fmt.Errorf("svi: gradient of %s has type %T", d.name, gv)
		}
		if err := getInto(p.grads.values[i], gt); err != nil {
			return loss, fmt.Errorf("svi: gradient of %s: %w", d.name, err)
		}
	}
	return loss, nil
}

// feed copies b's arrays into the program's data inputs. Names left out
// keep the values fed before; every declared array must have been fed
// before the first run.
func (p *program) feed(b Batch) error {
	for name := range b {
		if !slices.ContainsFunc(p.data, func(d dataDecl) bool { return d.name == name }) {
			return fmt.Errorf("svi: batch has %q, which the model does not declare as data", name)
		}
	}
	for i, d := range p.data {
		v, ok := b[d.name]
		if !ok {
			if !p.fed[i] {
				return fmt.Errorf("svi: no value given for data %q", d.name)
			}
			continue
		}
		n := d.value.Shape().TotalSize()
		tile := max(d.tile, 1)
		if len(v)*tile != n {
			return fmt.Errorf("svi: data %q has %d values, the model declares shape %v (%d values)", d.name, len(v), d.shape, n/tile)
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("svi: data %q element %d is %v", d.name, j, x)
			}
		}
		dst := staging(d.value, &p.data[i].host)
		for k := range tile {
			copy(dst[k*len(v):], v)
		}
		commit(d.value, dst)
		p.fed[i] = true
	}
	return nil
}
