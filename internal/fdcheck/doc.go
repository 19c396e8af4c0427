// Package fdcheck provides the central-difference gradients that govi's
// tests compare hand-written gradients against.
//
// A test computes its function on the host with plain loops, takes
// [Grad] of it and compares the result with the graph's gradient, with a
// tolerance named and justified next to the comparison. The differences
// are gonum's (diff/fd, fd.Central); this package only perturbs the
// elements of a slice in place, so that the host function may read its
// input through the slices it has captured.
package fdcheck
