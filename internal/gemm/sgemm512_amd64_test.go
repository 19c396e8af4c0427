//go:build amd64 && !purego

package gemm

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKern6x32SameBits: where the processor has AVX-512, Acc32 (through
// kern6x32 for each 32 columns) gives the bits of the AVX2 kernels alone,
// on shapes with every column remainder mod 32, few rows, row remainders,
// both layouts of A and strided C.
func TestKern6x32SameBits(t *testing.T) {
	if !has512 {
		t.Skip("no AVX-512 on this processor")
	}
	r := rand.New(rand.NewPCG(32, 512))
	for _, s := range [][3]int{{6, 32, 5}, {7, 33, 300}, {128, 200, 784}, {5, 63, 17}, {13, 95, 9}, {40, 64, 600}, {1, 48, 3}} {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			ais, als := k, 1
			if ta {
				ais, als = 1, m
			}
			a, b := fill32(r, m*k, false), fill32(r, k*n, false)
			ldc := n + 3
			c := fill32(r, m*ldc, false)
			c2 := append([]float32(nil), c...)
			Acc32(m, n, k, a, ais, als, b, n, c, ldc)
			has512 = false
			Acc32(m, n, k, a, ais, als, b, n, c2, ldc)
			has512 = true
			require.Equal(t, c2, c, "%v ta=%v", s, ta)
		}
	}
}
