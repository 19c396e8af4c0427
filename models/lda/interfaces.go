package lda

// A Reducer joins the P processes (ranks) of a data-parallel fit, such as
// the MPI ranks of cmd/train built with -tags mpi. It has the method set of
// svi.Reducer, so the same communicator serves both packages.
//
// Every rank calls [Fit] with its own shard of the documents (see [Shard])
// and the same Config; they call AllReduce the same number of times, in the
// same order. Refusals of a shard are agreed on before the first iteration,
// so every rank returns them; an error on one rank later on (its context
// done, a failing all-reduce) leaves the others waiting in AllReduce, and
// the caller must end them all, as cmd/train does with MPI_Abort.
type Reducer interface {
	// AllReduce replaces vals, on every rank, by the elementwise sum of
	// the ranks' vals. All ranks pass slices of the same length.
	AllReduce(vals []float64) error
	// Ranks returns P, the number of processes taking part.
	Ranks() int
}
