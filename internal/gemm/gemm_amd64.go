//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// HasKernel reports whether the processor and the operating system
// support the AVX2 and FMA instructions of gemm_amd64.s and sgemm_amd64.s
// (x/sys/cpu checks CPUID and, through XGETBV, that the OS saves the YMM
// registers), and so whether Acc and Acc32 run them.
var HasKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// has512: the processor and the operating system run AVX-512F (the
// float32 kernel kern6x32).
var has512 = HasKernel && cpu.X86.HasAVX512F

// The kernels add A·B into a tile of C: 4 rows (or 1) by 8 columns, or by
// fewer columns under a mask (mask points at 8 int64s, −1 for a column
// present, 0 for one absent). Strides are in elements.
//
//go:noescape
func kern4x8(k int, a *float64, ais, als int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func kern4x8m(k int, a *float64, ais, als int, b *float64, ldb int, c *float64, ldc int, mask *int64)

//go:noescape
func kern1x8(k int, a *float64, als int, b *float64, ldb int, c *float64)

//go:noescape
func kern1x8m(k int, a *float64, als int, b *float64, ldb int, c *float64, mask *int64)

// colMasks[r] masks the first r of 8 columns.
var colMasks = func() (m [8][8]int64) {
	for r := range m {
		for j := 0; j < r; j++ {
			m[r][j] = -1
		}
	}
	return m
}()

// kernel tiles C into 4×8 blocks (1-row blocks for the last m mod 4
// rows, masked blocks for the last n mod 8 columns). Acc has checked
// the bounds of every operand.
func kernel(m, n, k int, a []float64, ais, als int, b []float64, ldb int, c []float64, ldc int) {
	// Long inner dimensions go in panels of kPanel rows of B, so that the
	// panel stays in cache while every tile of C passes over it (without
	// them, ∂W₁ = xᵀ·δ₁ on 10⁵ rows re-read all of δ₁ from memory for
	// each tile, at half gonum's speed). C adds the panels in order.
	for l0 := 0; l0 < k; l0 += kPanel {
		kc := min(kPanel, k-l0)
		panel(m, n, kc, a[l0*als:], ais, als, b[l0*ldb:], ldb, c, ldc)
	}
}

// kPanel is the number of rows of B one pass of the tiles covers: 256 rows
// of 50 columns are 100 KB.
const kPanel = 256

func panel(m, n, k int, a []float64, ais, als int, b []float64, ldb int, c []float64, ldc int) {
	pa, pb, pc := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0])
	at := func(p unsafe.Pointer, i int) *float64 { return (*float64)(unsafe.Add(p, 8*i)) }
	full, rest := n&^7, n&7
	mask := &colMasks[rest][0]
	i := 0
	for ; i+4 <= m; i += 4 {
		for j := 0; j < full; j += 8 {
			kern4x8(k, at(pa, i*ais), ais, als, at(pb, j), ldb, at(pc, i*ldc+j), ldc)
		}
		if rest > 0 {
			kern4x8m(k, at(pa, i*ais), ais, als, at(pb, full), ldb, at(pc, i*ldc+full), ldc, mask)
		}
	}
	for ; i < m; i++ {
		for j := 0; j < full; j += 8 {
			kern1x8(k, at(pa, i*ais), als, at(pb, j), ldb, at(pc, i*ldc+j))
		}
		if rest > 0 {
			kern1x8m(k, at(pa, i*ais), als, at(pb, full), ldb, at(pc, i*ldc+full), mask)
		}
	}
}
