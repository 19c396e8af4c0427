//go:build amd64 && !purego

#include "textflag.h"

// FMA4ROWS multiplies B's row at DI (in Y8, Y9) by the four A elements
// at SI, SI+R8, SI+2·R8, SI+R9 and adds them into Y0–Y7.
#define FMA4ROWS \
	VBROADCASTSD (SI), Y10        \
	VFMADD231PD  Y8, Y10, Y0      \
	VFMADD231PD  Y9, Y10, Y1      \
	VBROADCASTSD (SI)(R8*1), Y11  \
	VFMADD231PD  Y8, Y11, Y2      \
	VFMADD231PD  Y9, Y11, Y3      \
	VBROADCASTSD (SI)(R8*2), Y12  \
	VFMADD231PD  Y8, Y12, Y4      \
	VFMADD231PD  Y9, Y12, Y5      \
	VBROADCASTSD (SI)(R9*1), Y13  \
	VFMADD231PD  Y8, Y13, Y6      \
	VFMADD231PD  Y9, Y13, Y7

// LOADARGS4 loads the arguments of the 4-row kernels: CX = k, SI = a,
// R8 = ais bytes, R9 = 3·ais bytes, R10 = als bytes, DI = b, R11 = ldb
// bytes, DX = c, R12 = ldc bytes.
#define LOADARGS4 \
	MOVQ k+0(FP), CX     \
	MOVQ a+8(FP), SI     \
	MOVQ ais+16(FP), R8  \
	SHLQ $3, R8          \
	LEAQ (R8)(R8*2), R9  \
	MOVQ als+24(FP), R10 \
	SHLQ $3, R10         \
	MOVQ b+32(FP), DI    \
	MOVQ ldb+40(FP), R11 \
	SHLQ $3, R11         \
	MOVQ c+48(FP), DX    \
	MOVQ ldc+56(FP), R12 \
	SHLQ $3, R12

// func kern4x8(k int, a *float64, ais, als int, b *float64, ldb int, c *float64, ldc int)
TEXT ·kern4x8(SB), NOSPLIT, $0-64
	LOADARGS4
	MOVQ    DX, R13
	VMOVUPD (R13), Y0
	VMOVUPD 32(R13), Y1
	ADDQ    R12, R13
	VMOVUPD (R13), Y2
	VMOVUPD 32(R13), Y3
	ADDQ    R12, R13
	VMOVUPD (R13), Y4
	VMOVUPD 32(R13), Y5
	ADDQ    R12, R13
	VMOVUPD (R13), Y6
	VMOVUPD 32(R13), Y7

loop4:
	VMOVUPD (DI), Y8
	VMOVUPD 32(DI), Y9
	FMA4ROWS
	ADDQ R10, SI
	ADDQ R11, DI
	DECQ CX
	JNZ  loop4

	MOVQ    DX, R13
	VMOVUPD Y0, (R13)
	VMOVUPD Y1, 32(R13)
	ADDQ    R12, R13
	VMOVUPD Y2, (R13)
	VMOVUPD Y3, 32(R13)
	ADDQ    R12, R13
	VMOVUPD Y4, (R13)
	VMOVUPD Y5, 32(R13)
	ADDQ    R12, R13
	VMOVUPD Y6, (R13)
	VMOVUPD Y7, 32(R13)
	VZEROUPPER
	RET

// func kern4x8m(k int, a *float64, ais, als int, b *float64, ldb int, c *float64, ldc int, mask *int64)
TEXT ·kern4x8m(SB), NOSPLIT, $0-72
	LOADARGS4
	MOVQ       mask+64(FP), AX
	VMOVDQU    (AX), Y14
	VMOVDQU    32(AX), Y15
	MOVQ       DX, R13
	VMASKMOVPD (R13), Y14, Y0
	VMASKMOVPD 32(R13), Y15, Y1
	ADDQ       R12, R13
	VMASKMOVPD (R13), Y14, Y2
	VMASKMOVPD 32(R13), Y15, Y3
	ADDQ       R12, R13
	VMASKMOVPD (R13), Y14, Y4
	VMASKMOVPD 32(R13), Y15, Y5
	ADDQ       R12, R13
	VMASKMOVPD (R13), Y14, Y6
	VMASKMOVPD 32(R13), Y15, Y7

loop4m:
	VMASKMOVPD (DI), Y14, Y8
	VMASKMOVPD 32(DI), Y15, Y9
	FMA4ROWS
	ADDQ R10, SI
	ADDQ R11, DI
	DECQ CX
	JNZ  loop4m

	MOVQ       DX, R13
	VMASKMOVPD Y0, Y14, (R13)
	VMASKMOVPD Y1, Y15, 32(R13)
	ADDQ       R12, R13
	VMASKMOVPD Y2, Y14, (R13)
	VMASKMOVPD Y3, Y15, 32(R13)
	ADDQ       R12, R13
	VMASKMOVPD Y4, Y14, (R13)
	VMASKMOVPD Y5, Y15, 32(R13)
	ADDQ       R12, R13
	VMASKMOVPD Y6, Y14, (R13)
	VMASKMOVPD Y7, Y15, 32(R13)
	VZEROUPPER
	RET

// The 1-row kernels keep two pairs of accumulators, Y0–Y1 for even l and
// Y2–Y3 for odd l, so that consecutive FMAs do not wait on each other,
// and add the pairs at the end.

// func kern1x8(k int, a *float64, als int, b *float64, ldb int, c *float64)
TEXT ·kern1x8(SB), NOSPLIT, $0-48
	MOVQ   k+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   als+16(FP), R10
	SHLQ   $3, R10
	MOVQ   b+24(FP), DI
	MOVQ   ldb+32(FP), R11
	SHLQ   $3, R11
	MOVQ   c+40(FP), DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	CMPQ   CX, $2
	JLT    tail1

loop1:
	VBROADCASTSD (SI), Y10
	VFMADD231PD  (DI), Y10, Y0
	VFMADD231PD  32(DI), Y10, Y1
	ADDQ         R10, SI
	ADDQ         R11, DI
	VBROADCASTSD (SI), Y11
	VFMADD231PD  (DI), Y11, Y2
	VFMADD231PD  32(DI), Y11, Y3
	ADDQ         R10, SI
	ADDQ         R11, DI
	SUBQ         $2, CX
	CMPQ         CX, $2
	JGE          loop1

tail1:
	TESTQ        CX, CX
	JZ           done1
	VBROADCASTSD (SI), Y10
	VFMADD231PD  (DI), Y10, Y0
	VFMADD231PD  32(DI), Y10, Y1

done1:
	VADDPD  Y2, Y0, Y0
	VADDPD  Y3, Y1, Y1
	VADDPD  (DX), Y0, Y0
	VADDPD  32(DX), Y1, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	VZEROUPPER
	RET

// func kern1x8m(k int, a *float64, als int, b *float64, ldb int, c *float64, mask *int64)
TEXT ·kern1x8m(SB), NOSPLIT, $0-56
	MOVQ    k+0(FP), CX
	MOVQ    a+8(FP), SI
	MOVQ    als+16(FP), R10
	SHLQ    $3, R10
	MOVQ    b+24(FP), DI
	MOVQ    ldb+32(FP), R11
	SHLQ    $3, R11
	MOVQ    c+40(FP), DX
	MOVQ    mask+48(FP), AX
	VMOVDQU (AX), Y14
	VMOVDQU 32(AX), Y15
	VXORPD  Y0, Y0, Y0
	VXORPD  Y1, Y1, Y1
	VXORPD  Y2, Y2, Y2
	VXORPD  Y3, Y3, Y3
	CMPQ    CX, $2
	JLT     tail1m

loop1m:
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VBROADCASTSD (SI), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	ADDQ         R10, SI
	ADDQ         R11, DI
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VBROADCASTSD (SI), Y11
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	ADDQ         R10, SI
	ADDQ         R11, DI
	SUBQ         $2, CX
	CMPQ         CX, $2
	JGE          loop1m

tail1m:
	TESTQ        CX, CX
	JZ           done1m
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VBROADCASTSD (SI), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1

done1m:
	VADDPD     Y2, Y0, Y0
	VADDPD     Y3, Y1, Y1
	VMASKMOVPD (DX), Y14, Y8
	VMASKMOVPD 32(DX), Y15, Y9
	VADDPD     Y8, Y0, Y0
	VADDPD     Y9, Y1, Y1
	VMASKMOVPD Y0, Y14, (DX)
	VMASKMOVPD Y1, Y15, 32(DX)
	VZEROUPPER
	RET
