//go:build openblas

package svi

// Built with -tags openblas, govi routes gorgonia's and gonum's BLAS calls
// (matrix products of every graph, gonum/mat in the references) to the
// system OpenBLAS through cgo. It needs a C compiler and the OpenBLAS
// development files (Debian: apt-get install libopenblas-dev), and
//
//	CGO_LDFLAGS=-lopenblas go test -tags openblas ./...
//
// Set OPENBLAS_NUM_THREADS=1 when timing, so OpenBLAS's own threads do not
// compete with govi's workers. Without the tag everything is pure Go.

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() {
	G.Use(netlib.Implementation{})
	blas64.Use(netlib.Implementation{})
}
