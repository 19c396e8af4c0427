//go:build amd64 && !purego

#include "textflag.h"

// kern6x32 is kern6x16 (sgemm_amd64.s) on AVX-512: a tile of 6 rows by 32
// columns of C in twelve ZMM accumulators (Z0–Z11), a row of B in Z12,
// Z13 and the broadcast elements of A in Z14, Z15. Each element of C gets
// the same fused multiply–adds in the same order as in kern6x16, so the
// two kernels give the same bits.

// FMA6X32 is FMA6X16 on ZMM registers.
#define FMA6X32 \
	VBROADCASTSS (SI), Z14       \
	VFMADD231PS  Z12, Z14, Z0    \
	VFMADD231PS  Z13, Z14, Z1    \
	VBROADCASTSS (SI)(R8*1), Z15 \
	VFMADD231PS  Z12, Z15, Z2    \
	VFMADD231PS  Z13, Z15, Z3    \
	VBROADCASTSS (SI)(R8*2), Z14 \
	VFMADD231PS  Z12, Z14, Z4    \
	VFMADD231PS  Z13, Z14, Z5    \
	VBROADCASTSS (BX), Z15       \
	VFMADD231PS  Z12, Z15, Z6    \
	VFMADD231PS  Z13, Z15, Z7    \
	VBROADCASTSS (BX)(R8*1), Z14 \
	VFMADD231PS  Z12, Z14, Z8    \
	VFMADD231PS  Z13, Z14, Z9    \
	VBROADCASTSS (BX)(R8*2), Z15 \
	VFMADD231PS  Z12, Z15, Z10   \
	VFMADD231PS  Z13, Z15, Z11   \
	ADDQ         R10, SI         \
	ADDQ         R10, BX         \
	ADDQ         R11, DI

// func kern6x32(tiles, k int, a *float32, ais, als int, b *float32, ldb int, c *float32, ldc int)
TEXT ·kern6x32(SB), NOSPLIT, $0-72
	MOVQ tiles+0(FP), AX
	MOVQ a+16(FP), R9
	MOVQ ais+24(FP), R8
	SHLQ $2, R8
	MOVQ als+32(FP), R10
	SHLQ $2, R10
	MOVQ ldb+48(FP), R11
	SHLQ $2, R11
	MOVQ c+56(FP), DX
	MOVQ ldc+64(FP), R12
	SHLQ $2, R12

tile:
	MOVQ    k+8(FP), CX
	MOVQ    b+40(FP), DI
	MOVQ    R9, SI
	LEAQ    (R8)(R8*2), R13
	LEAQ    (SI)(R13*1), BX
	LEAQ    (BX)(R13*1), R9
	MOVQ    DX, R13
	VMOVUPS (R13), Z0
	VMOVUPS 64(R13), Z1
	ADDQ    R12, R13
	VMOVUPS (R13), Z2
	VMOVUPS 64(R13), Z3
	ADDQ    R12, R13
	VMOVUPS (R13), Z4
	VMOVUPS 64(R13), Z5
	ADDQ    R12, R13
	VMOVUPS (R13), Z6
	VMOVUPS 64(R13), Z7
	ADDQ    R12, R13
	VMOVUPS (R13), Z8
	VMOVUPS 64(R13), Z9
	ADDQ    R12, R13
	VMOVUPS (R13), Z10
	VMOVUPS 64(R13), Z11

loop:
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	FMA6X32
	DECQ    CX
	JNZ     loop

	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ    R12, DX
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ    R12, DX
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ    R12, DX
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	ADDQ    R12, DX
	VMOVUPS Z8, (DX)
	VMOVUPS Z9, 64(DX)
	ADDQ    R12, DX
	VMOVUPS Z10, (DX)
	VMOVUPS Z11, 64(DX)
	ADDQ    R12, DX
	DECQ    AX
	JNZ     tile
	VZEROUPPER
	RET

// fmaPeak512 is fmaPeak32 (sgemm_amd64.s) on ZMM registers: n steps of
// 12 independent VFMADD231PS (768 float32 flops a step). Tests only.

// func fmaPeak512(n int)
TEXT ·fmaPeak512(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13

peak:
	VFMADD231PS Z12, Z13, Z0
	VFMADD231PS Z12, Z13, Z1
	VFMADD231PS Z12, Z13, Z2
	VFMADD231PS Z12, Z13, Z3
	VFMADD231PS Z12, Z13, Z4
	VFMADD231PS Z12, Z13, Z5
	VFMADD231PS Z12, Z13, Z6
	VFMADD231PS Z12, Z13, Z7
	VFMADD231PS Z12, Z13, Z8
	VFMADD231PS Z12, Z13, Z9
	VFMADD231PS Z12, Z13, Z10
	VFMADD231PS Z12, Z13, Z11
	DECQ CX
	JNZ  peak
	VZEROUPPER
	RET
