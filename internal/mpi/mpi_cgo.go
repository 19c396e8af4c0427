//go:build mpi

package mpi

/*
#cgo pkg-config: mpi-c
#include <mpi.h>
#include <stdlib.h>

static int govi_init(int *rank, int *size, int *provided) {
	int err = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
	if (err != MPI_SUCCESS) return err;
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	err = MPI_Comm_rank(MPI_COMM_WORLD, rank);
	if (err != MPI_SUCCESS) return err;
	return MPI_Comm_size(MPI_COMM_WORLD, size);
}
static int govi_allreduce_sum(double *v, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static int govi_bcast(double *v, int n) {
	return MPI_Bcast(v, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
}
static int govi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static void govi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static int govi_finalize(void) { return MPI_Finalize(); }
static void govi_error_string(int code, char *buf, int *len) { MPI_Error_string(code, buf, len); }
*/
import "C"

import (
	"fmt"
	"runtime"
)

// Built reports whether the binary has the MPI binding (the mpi tag).
const Built = true

// Init starts MPI when mpirun launched the process (the environment says
// so) and returns the world communicator; otherwise it returns the
// one-process Comm without touching MPI. MPI is asked for
// MPI_THREAD_SERIALIZED, since Go may move a goroutine between threads
// between two calls, and errors are returned rather than fatal.
func Init() (*Comm, error) {
	if _, _, ok := Launched(); !ok {
		return &Comm{size: 1}, nil
	}
	var rank, size, provided C.int
	if err := mpiErr("MPI_Init_thread", C.govi_init(&rank, &size, &provided)); err != nil {
		return nil, err
	}
	if provided < C.MPI_THREAD_SERIALIZED {
		C.govi_finalize()
		return nil, fmt.Errorf("mpi: the MPI library gives thread level %d, below MPI_THREAD_SERIALIZED", int(provided))
	}
	return &Comm{rank: int(rank), size: int(size), live: true}, nil
}

func (c *Comm) allreduce(v []float64) error {
	defer runtime.KeepAlive(v)
	return mpiErr("MPI_Allreduce", C.govi_allreduce_sum((*C.double)(&v[0]), C.int(len(v))))
}

func (c *Comm) bcast(v []float64) error {
	defer runtime.KeepAlive(v)
	return mpiErr("MPI_Bcast", C.govi_bcast((*C.double)(&v[0]), C.int(len(v))))
}

func (c *Comm) barrier() error { return mpiErr("MPI_Barrier", C.govi_barrier()) }

func (c *Comm) abort(code int) { C.govi_abort(C.int(code)) }

func (c *Comm) finalize() error { return mpiErr("MPI_Finalize", C.govi_finalize()) }

// mpiErr returns nil for MPI_SUCCESS and otherwise an error with MPI's
// message for code.
func mpiErr(call string, code C.int) error {
	if code == C.MPI_SUCCESS {
		return nil
	}
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	C.govi_error_string(code, &buf[0], &n)
	return fmt.Errorf("mpi: %s: %s", call, C.GoStringN(&buf[0], n))
}
