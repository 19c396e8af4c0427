//go:build !mpi

package mpi

// Built reports whether the binary has the MPI binding (the mpi tag).
const Built = false

// Init returns the one-process Comm, or ErrNotBuilt when mpirun started
// this process as one of several ranks (the environment says so).
func Init() (*Comm, error) {
	if _, size, ok := Launched(); ok && size > 1 {
		return nil, ErrNotBuilt
	}
	return &Comm{size: 1}, nil
}

// The stub never makes a Comm of more than one process, so these are not
// reached.
func (c *Comm) allreduce([]float64) error { return ErrNotBuilt }
func (c *Comm) bcast([]float64) error     { return ErrNotBuilt }
func (c *Comm) barrier() error            { return ErrNotBuilt }
func (c *Comm) abort(int)                 {}
func (c *Comm) finalize() error           { return nil }
