//go:build amd64 && !purego

#include "textflag.h"

// The kernels run over tiles tiles of 6 rows each, one below the other.
// LOADARGS loads what stays the same from tile to tile: AX = tiles,
// R9 = a, R8 = ais bytes, R10 = als bytes, R11 = ldb bytes, DX = c,
// R12 = ldc bytes.
#define LOADARGS \
	MOVQ tiles+0(FP), AX \
	MOVQ a+16(FP), R9    \
	MOVQ ais+24(FP), R8  \
	SHLQ $2, R8          \
	MOVQ als+32(FP), R10 \
	SHLQ $2, R10         \
	MOVQ ldb+48(FP), R11 \
	SHLQ $2, R11         \
	MOVQ c+56(FP), DX    \
	MOVQ ldc+64(FP), R12 \
	SHLQ $2, R12

// NEXTTILE starts a tile: CX = k, DI = b, SI = the tile's rows 0–2 of A
// (at SI, SI+R8, SI+2·R8), BX = its rows 3–5, R9 = the next tile's A.
// The tile's C is at DX.
#define NEXTTILE \
	MOVQ k+8(FP), CX     \
	MOVQ b+40(FP), DI    \
	MOVQ R9, SI          \
	LEAQ (R8)(R8*2), R13 \
	LEAQ (SI)(R13*1), BX \
	LEAQ (BX)(R13*1), R9

// FMA6X16 multiplies the row of B in Y12, Y13 by the six elements of
// column l of A (broadcast in turn into x and y), adds the products into
// Y0–Y11 (row i in Y(2i), Y(2i+1)) and steps A and B to l+1.
#define FMA6X16(x, y) \
	VBROADCASTSS (SI), x       \
	VFMADD231PS  Y12, x, Y0    \
	VFMADD231PS  Y13, x, Y1    \
	VBROADCASTSS (SI)(R8*1), y \
	VFMADD231PS  Y12, y, Y2    \
	VFMADD231PS  Y13, y, Y3    \
	VBROADCASTSS (SI)(R8*2), x \
	VFMADD231PS  Y12, x, Y4    \
	VFMADD231PS  Y13, x, Y5    \
	VBROADCASTSS (BX), y       \
	VFMADD231PS  Y12, y, Y6    \
	VFMADD231PS  Y13, y, Y7    \
	VBROADCASTSS (BX)(R8*1), x \
	VFMADD231PS  Y12, x, Y8    \
	VFMADD231PS  Y13, x, Y9    \
	VBROADCASTSS (BX)(R8*2), y \
	VFMADD231PS  Y12, y, Y10   \
	VFMADD231PS  Y13, y, Y11   \
	ADDQ         R10, SI       \
	ADDQ         R10, BX       \
	ADDQ         R11, DI

// FMA6X8 multiplies the 8 columns of B in Y12 by the six elements of
// column l of A (broadcast in turn into Y13 and Y15), adds the products
// into a0–a5 (row i into ai) and steps A and B to l+1.
#define FMA6X8(a0, a1, a2, a3, a4, a5) \
	VBROADCASTSS (SI), Y13       \
	VFMADD231PS  Y12, Y13, a0    \
	VBROADCASTSS (SI)(R8*1), Y15 \
	VFMADD231PS  Y12, Y15, a1    \
	VBROADCASTSS (SI)(R8*2), Y13 \
	VFMADD231PS  Y12, Y13, a2    \
	VBROADCASTSS (BX), Y15       \
	VFMADD231PS  Y12, Y15, a3    \
	VBROADCASTSS (BX)(R8*1), Y13 \
	VFMADD231PS  Y12, Y13, a4    \
	VBROADCASTSS (BX)(R8*2), Y15 \
	VFMADD231PS  Y12, Y15, a5    \
	ADDQ         R10, SI         \
	ADDQ         R10, BX         \
	ADDQ         R11, DI

// func kern6x16(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int)
TEXT ·kern6x16(SB), NOSPLIT, $0-72
	LOADARGS

tile6x16:
	NEXTTILE
	MOVQ    DX, R13
	VMOVUPS (R13), Y0
	VMOVUPS 32(R13), Y1
	ADDQ    R12, R13
	VMOVUPS (R13), Y2
	VMOVUPS 32(R13), Y3
	ADDQ    R12, R13
	VMOVUPS (R13), Y4
	VMOVUPS 32(R13), Y5
	ADDQ    R12, R13
	VMOVUPS (R13), Y6
	VMOVUPS 32(R13), Y7
	ADDQ    R12, R13
	VMOVUPS (R13), Y8
	VMOVUPS 32(R13), Y9
	ADDQ    R12, R13
	VMOVUPS (R13), Y10
	VMOVUPS 32(R13), Y11

loop6x16:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	FMA6X16(Y14, Y15)
	DECQ    CX
	JNZ     loop6x16

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R12, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R12, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R12, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ    R12, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ    R12, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	ADDQ    R12, DX
	DECQ    AX
	JNZ     tile6x16
	VZEROUPPER
	RET

// kern6x16m is kern6x16 with the second 8 columns of B and C under the
// mask in Y14, which takes the register the full kernel broadcasts into.

// func kern6x16m(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int, mask *int32)
TEXT ·kern6x16m(SB), NOSPLIT, $0-80
	LOADARGS
	MOVQ    mask+72(FP), R13
	VMOVDQU (R13), Y14

tile6x16m:
	NEXTTILE
	MOVQ       DX, R13
	VMOVUPS    (R13), Y0
	VMASKMOVPS 32(R13), Y14, Y1
	ADDQ       R12, R13
	VMOVUPS    (R13), Y2
	VMASKMOVPS 32(R13), Y14, Y3
	ADDQ       R12, R13
	VMOVUPS    (R13), Y4
	VMASKMOVPS 32(R13), Y14, Y5
	ADDQ       R12, R13
	VMOVUPS    (R13), Y6
	VMASKMOVPS 32(R13), Y14, Y7
	ADDQ       R12, R13
	VMOVUPS    (R13), Y8
	VMASKMOVPS 32(R13), Y14, Y9
	ADDQ       R12, R13
	VMOVUPS    (R13), Y10
	VMASKMOVPS 32(R13), Y14, Y11

loop6x16m:
	VMOVUPS    (DI), Y12
	VMASKMOVPS 32(DI), Y14, Y13
	FMA6X16(Y15, Y15)
	DECQ       CX
	JNZ        loop6x16m

	VMOVUPS    Y0, (DX)
	VMASKMOVPS Y1, Y14, 32(DX)
	ADDQ       R12, DX
	VMOVUPS    Y2, (DX)
	VMASKMOVPS Y3, Y14, 32(DX)
	ADDQ       R12, DX
	VMOVUPS    Y4, (DX)
	VMASKMOVPS Y5, Y14, 32(DX)
	ADDQ       R12, DX
	VMOVUPS    Y6, (DX)
	VMASKMOVPS Y7, Y14, 32(DX)
	ADDQ       R12, DX
	VMOVUPS    Y8, (DX)
	VMASKMOVPS Y9, Y14, 32(DX)
	ADDQ       R12, DX
	VMOVUPS    Y10, (DX)
	VMASKMOVPS Y11, Y14, 32(DX)
	ADDQ       R12, DX
	DECQ       AX
	JNZ        tile6x16m
	VZEROUPPER
	RET

// kern6x8m adds A·B into 6 rows by up to 8 columns of C, those under the
// mask in Y14. Six accumulators would leave the FMA units waiting on each
// other's latency, so it keeps twelve: Y0–Y5 for even l, Y6–Y11 for odd
// l, added together at the end.

// func kern6x8m(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int, mask *int32)
TEXT ·kern6x8m(SB), NOSPLIT, $0-80
	LOADARGS
	MOVQ    mask+72(FP), R13
	VMOVDQU (R13), Y14

tile6x8m:
	NEXTTILE
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	CMPQ   CX, $2
	JLT    tail6x8m

loop6x8m:
	VMASKMOVPS (DI), Y14, Y12
	FMA6X8(Y0, Y1, Y2, Y3, Y4, Y5)
	VMASKMOVPS (DI), Y14, Y12
	FMA6X8(Y6, Y7, Y8, Y9, Y10, Y11)
	SUBQ       $2, CX
	CMPQ       CX, $2
	JGE        loop6x8m

tail6x8m:
	TESTQ      CX, CX
	JZ         done6x8m
	VMASKMOVPS (DI), Y14, Y12
	FMA6X8(Y0, Y1, Y2, Y3, Y4, Y5)

done6x8m:
	VADDPS     Y6, Y0, Y0
	VADDPS     Y7, Y1, Y1
	VADDPS     Y8, Y2, Y2
	VADDPS     Y9, Y3, Y3
	VADDPS     Y10, Y4, Y4
	VADDPS     Y11, Y5, Y5
	VMASKMOVPS (DX), Y14, Y12
	VADDPS     Y12, Y0, Y0
	VMASKMOVPS Y0, Y14, (DX)
	ADDQ       R12, DX
	VMASKMOVPS (DX), Y14, Y12
	VADDPS     Y12, Y1, Y1
	VMASKMOVPS Y1, Y14, (DX)
	ADDQ       R12, DX
	VMASKMOVPS (DX), Y14, Y12
	VADDPS     Y12, Y2, Y2
	VMASKMOVPS Y2, Y14, (DX)
	ADDQ       R12, DX
	VMASKMOVPS (DX), Y14, Y12
	VADDPS     Y12, Y3, Y3
	VMASKMOVPS Y3, Y14, (DX)
	ADDQ       R12, DX
	VMASKMOVPS (DX), Y14, Y12
	VADDPS     Y12, Y4, Y4
	VMASKMOVPS Y4, Y14, (DX)
	ADDQ       R12, DX
	VMASKMOVPS (DX), Y14, Y12
	VADDPS     Y12, Y5, Y5
	VMASKMOVPS Y5, Y14, (DX)
	ADDQ       R12, DX
	DECQ       AX
	JNZ        tile6x8m
	VZEROUPPER
	RET

// fmaPeak32 runs n steps of 12 independent VFMADD231PS on YMM registers
// (384 float32 flops a step) and nothing else: BenchmarkPeak32's measure
// of what the FMA units do at the clock the core runs at. Tests only.

// func fmaPeak32(n int)
TEXT ·fmaPeak32(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13

peak:
	VFMADD231PS Y12, Y13, Y0
	VFMADD231PS Y12, Y13, Y1
	VFMADD231PS Y12, Y13, Y2
	VFMADD231PS Y12, Y13, Y3
	VFMADD231PS Y12, Y13, Y4
	VFMADD231PS Y12, Y13, Y5
	VFMADD231PS Y12, Y13, Y6
	VFMADD231PS Y12, Y13, Y7
	VFMADD231PS Y12, Y13, Y8
	VFMADD231PS Y12, Y13, Y9
	VFMADD231PS Y12, Y13, Y10
	VFMADD231PS Y12, Y13, Y11
	DECQ        CX
	JNZ         peak
	VZEROUPPER
	RET
