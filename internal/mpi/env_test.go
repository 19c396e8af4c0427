package mpi

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLaunched(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		rank, size int
		ok         bool
	}{
		{name: "plain process", env: map[string]string{}, rank: 0, size: 1},
		{name: "open mpi", env: map[string]string{"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"}, rank: 1, size: 4, ok: true},
		{name: "pmi", env: map[string]string{"PMI_RANK": "2", "PMI_SIZE": "3"}, rank: 2, size: 3, ok: true},
		{name: "bad size", env: map[string]string{"OMPI_COMM_WORLD_SIZE": "zero"}, rank: 0, size: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE"} {
				t.Setenv(k, tc.env[k])
			}
			r, s, ok := Launched()
			assert.Equal(t, []any{tc.rank, tc.size, tc.ok}, []any{r, s, ok}, "case %s", tc.name)
		})
	}
}

// TestOneProcess: without mpirun, Init gives a Comm of one rank whose
// collectives leave the values alone, in either build.
func TestOneProcess(t *testing.T) {
	for _, k := range []string{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE"} {
		t.Setenv(k, "")
	}
	c, err := Init()
	assert.NoError(t, err)
	v := []float64{1.5, -2}
	assert.NoError(t, c.AllreduceSum(v))
	assert.NoError(t, c.Bcast(v))
	assert.NoError(t, c.Barrier())
	assert.Equal(t, []float64{1.5, -2}, v)
	assert.Equal(t, []int{0, 1}, []int{c.Rank(), c.Size()})
	assert.NoError(t, c.Finalize())
}
