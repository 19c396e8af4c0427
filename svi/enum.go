package svi

import (
	"fmt"
	"maps"

	G "gorgonia.org/gorgonia"
)

// MaxEnumerated bounds the model instances the enum estimator builds per
// graph: S particles × the joint states of the global discrete sites.
// Each instance is a copy of the model in the graph, so the bound keeps a
// step's graph to a size gorgonia compiles and runs in reasonable time.
const MaxEnumerated = 256

// MaxRowStates bounds the joint states of one row of the plate's discrete
// sites (K = 16 binary factors per row is 65,536), and MaxEnumeratedRows
// the rows of the expanded plate, states × rows (a model's plate arrays
// grow by the number of states).
const (
	MaxRowStates      = 1 << 16
	MaxEnumeratedRows = 1 << 22
)

// enumeration describes the instances of an enum training graph: instance
// s·G + g is particle s's continuous draws with the global discrete sites
// in joint state g. The plate's discrete sites are enumerated inside each
// instance: the plate of n rows is expanded to R·n rows, block r of which
// holds every row in joint state r (M.Plate returns R·n), so one model
// instance evaluates all the states of every row at once.
type enumeration struct {
	S, G, R int
	n       int // the plate's rows
	global  []Site
	rows    []Site
	gVals   []map[string]*G.Node // per global state, each global discrete site's value
	rVals   map[string]*G.Node   // each plate discrete site's value in the expanded plate
}

// enumerate returns the draws of every instance of the enumeration: each
// particle's draws with the global discrete sites replaced by each joint
// state and the plate's discrete sites by the expanded states.
func (p *parts) enumerate(g *G.ExprGraph, draws []map[string]*G.Node) ([]map[string]*G.Node, error) {
	e := &enumeration{S: len(draws), R: 1}
	for _, s := range p.sites {
		if !s.Discrete() {
			continue
		}
		if s.Plate > 0 {
			e.rows, e.n = append(e.rows, s), s.Plate
		} else {
			e.global = append(e.global, s)
		}
	}
	var err error
	if e.gVals, err = jointStates(g, e.global, e.S); err != nil {
		return nil, err
	}
	e.G = len(e.gVals)
	if e.rVals, e.R, err = rowStates(g, e.rows, e.n); err != nil {
		return nil, err
	}
	out := make([]map[string]*G.Node, 0, e.S*e.G)
	for _, d := range draws {
		for _, gv := range e.gVals {
			m := maps.Clone(d)
			maps.Copy(m, gv)
			maps.Copy(m, e.rVals)
			out = append(out, m)
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

// stateCount returns s.States^cells(s), or an error once it passes limit.
func stateCount(s Site, limit int, what string) (int, error) {
	c := 1
	for range cells(s) {
		c *= s.States
		if c > limit {
			return 0, fmt.Errorf("svi: the enum estimator would enumerate more than %d %s (site %q has %d^%d states per draw): use score, vimco or concrete", limit, what, s.Name, s.States, cells(s))
		}
	}
	return c, nil
}

// jointStates returns one map of constant values per joint state of the
// global sites (one map with no entries when there are none). mult is the
// number of instances each state will be built for, to enforce
// MaxEnumerated.
func jointStates(g *G.ExprGraph, sites []Site, mult int) ([]map[string]*G.Node, error) {
	counts := make([]int, len(sites))
	total := 1
	for i, s := range sites {
		c, err := stateCount(s, MaxEnumerated/(total*mult), fmt.Sprintf("model instances (%d before site %q)", total*mult, s.Name))
		if err != nil {
			return nil, err
		}
		counts[i] = c
		total *= c
	}
	out := make([]map[string]*G.Node, total)
	for idx := range out {
		out[idx] = map[string]*G.Node{}
		rest := idx
		for i, s := range sites {
			n, t := input(g, fmt.Sprintf("enum/%s/%d", s.Name, idx), s.Shape)
			v := make([]float64, t.Shape().TotalSize())
			fillState(v, s, rest%counts[i])
			setFrom(t, v) // 0/1 values: exact in float32

			out[idx][s.Name] = n
			rest /= counts[i]
		}
	}
	return out, nil
}

// rowStates returns the expanded values of the plate's discrete sites,
// [R·n, …] with block r holding joint row state r on all n rows, and R.
func rowStates(g *G.ExprGraph, sites []Site, n int) (map[string]*G.Node, int, error) {
	counts := make([]int, len(sites))
	R := 1
	for i, s := range sites {
		c, err := stateCount(s, MaxRowStates/R, "joint states per row")
		if err != nil {
			return nil, 0, err
		}
		counts[i] = c
		R *= c
	}
	if R*n > MaxEnumeratedRows {
		return nil, 0, fmt.Errorf("svi: the enum estimator would expand the plate of %d rows to %d×%d > %d rows: use smaller batches, or score, vimco or concrete", n, R, n, MaxEnumeratedRows)
	}
	out := map[string]*G.Node{}
	stride := 1
	for i, s := range sites {
		shape := append([]int{R * n}, s.Shape[1:]...)
		node, t := input(g, "enum/"+s.Name, shape)
		v := make([]float64, t.Shape().TotalSize())
		per := len(v) / (R * n)
		for r := range R {
			one := v[r*n*per : (r*n+1)*per]
			fillState(one, s, r/stride%counts[i])
			for row := 1; row < n; row++ {
				copy(v[(r*n+row)*per:(r*n+row+1)*per], one)
			}
		}
		setFrom(t, v) // 0/1 values: exact in float32
		out[s.Name] = node
		stride *= counts[i]
	}
	return out, R, nil
}

// fillState writes state number k of one draw of s into dst (one row, for
// a plate site): its cells read as the digits of k in base s.States
// (Bernoulli elements 0/1, one-hot rows for a Categorical site), repeated
// over dst when dst holds several rows.
func fillState(dst []float64, s Site, k int) {
	per := cells(s)
	if s.Event == 1 {
		per *= s.States
	}
	one := dst[:per]
	clear(one)
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
	for off := per; off < len(dst); off += per {
		copy(dst[off:off+per], one)
	}
}
