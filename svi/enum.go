package svi

import (
	"fmt"
	"maps"

	G "gorgonia.org/gorgonia"
)

// MaxEnumerated bounds the model instances the enum estimator builds per
// graph: S particles × the joint states of the global discrete sites × the
// joint states of one row of the plate's discrete sites. Each instance is
// a copy of the model in the graph, so the bound keeps a step's graph to a
// size gorgonia compiles and runs in reasonable time (K = 10 binary
// factors per row is 1,024 instances).
const MaxEnumerated = 1024

// enumeration describes the instances of an enum training graph: instance
// (s·G + g)·R + r is particle s's continuous draws with the global
// discrete sites in joint state g and every row of the plate's discrete
// sites in joint state r.
type enumeration struct {
	S, G, R int
	global  []Site
	rows    []Site
	gVals   []map[string]*G.Node // per global state, each global discrete site's value
	rVals   []map[string]*G.Node // per row state, each plate discrete site's value
}

// enumerate returns the draws of every instance of the enumeration: each
// particle's draws with the discrete sites replaced by each joint state.
func (p *parts) enumerate(g *G.ExprGraph, draws []map[string]*G.Node) ([]map[string]*G.Node, error) {
	e := &enumeration{S: len(draws)}
	for _, s := range p.sites {
		if !s.Discrete() {
			continue
		}
		if s.Plate > 0 {
			e.rows = append(e.rows, s)
		} else {
			e.global = append(e.global, s)
		}
	}
	var err error
	if e.gVals, err = jointStates(g, e.global, e.S); err != nil {
		return nil, err
	}
	if e.rVals, err = jointStates(g, e.rows, e.S*len(e.gVals)); err != nil {
		return nil, err
	}
	e.G, e.R = len(e.gVals), len(e.rVals)
	out := make([]map[string]*G.Node, 0, e.S*e.G*e.R)
	for _, d := range draws {
		for _, gv := range e.gVals {
			for _, rv := range e.rVals {
				m := maps.Clone(d)
				maps.Copy(m, gv)
				maps.Copy(m, rv)
				out = append(out, m)
			}
		}
	}
	p.enum = e
	return out, nil
}

// cells returns the number of independent discrete values in one draw of
// s (one row of a plate site): elements, or one-hot rows for a
// Categorical site.
func cells(s Site) int {
	shape := s.Shape
	if s.Plate > 0 {
		shape = shape[1:]
	}
	n := size(shape)
	if s.Event == 1 {
		n /= s.States
	}
	return n
}

// jointStates returns one map of constant values per joint state of the
// sites (one map with no entries when there are none). mult is the number
// of instances each state will be built for, to enforce MaxEnumerated.
func jointStates(g *G.ExprGraph, sites []Site, mult int) ([]map[string]*G.Node, error) {
	counts := make([]int, len(sites))
	total := 1
	for i, s := range sites {
		c := 1
		for range cells(s) {
			c *= s.States
			if c*total*mult > MaxEnumerated {
				return nil, fmt.Errorf("svi: the enum estimator would build more than %d model instances (site %q alone has %d^%d states per draw, with %d instances before it): use score, vimco or concrete", MaxEnumerated, s.Name, s.States, cells(s), total*mult)
			}
		}
		counts[i] = c
		total *= c
	}
	out := make([]map[string]*G.Node, total)
	for idx := range out {
		out[idx] = map[string]*G.Node{}
		rest := idx
		for i, s := range sites {
			out[idx][s.Name] = stateValue(g, s, rest%counts[i], idx)
			rest /= counts[i]
		}
	}
	return out, nil
}

// stateValue returns a constant holding state number k of site s: its
// cells read as the digits of k in base s.States (Bernoulli elements 0/1,
// one-hot rows for a Categorical site), repeated on every row of a plate.
func stateValue(g *G.ExprGraph, s Site, k, joint int) *G.Node {
	n, t := input(g, fmt.Sprintf("enum/%s/%d", s.Name, joint), s.Shape)
	v := t.Float64s()
	per := len(v)
	if s.Plate > 0 {
		per /= s.Plate
	}
	one := make([]float64, per)
	digit := k
	for c := range cells(s) {
		d := digit % s.States
		digit /= s.States
		if s.Event == 1 {
			one[c*s.States+d] = 1
		} else {
			one[c] = float64(d)
		}
	}
	for off := 0; off < len(v); off += per {
		copy(v[off:off+per], one)
	}
	return n
}
