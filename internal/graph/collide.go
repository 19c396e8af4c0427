package graph

import (
	"bytes"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// SeparateCollisions gives every node of g that shares its Hashcode with a
// different expression a hash of its own, and returns how many it changed.
// Call it on a finished graph before compiling it.
//
// Gorgonia's compiler eliminates common subexpressions by the 32-bit hash
// alone (analysis.go, dataflow.vn), although graph construction tells
// colliding nodes apart. Two different nodes with equal hashes are then
// computed once: the second reads the first's register, which gives a wrong
// value, or the error "nil value" when the first has not run yet. Inputs hash
// by name, and govi's names carry a process-wide counter, so which nodes
// collide changes from run to run; in graphs of a few thousand nodes it
// happens about once in a few hundred compilations. Nodes that are truly the
// same expression keep their shared hash, so common subexpressions are still
// merged.
func SeparateCollisions(g *G.ExprGraph) int {
	nodes := g.AllNodes()
	used := make(map[uint32]bool, len(nodes))
	groups := map[uint32][]*G.Node{}
	var order []uint32
	for _, n := range nodes {
		h := n.Hashcode()
		if !used[h] {
			order = append(order, h)
		}
		used[h] = true
		groups[h] = append(groups[h], n)
	}
	memo := map[[2]*G.Node]bool{}
	next := uint32(0x9e3779b9)
	changed := 0
	for _, h := range order {
		group := groups[h]
		if len(group) < 2 {
			continue
		}
		// Each class of structurally equal nodes after the first gets a
		// fresh hash shared by its members.
		var reps []*G.Node
		fresh := map[*G.Node]uint32{}
		for _, n := range group {
			var rep *G.Node
			for _, r := range reps {
				if sameExpr(r, n, memo) {
					rep = r
					break
				}
			}
			switch {
			case rep == nil && len(reps) == 0:
				reps = append(reps, n)
			case rep == nil:
				for used[next] {
					next++
				}
				used[next] = true
				fresh[n] = next
				setHash(n, next)
				reps = append(reps, n)
				changed++
			case fresh[rep] != 0:
				setHash(n, fresh[rep])
				changed++
			}
		}
	}
	return changed
}

// sameExpr reports whether a and b are structurally the same expression:
// the same node, or the same op (by its hash text), type and shape over
// operands that are pairwise the same expression. Distinct inputs are never
// the same expression.
func sameExpr(a, b *G.Node, memo map[[2]*G.Node]bool) bool {
	if a == b {
		return true
	}
	key := [2]*G.Node{a, b}
	if v, ok := memo[key]; ok {
		return v
	}
	memo[key] = false
	if a.Op() == nil || b.Op() == nil {
		return false
	}
	if !a.Type().Eq(b.Type()) || !a.Shape().Eq(b.Shape()) {
		return false
	}
	var ha, hb recorder
	a.Op().WriteHash(&ha)
	b.Op().WriteHash(&hb)
	if !bytes.Equal(ha.Bytes(), hb.Bytes()) {
		return false
	}
	ca, cb := field[G.Nodes](a, "children"), field[G.Nodes](b, "children")
	if len(*ca) != len(*cb) {
		return false
	}
	for i := range *ca {
		if !sameExpr((*ca)[i], (*cb)[i], memo) {
			return false
		}
	}
	memo[key] = true
	return true
}

// setHash replaces n's cached hash, which the compiler reads through
// Hashcode.
func setHash(n *G.Node, h uint32) {
	*field[uint32](n, "hash") = h
	*field[bool](n, "hashed") = true
}

// field returns a pointer to an unexported field of a gorgonia node (its
// operands and cached hash have no exported accessors). It panics if
// gorgonia's Node changes shape, which the package's tests would catch.
func field[T any](n *G.Node, name string) *T {
	f := reflect.ValueOf(n).Elem().FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeFor[T]() {
		panic("graph: gorgonia.Node has no field " + name + " of type " + reflect.TypeFor[T]().String())
	}
	return (*T)(unsafe.Pointer(f.UnsafeAddr()))
}

// recorder is a hash.Hash that keeps what is written to it, so that two ops'
// hash texts can be compared byte for byte.
type recorder struct{ bytes.Buffer }

func (r *recorder) Sum(b []byte) []byte { return append(b, r.Bytes()...) }
func (r *recorder) Size() int           { return r.Len() }
func (r *recorder) BlockSize() int      { return 1 }
