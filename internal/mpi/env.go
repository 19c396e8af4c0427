package mpi

import (
	"errors"
	"os"
	"strconv"
)

// ErrNotBuilt is Init's error in a binary built without the mpi tag that
// mpirun started as one of several ranks.
var ErrNotBuilt = errors.New("mpi: this binary was built without -tags mpi, but mpirun started it as one of several ranks: rebuild with go build -tags mpi (and Open MPI's libopenmpi-dev installed)")

// Launched reports the rank and world size that the environment gives a
// process started by mpirun, and whether it gives any: Open MPI's
// OMPI_COMM_WORLD_RANK/SIZE first, then PMI_RANK/PMI_SIZE.
func Launched() (rank, size int, ok bool) {
	for _, v := range [][2]string{{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"PMI_RANK", "PMI_SIZE"}} {
		s, err := strconv.Atoi(os.Getenv(v[1]))
		if err != nil || s < 1 {
			continue
		}
		r, err := strconv.Atoi(os.Getenv(v[0]))
		if err != nil || r < 0 || r >= s {
			r = 0
		}
		return r, s, true
	}
	return 0, 1, false
}
