package svi

import (
	"fmt"
	"math"
	"slices"
)

// Params is an ordered set of named float64 arrays: the variational
// parameters φ of a guide, their gradients, or an optimizer's moments.
// The order is the order of registration and is part of a checkpoint.
type Params struct {
	names  []string
	shapes [][]int
	values [][]float64
	index  map[string]int
}

// NewParams returns an empty set; the zero Params is one too.
func NewParams() *Params { return &Params{index: map[string]int{}} }

// Add appends a parameter; it fails on a duplicate name or a length that
// does not match the shape.
func (p *Params) Add(name string, shape []int, v []float64) error {
	if name == "" {
		return fmt.Errorf("svi: empty parameter name")
	}
	if _, dup := p.index[name]; dup {
		return fmt.Errorf("svi: parameter %q declared twice", name)
	}
	if n := size(shape); n != len(v) {
		return fmt.Errorf("svi: parameter %q has %d values for shape %v", name, len(v), shape)
	}
	if p.index == nil {
		p.index = map[string]int{}
	}
	p.index[name] = len(p.names)
	p.names = append(p.names, name)
	p.shapes = append(p.shapes, slices.Clone(shape))
	p.values = append(p.values, v)
	return nil
}

// Len returns the number of parameters (arrays, not elements).
func (p *Params) Len() int { return len(p.names) }

// Size returns the total number of elements.
func (p *Params) Size() int {
	n := 0
	for _, v := range p.values {
		n += len(v)
	}
	return n
}

// Names returns the parameter names in order. The slice must not be modified.
func (p *Params) Names() []string { return p.names }

// Get returns the values of the named parameter, sharing storage.
func (p *Params) Get(name string) ([]float64, bool) {
	i, ok := p.index[name]
	if !ok {
		return nil, false
	}
	return p.values[i], true
}

// Shape returns the shape of the named parameter.
func (p *Params) Shape(name string) []int {
	i, ok := p.index[name]
	if !ok {
		return nil
	}
	return p.shapes[i]
}

// At returns the i-th parameter's values, sharing storage.
func (p *Params) At(i int) []float64 { return p.values[i] }

// Clone returns a deep copy.
func (p *Params) Clone() *Params {
	q := NewParams()
	for i, n := range p.names {
		_ = q.Add(n, p.shapes[i], slices.Clone(p.values[i]))
	}
	return q
}

// ZerosLike returns a set with p's names and shapes and zero values.
func (p *Params) ZerosLike() *Params {
	q := NewParams()
	for i, n := range p.names {
		_ = q.Add(n, p.shapes[i], make([]float64, len(p.values[i])))
	}
	return q
}

// CopyFrom copies q's values into p; both must have the same layout.
func (p *Params) CopyFrom(q *Params) error {
	if err := p.sameLayout(q); err != nil {
		return err
	}
	for i := range p.values {
		copy(p.values[i], q.values[i])
	}
	return nil
}

func (p *Params) sameLayout(q *Params) error {
	if len(p.names) != len(q.names) {
		return fmt.Errorf("svi: parameter sets differ: %d versus %d parameters", len(p.names), len(q.names))
	}
	for i, n := range p.names {
		if q.names[i] != n || !slices.Equal(p.shapes[i], q.shapes[i]) {
			return fmt.Errorf("svi: parameter %d differs: %q %v versus %q %v", i, n, p.shapes[i], q.names[i], q.shapes[i])
		}
	}
	return nil
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Norm returns the Euclidean norm of all elements together.
func (p *Params) Norm() float64 {
	s := 0.0
	for _, v := range p.values {
		for _, x := range v {
			s += x * x
		}
	}
	return math.Sqrt(s)
}

// Scale multiplies every element by c.
func (p *Params) Scale(c float64) {
	for _, v := range p.values {
		for i := range v {
			v[i] *= c
		}
	}
}

// firstNonFinite returns the first NaN or infinite element.
func (p *Params) firstNonFinite() (name string, index int, value float64, found bool) {
	for i, v := range p.values {
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return p.names[i], j, x, true
			}
		}
	}
	return "", 0, 0, false
}
