package svi

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Minibatches deals the row indices of minibatches of B rows out of N. Each
// pass over the rows visits them in a fresh random order; when fewer than B
// rows are left in a pass they wait for the next one (so a pass takes
// ⌊N/B⌋ steps). With B ≥ N every batch is all the rows, in order.
//
// Its random source, order and position are part of a [State]
// (State.Batches): they are copied with it, rolled back with it by the
// guard and saved in its checkpoints, so a resumed run deals the batches
// the uninterrupted run would, without replaying them.
type Minibatches struct {
	N, B  int
	RNG   *rand.PCG // source of the orders
	Order []int     // the current pass's order of the rows
	Pos   int       // rows of the current pass dealt so far

	rnd *rand.Rand
	out []int
}

// NewMinibatches returns a dealer of batches of b rows out of n, drawing
// its orders from src.
func NewMinibatches(n, b int, src *rand.PCG) (*Minibatches, error) {
	if n < 1 || b < 1 {
		return nil, fmt.Errorf("svi: minibatches need at least one row and a positive batch size, got %d rows and batch %d", n, b)
	}
	if src == nil {
		return nil, fmt.Errorf("svi: minibatches need a random source")
	}
	m := &Minibatches{N: n, B: min(b, n), RNG: src, Pos: n}
	m.Order = make([]int, n)
	for i := range m.Order {
		m.Order[i] = i
	}
	return m, nil
}

// StepsPerEpoch returns the steps of one pass over n rows in batches of b:
// ⌊n/b⌋, and 1 when b ≥ n or b < 1.
func StepsPerEpoch(n, b int) int {
	if b < 1 || b >= n {
		return 1
	}
	return n / b
}

// StepsPerEpoch returns the steps of one pass over the rows.
func (m *Minibatches) StepsPerEpoch() int { return StepsPerEpoch(m.N, m.B) }

// Next returns the rows of the next batch. The slice is reused by the next
// call.
func (m *Minibatches) Next() []int {
	if m.B >= m.N {
		return m.Order
	}
	if m.Pos+m.B > m.N {
		if m.rnd == nil {
			m.rnd = rand.New(m.RNG)
		}
		m.rnd.Shuffle(m.N, func(i, j int) { m.Order[i], m.Order[j] = m.Order[j], m.Order[i] })
		m.Pos = 0
	}
	m.out = append(m.out[:0], m.Order[m.Pos:m.Pos+m.B]...)
	m.Pos += m.B
	return m.out
}

// Clone returns an independent copy that deals the same batches.
func (m *Minibatches) Clone() *Minibatches {
	pcg := *m.RNG
	return &Minibatches{N: m.N, B: m.B, RNG: &pcg, Order: slices.Clone(m.Order), Pos: m.Pos}
}

// CopyFrom makes m a copy of src.
func (m *Minibatches) CopyFrom(src *Minibatches) {
	m.N, m.B, m.Pos = src.N, src.B, src.Pos
	if m.RNG == nil {
		m.RNG = new(rand.PCG)
	}
	*m.RNG = *src.RNG
	m.Order = append(m.Order[:0], src.Order...)
}

// validate checks a dealer read from a checkpoint.
func (m *Minibatches) validate() error {
	if m.N < 1 || m.B < 1 || len(m.Order) != m.N || m.Pos < 0 || m.Pos > m.N || m.RNG == nil {
		return fmt.Errorf("minibatch state is inconsistent (%d rows, batch %d, order of %d, position %d)", m.N, m.B, len(m.Order), m.Pos)
	}
	seen := make([]bool, m.N)
	for _, i := range m.Order {
		if i < 0 || i >= m.N || seen[i] {
			return fmt.Errorf("minibatch order is not a permutation of %d rows", m.N)
		}
		seen[i] = true
	}
	return nil
}

// Rows gathers the given rows of x, a row-major array of rows of the given
// width, into dst (grown as needed) and returns it.
func Rows(dst, x []float64, width int, rows []int) []float64 {
	dst = slices.Grow(dst[:0], len(rows)*width)[:len(rows)*width]
	for k, i := range rows {
		copy(dst[k*width:(k+1)*width], x[i*width:(i+1)*width])
	}
	return dst
}

// SetBatches gives st the minibatch dealer m, unless st already has one
// (restored from a checkpoint): then it checks that the two deal batches of
// the same size out of the same number of rows, and keeps st's, whose
// position and random source continue the checkpointed run.
func (st *State) SetBatches(m *Minibatches) error {
	if st.Batches == nil {
		if st.Iter > 0 {
			return fmt.Errorf("svi: the state has taken %d steps but holds no minibatch position (a checkpoint of a full-batch fit, or of an older govi): resuming it would deal other batches", st.Iter)
		}
		st.Batches = m
		return nil
	}
	if st.Batches.N != m.N || st.Batches.B != m.B {
		return fmt.Errorf("svi: the state deals batches of %d rows out of %d, this run asks for %d out of %d", st.Batches.B, st.Batches.N, m.B, m.N)
	}
	return nil
}
