package lda

// A Reducer joins the P processes (ranks) of a data-parallel fit, such as
// the MPI ranks of cmd/train built with -tags mpi. It has the method set of
// svi.Reducer, so the same communicator serves both packages.
//
// Every rank calls [Fit] with its own shard of the documents (see [Shard])
// and the same Config; they call AllReduce the same number of times, in the
// same order.
type Reducer interface {
	// AllReduce replaces vals, on every rank, by the elementwise sum of
	// the ranks' vals. All ranks pass slices of the same length.
	AllReduce(vals []float64) error
	// Ranks returns P, the number of processes taking part.
	Ranks() int
}
