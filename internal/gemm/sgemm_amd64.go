//go:build amd64 && !purego

package gemm

// The float32 kernels work on micro-tiles of 6 rows by 16 columns of C.
// AVX2 has 16 YMM registers of 8 float32s: a 6×16 tile keeps 12 of them
// as accumulators (6 rows × 2 registers), 2 for the current row of B and
// 2 for the broadcast elements of A. Twelve independent accumulators are
// more than the 8 that keep both FMA units busy through the FMA's 4-cycle
// latency (a 4×16 tile would have exactly 8, and an 8×8 one would load a
// broadcast for every FMA), and each step of l loads 8 values (a row of B
// in 2 registers, 6 elements of A) for 12 FMAs. Sixteen float32s of B are
// one 64-byte cache line.
const (
	mr32 = 6   // rows of a micro-tile
	nr32 = 16  // columns of a micro-tile
	kc32 = 256 // rows of B (columns of A) per panel
	mc32 = 144 // rows of A per block: 144×256 float32s are 144 KB
)

// The kernels add A·B into a tile of 6 rows of C: A's rows at a, a+ais,
// …, a+5·ais and its columns als apart, B's rows ldb apart, C's rows ldc
// apart (strides in elements; k ≥ 1). kern6x16 fills 16 columns;
// kern6x16m 8 columns and those of the next 8 whose mask (8 int32s, −1
// for a column present, 0 for one absent) is set, reading and writing no
// others; kern6x8m the columns of the first 8 whose mask is set.
//
//go:noescape
func kern6x16(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int)

// kern6x32 is kern6x16 over 32 columns on AVX-512 (sgemm512_amd64.s),
// where the processor has it ([has512]): the same fused multiply–adds per
// element in the same order, so the same bits.
//
//go:noescape
func kern6x32(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func kern6x16m(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int, mask *int32)

//go:noescape
func kern6x8m(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int, mask *int32)

// colMasks32[w] masks the first w of 8 columns.
var colMasks32 = func() (m [9][8]int32) {
	for w := range m {
		for j := 0; j < w; j++ {
			m[w][j] = -1
		}
	}
	return m
}()

// kernel32 runs the kernels over C. The inner dimension goes in panels of
// kc32, and A in blocks of mc32 rows; within a block, each strip of 16
// columns of B (kc32 lines of 64 bytes) stays in L1 while the tiles of
// the block pass over it, and the block of A stays in L2 across the
// strips. Acc32 has checked the bounds.
func kernel32(m, n, k int, a []float32, ais, als int, b []float32, ldb int, c []float32, ldc int) {
	if m < mr32 {
		kernelFewRows32(m, n, k, a, ais, als, b, ldb, c, ldc)
		return
	}
	kc := split(k, kc32, 1)
	mc := split(m, mc32, mr32)
	for l0 := 0; l0 < k; l0 += kc {
		p := panel32{
			kc: min(kc, k-l0), a: a[l0*als:], ais: ais, als: als,
			b: b[l0*ldb:], ldb: ldb, c: c, ldc: ldc,
		}
		for i0 := 0; i0 < m; i0 += mc {
			p.block(i0, min(i0+mc, m), n)
		}
		// The last m mod 6 rows: the tile of the last 6 rows, through a
		// copy of C that only those rows are taken from and returned to.
		if r := m % mr32; r > 0 {
			i := m - mr32
			p.rows(&a[i*ais+l0*als], ais, i, mr32-r, mr32, n)
		}
	}
}

// split returns the size of the parts when n is cut into as few parts of
// at most limit (a multiple of unit) as it can be, of equal sizes rounded
// up to a multiple of unit: k = 784 goes in 4 panels of 196 rather than 3
// of 256 and one of 16, whose tiles would spend as long loading and
// storing C as adding into it.
func split(n, limit, unit int) int {
	parts := (n + limit - 1) / limit
	size := (n + parts - 1) / parts
	return (size + unit - 1) / unit * unit
}

// kernelFewRows32 is kernel32 for m < 6: the kernels read A from a copy
// with rows m to 5 zero.
func kernelFewRows32(m, n, k int, a []float32, ais, als int, b []float32, ldb int, c []float32, ldc int) {
	var at [kc32 * mr32]float32 // element (i, l) at at[6·l + i]
	for l0 := 0; l0 < k; l0 += kc32 {
		p := panel32{kc: min(kc32, k-l0), als: mr32, b: b[l0*ldb:], ldb: ldb, c: c, ldc: ldc}
		for l := 0; l < p.kc; l++ {
			for i := 0; i < m; i++ {
				at[l*mr32+i] = a[i*ais+(l0+l)*als]
			}
		}
		p.rows(&at[0], 1, 0, 0, m, n)
	}
}

// panel32 is a panel of A (from its column l0: element (i, l0+l) at
// a[i·ais + l·als]), the matching kc rows of B (row l0+l at b[l·ldb]),
// and C.
type panel32 struct {
	kc       int
	a        []float32
	ais, als int
	b        []float32
	ldb      int
	c        []float32
	ldc      int
}

// block adds the panel's product into the full tiles of rows [i0, i1) of
// C, strip by strip of 16 columns of B.
func (p *panel32) block(i0, i1, n int) {
	tiles := (i1 - i0) / mr32
	if tiles == 0 {
		return
	}
	a := &p.a[i0*p.ais]
	j := 0
	if has512 {
		for ; j+2*nr32 <= n; j += 2 * nr32 {
			kern6x32(tiles, p.kc, a, p.ais, p.als, &p.b[j], p.ldb, &p.c[i0*p.ldc+j], p.ldc)
		}
	}
	for ; j < n; j += nr32 {
		p.strip(tiles, a, p.ais, j, min(nr32, n-j), &p.c[i0*p.ldc+j], p.ldc)
	}
}

// rows adds the product of 6 rows of A, at a with stride ais, into rows
// i+lo to i+hi−1 of C (0 ≤ lo < hi ≤ 6), through a 6×16 copy of each tile:
// the kernels read and write all 6 rows of the copy, and only rows lo to
// hi−1 come from C and go back to it.
func (p *panel32) rows(a *float32, ais, i, lo, hi, n int) {
	var t [mr32 * nr32]float32
	for j := 0; j < n; j += nr32 {
		w := min(nr32, n-j)
		for r := lo; r < hi; r++ {
			copy(t[r*nr32:r*nr32+w], p.c[(i+r)*p.ldc+j:])
		}
		p.strip(1, a, ais, j, w, &t[0], nr32)
		for r := lo; r < hi; r++ {
			copy(p.c[(i+r)*p.ldc+j:(i+r)*p.ldc+j+w], t[r*nr32:])
		}
	}
}

// strip runs the kernel for w columns (B's columns j to j+w−1) over tiles
// tiles of 6 rows, A's from a with stride ais and C's at c with stride ldc.
func (p *panel32) strip(tiles int, a *float32, ais, j, w int, c *float32, ldc int) {
	b := &p.b[j]
	switch {
	case w == nr32:
		kern6x16(tiles, p.kc, a, ais, p.als, b, p.ldb, c, ldc)
	case w > 8:
		kern6x16m(tiles, p.kc, a, ais, p.als, b, p.ldb, c, ldc, &colMasks32[w-8][0])
	default:
		kern6x8m(tiles, p.kc, a, ais, p.als, b, p.ldb, c, ldc, &colMasks32[w][0])
	}
}
