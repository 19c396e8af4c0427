// Package mpi is a thin binding of the few MPI calls a data-parallel fit
// needs: start and stop, rank and size, the in-place all-reduce of float64
// sums, the broadcast of float64s from rank 0, a barrier and abort.
//
// The binding is built only with the build tag mpi (go build -tags mpi),
// through cgo against the MPI library pkg-config names mpi-c (Debian's
// openmpi-bin and libopenmpi-dev; MPICH's Debian packages provide the same
// name). Without the tag the package is pure Go: [Init] returns a
// one-process [Comm] whose operations do nothing, and fails with
// [ErrNotBuilt] when the environment shows that mpirun started the process
// as one of several ranks.
//
// A process started by mpirun is recognised from its environment
// (OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE for Open MPI, PMI_RANK and
// PMI_SIZE for MPICH and Slurm); a tagged binary started without mpirun
// does not initialise MPI at all and runs as one process.
package mpi
