//go:build mpi

package mpi

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const helperEnv = "GOVI_MPI_HELPER"

// mpirunCommand returns the mpirun command line that starts np copies of
// args, oversubscribing the cores, with the environment Open MPI needs to
// run as root; ok is false when mpirun is not on the PATH.
func mpirunCommand(np int, args ...string) (*exec.Cmd, bool) {
	path, err := exec.LookPath("mpirun")
	if err != nil {
		return nil, false
	}
	cmd := exec.Command(path, append([]string{"-np", fmt.Sprint(np), "--oversubscribe"}, args...)...)
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
	return cmd, true
}

// TestCollectivesUnderMpirun runs this test binary as 3 ranks (the helper
// below) and checks what each rank reports: the sum, rank 0's broadcast
// values and a clean finalize.
func TestCollectivesUnderMpirun(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Skip("inside the helper")
	}
	cmd, ok := mpirunCommand(3, os.Args[0], "-test.run=TestHelperRank", "-test.v")
	if !ok {
		t.Skip("mpirun is not on the PATH: install openmpi-bin to run this test")
	}
	cmd.Env = append(cmd.Env, helperEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for r := 0; r < 3; r++ {
		require.Contains(t, string(out), fmt.Sprintf("rank %d of 3: sum [6 -3 0.5] bcast [10 20]", r))
	}
}

// TestHelperRank is one rank of TestCollectivesUnderMpirun.
func TestHelperRank(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("run by TestCollectivesUnderMpirun under mpirun")
	}
	c, err := Init()
	require.NoError(t, err)
	// Sums of small integers and halves are exact in any order.
	v := []float64{float64(c.Rank() + 1), -1, 0}
	if c.Rank() == 1 {
		v[2] = 0.5
	}
	require.NoError(t, c.AllreduceSum(v))
	b := []float64{float64(c.Rank()), 0}
	if c.Rank() == 0 {
		b = []float64{10, 20}
	}
	require.NoError(t, c.Bcast(b))
	require.NoError(t, c.Barrier())
	fmt.Println(strings.TrimSpace(fmt.Sprintf("rank %d of %d: sum %v bcast %v", c.Rank(), c.Size(), v, b)))
	require.NoError(t, c.Finalize())
}
