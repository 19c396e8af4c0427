//go:build !mpi

package mpi

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStubRefusesMpirun: an untagged binary started by mpirun as one of
// several ranks must say so, not run P independent copies of the fit.
func TestStubRefusesMpirun(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_RANK", "0")
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	_, err := Init()
	assert.True(t, errors.Is(err, ErrNotBuilt), "got %v", err)
	assert.ErrorContains(t, err, "built without -tags mpi")
}
