//go:build amd64 && !purego

#include "textflag.h"

// Eight float32 lanes per YMM register. The kernels stop at the first
// block of 8 with a lane outside their range (returning how many
// elements they wrote); the Go wrappers compute that block by the scalar
// formulas and call them again. Throughout, Y12 holds 1.0 and Y13 zero.

// EXPNEG sets Y4 = e^x for the lanes of Y1, each in [−87, 0] (Cephes'
// expf: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by a degree-7 polynomial,
// 2ⁿ built in the exponent field). Clobbers Y2, Y3, Y5.
#define EXPNEG \
	VMULPS       log2e<>(SB), Y1, Y2 \
	VROUNDPS     $0, Y2, Y2          \
	VMOVAPS      Y1, Y3              \
	VFNMADD231PS ln2hi<>(SB), Y2, Y3 \
	VFNMADD231PS ln2lo<>(SB), Y2, Y3 \
	VMULPS       Y3, Y3, Y5          \
	VMOVAPS      e0<>(SB), Y4        \
	VFMADD213PS  e1<>(SB), Y3, Y4    \
	VFMADD213PS  e2<>(SB), Y3, Y4    \
	VFMADD213PS  e3<>(SB), Y3, Y4    \
	VFMADD213PS  e4<>(SB), Y3, Y4    \
	VFMADD213PS  e5<>(SB), Y3, Y4    \
	VFMADD213PS  Y3, Y5, Y4          \
	VADDPS       Y12, Y4, Y4         \
	VCVTPS2DQ    Y2, Y2              \
	VPADDD       bias127<>(SB), Y2, Y2 \
	VPSLLD       $23, Y2, Y2         \
	VMULPS       Y2, Y4, Y4

// LOGPOLY sets Y10 = log(1 + f) − f for the lanes of f in Y8, each in
// [√½ − 1, √2 − 1], and k in Y7 (0 or 1) added as k·ln 2 later: Y10 =
// f³·P(f) + k·ln2lo − f²/2 (Cephes' logf). Clobbers Y9.
#define LOGPOLY \
	VMULPS       Y8, Y8, Y9          \
	VMOVAPS      l0<>(SB), Y10       \
	VFMADD213PS  l1<>(SB), Y8, Y10   \
	VFMADD213PS  l2<>(SB), Y8, Y10   \
	VFMADD213PS  l3<>(SB), Y8, Y10   \
	VFMADD213PS  l4<>(SB), Y8, Y10   \
	VFMADD213PS  l5<>(SB), Y8, Y10   \
	VFMADD213PS  l6<>(SB), Y8, Y10   \
	VFMADD213PS  l7<>(SB), Y8, Y10   \
	VFMADD213PS  l8<>(SB), Y8, Y10   \
	VMULPS       Y8, Y10, Y10        \
	VMULPS       Y9, Y10, Y10        \
	VFMADD231PS  ln2lo<>(SB), Y7, Y10 \
	VFNMADD231PS half<>(SB), Y9, Y10

// LOG1PUNIT sets Y6 = log(1 + t) for the lanes of t in Y4, each in
// (0, 1]: f = t when t ≤ √2 − 1 (no rounding of 1 + t), else
// f = (t − 1)/2 with 1 + t = 2(1 + f), k = 1. Clobbers Y7–Y10.
#define LOG1PUNIT \
	VCMPPS    $0x1e, sqrt2m1<>(SB), Y4, Y7 \
	VSUBPS    Y12, Y4, Y8          \
	VMULPS    half<>(SB), Y8, Y8   \
	VBLENDVPS Y7, Y8, Y4, Y8       \
	VANDPS    Y12, Y7, Y7          \
	LOGPOLY                        \
	VADDPS    Y10, Y8, Y6          \
	VFMADD231PS ln2hi<>(SB), Y7, Y6

// LOADX loads 8 lanes of x from SI into Y0 and |x| into Y1, and jumps to
// done unless every |x| ≤ 87 (a NaN fails too).
#define LOADX \
	VMOVUPS   (SI), Y0                 \
	VANDPS    absmask<>(SB), Y0, Y1    \
	VCMPPS    $0x12, lim<>(SB), Y1, Y2 \
	VMOVMSKPS Y2, BX                   \
	CMPQ      BX, $0xff                \
	JNE       done                     \
	VSUBPS    Y1, Y13, Y1

// func softplusAVX2(dst, x *float32, n int) int
TEXT ·softplusAVX2(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	XORQ   AX, AX
	VMOVUPS one<>(SB), Y12
	VXORPS Y13, Y13, Y13

loop:
	CMPQ CX, $8
	JL   done
	LOADX
	EXPNEG
	LOG1PUNIT
	VMAXPS  Y13, Y0, Y11
	VADDPS  Y6, Y11, Y11
	VMOVUPS Y11, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $8, AX
	SUBQ    $8, CX
	JMP     loop

done:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func sigmoidMulAVX2(dst, grad, x *float32, n int) int
TEXT ·sigmoidMulAVX2(SB), NOSPLIT, $0-40
	MOVQ   dst+0(FP), DI
	MOVQ   grad+8(FP), DX
	MOVQ   x+16(FP), SI
	MOVQ   n+24(FP), CX
	XORQ   AX, AX
	VMOVUPS one<>(SB), Y12
	VXORPS Y13, Y13, Y13

loop:
	CMPQ CX, $8
	JL   done
	LOADX
	EXPNEG
	VADDPS    Y12, Y4, Y6
	VCMPPS    $0x1d, Y13, Y0, Y7
	VBLENDVPS Y7, Y12, Y4, Y8
	VDIVPS    Y6, Y8, Y8
	VMULPS    (DX), Y8, Y8
	VMOVUPS   Y8, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DX
	ADDQ      $32, DI
	ADDQ      $8, AX
	SUBQ      $8, CX
	JMP       loop

done:
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET

// func sumLogAVX2(x *float32, n int, acc *[8]float64) int
//
// Adds log xᵢ, computed in float32 (Cephes' logf: x = 2ᵉ·m with
// m ∈ [√½, √2)), in float64 into acc's 8 partial sums, while every lane
// is a normal positive number.
TEXT ·sumLogAVX2(SB), NOSPLIT, $0-32
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    acc+16(FP), DI
	XORQ    AX, AX
	VMOVUPS one<>(SB), Y12
	VMOVUPD (DI), Y14
	VMOVUPD 32(DI), Y15

loop:
	CMPQ      CX, $8
	JL        done
	VMOVUPS   (SI), Y0
	VCMPPS    $0x1d, flmin<>(SB), Y0, Y1
	VCMPPS    $0x12, flmax<>(SB), Y0, Y2
	VANDPS    Y1, Y2, Y2
	VMOVMSKPS Y2, BX
	CMPQ      BX, $0xff
	JNE       done

	// m ∈ [½, 1) and e with x = 2ᵉ·m; then m < √½ takes m·2, e − 1.
	VANDPS    mantmask<>(SB), Y0, Y3
	VORPS     half<>(SB), Y3, Y3
	VPSRLD    $23, Y0, Y11
	VPSUBD    bias126<>(SB), Y11, Y11
	VCVTDQ2PS Y11, Y11
	VCMPPS    $0x11, sqrthf<>(SB), Y3, Y7
	VANDPS    Y12, Y7, Y5
	VSUBPS    Y5, Y11, Y11
	VANDPS    Y3, Y7, Y5
	VSUBPS    Y12, Y3, Y8
	VADDPS    Y5, Y8, Y8
	VMOVAPS   Y11, Y7
	LOGPOLY
	VADDPS    Y10, Y8, Y6
	VFMADD231PS ln2hi<>(SB), Y7, Y6

	VCVTPS2PD    X6, Y1
	VEXTRACTF128 $1, Y6, X2
	VCVTPS2PD    X2, Y2
	VADDPD       Y1, Y14, Y14
	VADDPD       Y2, Y15, Y15
	ADDQ         $32, SI
	ADDQ         $8, AX
	SUBQ         $8, CX
	JMP          loop

done:
	VMOVUPD Y14, (DI)
	VMOVUPD Y15, 32(DI)
	MOVQ    AX, ret+24(FP)
	VZEROUPPER
	RET

// func adamAVX(p, m, v, grad *float64, n int, c *[8]float64) int
//
// Adam's update of 4 float64 lanes at a time, n/4·4 of them, with the
// scalar loop's operations in its order and no fused multiply-add, so the
// results are the scalar loop's bit for bit. c holds β₁, 1−β₁, β₂, 1−β₂,
// the bias-corrected rate, 1/√(1−β₂ᵗ) and ε.
TEXT ·adamAVX(SB), NOSPLIT, $0-56
	MOVQ p+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ grad+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), R9
	XORQ AX, AX
	VBROADCASTSD 0(R9), Y8
	VBROADCASTSD 8(R9), Y9
	VBROADCASTSD 16(R9), Y10
	VBROADCASTSD 24(R9), Y11
	VBROADCASTSD 32(R9), Y12
	VBROADCASTSD 40(R9), Y13
	VBROADCASTSD 48(R9), Y14

loop:
	CMPQ    CX, $4
	JL      done
	VMOVUPD (R8), Y0
	VMULPD  (SI), Y8, Y1
	VMULPD  Y0, Y9, Y2
	VADDPD  Y2, Y1, Y1
	VMULPD  (DX), Y10, Y3
	VMULPD  Y0, Y11, Y4
	VMULPD  Y0, Y4, Y4
	VADDPD  Y4, Y3, Y3
	VMOVUPD Y1, (SI)
	VMOVUPD Y3, (DX)
	VSQRTPD Y3, Y5
	VMULPD  Y13, Y5, Y5
	VADDPD  Y14, Y5, Y5
	VMULPD  Y12, Y1, Y6
	VDIVPD  Y5, Y6, Y6
	VMOVUPD (DI), Y7
	VSUBPD  Y6, Y7, Y7
	VMOVUPD Y7, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $4, AX
	SUBQ    $4, CX
	JMP     loop

done:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET

// func bernLogLikAVX2(l, x *float32, n int, acc *[8]float64) int
//
// Adds xᵢ·lᵢ − softplus(lᵢ), computed in float32 as
// lᵢ·(xᵢ − [lᵢ > 0]) − log1p(e^−|lᵢ|) (no cancellation for binary x), in
// float64 into acc's 8 partial sums while every |lᵢ| ≤ 87.
TEXT ·bernLogLikAVX2(SB), NOSPLIT, $0-40
	MOVQ    l+0(FP), SI
	MOVQ    x+8(FP), DX
	MOVQ    n+16(FP), CX
	MOVQ    acc+24(FP), DI
	XORQ    AX, AX
	VMOVUPS one<>(SB), Y12
	VXORPS  Y13, Y13, Y13
	VMOVUPD (DI), Y14
	VMOVUPD 32(DI), Y15

loop:
	CMPQ CX, $8
	JL   done
	LOADX
	EXPNEG
	LOG1PUNIT
	VCMPPS       $0x1e, Y13, Y0, Y7
	VANDPS       Y12, Y7, Y7
	VMOVUPS      (DX), Y1
	VSUBPS       Y7, Y1, Y1
	VMULPS       Y0, Y1, Y1
	VSUBPS       Y6, Y1, Y1
	VCVTPS2PD    X1, Y2
	VEXTRACTF128 $1, Y1, X3
	VCVTPS2PD    X3, Y3
	VADDPD       Y2, Y14, Y14
	VADDPD       Y3, Y15, Y15
	ADDQ         $32, SI
	ADDQ         $32, DX
	ADDQ         $8, AX
	SUBQ         $8, CX
	JMP          loop

done:
	VMOVUPD Y14, (DI)
	VMOVUPD Y15, 32(DI)
	MOVQ    AX, ret+32(FP)
	VZEROUPPER
	RET

// func bernGradAVX2(dst, x, l *float32, scale float32, n int) int
//
// dst = g·(x − σ(l)) while every |lᵢ| ≤ 87, as g·((x − [l > 0]) ± q)
// with q = e^−|l|/(1 + e^−|l|), + for l > 0: σ(l) = 1 − q, σ(−|l|) = q.
TEXT ·bernGradAVX2(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), DX
	MOVQ         l+16(FP), SI
	VBROADCASTSS scale+24(FP), Y11
	MOVQ         n+32(FP), CX
	XORQ         AX, AX
	VMOVUPS      one<>(SB), Y12
	VXORPS       Y13, Y13, Y13

loop:
	CMPQ CX, $8
	JL   done
	LOADX
	EXPNEG
	VADDPS    Y12, Y4, Y6
	VDIVPS    Y6, Y4, Y8
	VSUBPS    Y8, Y13, Y10
	VCMPPS    $0x1e, Y13, Y0, Y7
	VBLENDVPS Y7, Y8, Y10, Y8
	VANDPS    Y12, Y7, Y7
	VMOVUPS   (DX), Y9
	VSUBPS    Y7, Y9, Y9
	VADDPS    Y8, Y9, Y9
	VMULPS    Y11, Y9, Y9
	VMOVUPS   Y9, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DX
	ADDQ      $32, DI
	ADDQ      $8, AX
	SUBQ      $8, CX
	JMP       loop

done:
	MOVQ AX, ret+40(FP)
	VZEROUPPER
	RET

// func sumSqAVX(x *float32, n int, acc *[8]float64) int
//
// Adds xᵢ², each widened to float64 and squared there (exactly), into
// acc's 8 partial sums, n/8·8 of them.
TEXT ·sumSqAVX(SB), NOSPLIT, $0-32
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    acc+16(FP), DI
	XORQ    AX, AX
	VMOVUPD (DI), Y14
	VMOVUPD 32(DI), Y15

loop:
	CMPQ        CX, $8
	JL          done
	VCVTPS2PD   (SI), Y0
	VCVTPS2PD   16(SI), Y1
	VFMADD231PD Y0, Y0, Y14
	VFMADD231PD Y1, Y1, Y15
	ADDQ        $32, SI
	ADDQ        $8, AX
	SUBQ        $8, CX
	JMP         loop

done:
	VMOVUPD Y14, (DI)
	VMOVUPD Y15, 32(DI)
	MOVQ    AX, ret+24(FP)
	VZEROUPPER
	RET

// func mulDivAVX(dst, x *float32, m, d float64, n int) int
//
// dst = float32((m·xᵢ)/d), in float64 as the scalar loop does, n/4·4 of
// them.
TEXT ·mulDivAVX(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSD m+16(FP), Y14
	VBROADCASTSD d+24(FP), Y15
	MOVQ         n+32(FP), CX
	XORQ         AX, AX

loop:
	CMPQ       CX, $4
	JL         done
	VCVTPS2PD  (SI), Y0
	VMULPD     Y0, Y14, Y0
	VDIVPD     Y15, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS    X0, (DI)
	ADDQ       $16, SI
	ADDQ       $16, DI
	ADDQ       $4, AX
	SUBQ       $4, CX
	JMP        loop

done:
	MOVQ AX, ret+40(FP)
	VZEROUPPER
	RET

// func widenAVX(dst *float64, src *float32, n int) int
TEXT ·widenAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX

loop:
	CMPQ      CX, $8
	JL        done
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VMOVUPD   Y0, (DI)
	VMOVUPD   Y1, 32(DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	ADDQ      $8, AX
	SUBQ      $8, CX
	JMP       loop

done:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func narrowAVX(dst *float32, src *float64, n int) int
TEXT ·narrowAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX

loop:
	CMPQ       CX, $8
	JL         done
	VCVTPD2PSY (SI), X0
	VCVTPD2PSY 32(SI), X1
	VMOVUPS    X0, (DI)
	VMOVUPS    X1, 16(DI)
	ADDQ       $64, SI
	ADDQ       $32, DI
	ADDQ       $8, AX
	SUBQ       $8, CX
	JMP        loop

done:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func maxAbsAVX(x *float64, n int) (m float64, k int, nan bool)
//
// The largest |xᵢ| of the first k = n/8·8 elements, and whether any of
// them is NaN (VMAXPD drops NaNs, so unordered lanes are collected apart).
TEXT ·maxAbsAVX(SB), NOSPLIT, $0-33
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	XORQ    AX, AX
	VMOVUPD absmask64<>(SB), Y15
	VXORPD  Y0, Y0, Y0
	VXORPD  Y1, Y1, Y1
	VXORPD  Y2, Y2, Y2
	VXORPD  Y3, Y3, Y3

loop:
	CMPQ   CX, $8
	JL     done
	VMOVUPD (SI), Y4
	VMOVUPD 32(SI), Y5
	VCMPPD $3, Y4, Y4, Y6
	VCMPPD $3, Y5, Y5, Y7
	VORPD  Y6, Y2, Y2
	VORPD  Y7, Y3, Y3
	VANDPD Y15, Y4, Y4
	VANDPD Y15, Y5, Y5
	VMAXPD Y4, Y0, Y0
	VMAXPD Y5, Y1, Y1
	ADDQ   $64, SI
	ADDQ   $8, AX
	SUBQ   $8, CX
	JMP    loop

done:
	VMAXPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPD       X1, X0, X0
	VPERMILPD    $1, X0, X1
	VMAXSD       X1, X0, X0
	MOVSD        X0, m+16(FP)
	MOVQ         AX, k+24(FP)
	VORPD        Y3, Y2, Y2
	VMOVMSKPD    Y2, BX
	TESTQ        BX, BX
	SETNE        nan+32(FP)
	VZEROUPPER
	RET

DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32

DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $32

DATA log2e<>+0(SB)/4, $0x3fb8aa3b
DATA log2e<>+4(SB)/4, $0x3fb8aa3b
DATA log2e<>+8(SB)/4, $0x3fb8aa3b
DATA log2e<>+12(SB)/4, $0x3fb8aa3b
DATA log2e<>+16(SB)/4, $0x3fb8aa3b
DATA log2e<>+20(SB)/4, $0x3fb8aa3b
DATA log2e<>+24(SB)/4, $0x3fb8aa3b
DATA log2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $32

DATA ln2hi<>+0(SB)/4, $0x3f318000
DATA ln2hi<>+4(SB)/4, $0x3f318000
DATA ln2hi<>+8(SB)/4, $0x3f318000
DATA ln2hi<>+12(SB)/4, $0x3f318000
DATA ln2hi<>+16(SB)/4, $0x3f318000
DATA ln2hi<>+20(SB)/4, $0x3f318000
DATA ln2hi<>+24(SB)/4, $0x3f318000
DATA ln2hi<>+28(SB)/4, $0x3f318000
GLOBL ln2hi<>(SB), RODATA|NOPTR, $32

DATA ln2lo<>+0(SB)/4, $0xb95e8083
DATA ln2lo<>+4(SB)/4, $0xb95e8083
DATA ln2lo<>+8(SB)/4, $0xb95e8083
DATA ln2lo<>+12(SB)/4, $0xb95e8083
DATA ln2lo<>+16(SB)/4, $0xb95e8083
DATA ln2lo<>+20(SB)/4, $0xb95e8083
DATA ln2lo<>+24(SB)/4, $0xb95e8083
DATA ln2lo<>+28(SB)/4, $0xb95e8083
GLOBL ln2lo<>(SB), RODATA|NOPTR, $32

DATA lim<>+0(SB)/4, $0x42ae0000
DATA lim<>+4(SB)/4, $0x42ae0000
DATA lim<>+8(SB)/4, $0x42ae0000
DATA lim<>+12(SB)/4, $0x42ae0000
DATA lim<>+16(SB)/4, $0x42ae0000
DATA lim<>+20(SB)/4, $0x42ae0000
DATA lim<>+24(SB)/4, $0x42ae0000
DATA lim<>+28(SB)/4, $0x42ae0000
GLOBL lim<>(SB), RODATA|NOPTR, $32

DATA sqrt2m1<>+0(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+4(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+8(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+12(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+16(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+20(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+24(SB)/4, $0x3ed413cd
DATA sqrt2m1<>+28(SB)/4, $0x3ed413cd
GLOBL sqrt2m1<>(SB), RODATA|NOPTR, $32

DATA sqrthf<>+0(SB)/4, $0x3f3504f3
DATA sqrthf<>+4(SB)/4, $0x3f3504f3
DATA sqrthf<>+8(SB)/4, $0x3f3504f3
DATA sqrthf<>+12(SB)/4, $0x3f3504f3
DATA sqrthf<>+16(SB)/4, $0x3f3504f3
DATA sqrthf<>+20(SB)/4, $0x3f3504f3
DATA sqrthf<>+24(SB)/4, $0x3f3504f3
DATA sqrthf<>+28(SB)/4, $0x3f3504f3
GLOBL sqrthf<>(SB), RODATA|NOPTR, $32

DATA flmin<>+0(SB)/4, $0x00800000
DATA flmin<>+4(SB)/4, $0x00800000
DATA flmin<>+8(SB)/4, $0x00800000
DATA flmin<>+12(SB)/4, $0x00800000
DATA flmin<>+16(SB)/4, $0x00800000
DATA flmin<>+20(SB)/4, $0x00800000
DATA flmin<>+24(SB)/4, $0x00800000
DATA flmin<>+28(SB)/4, $0x00800000
GLOBL flmin<>(SB), RODATA|NOPTR, $32

DATA flmax<>+0(SB)/4, $0x7f7fffff
DATA flmax<>+4(SB)/4, $0x7f7fffff
DATA flmax<>+8(SB)/4, $0x7f7fffff
DATA flmax<>+12(SB)/4, $0x7f7fffff
DATA flmax<>+16(SB)/4, $0x7f7fffff
DATA flmax<>+20(SB)/4, $0x7f7fffff
DATA flmax<>+24(SB)/4, $0x7f7fffff
DATA flmax<>+28(SB)/4, $0x7f7fffff
GLOBL flmax<>(SB), RODATA|NOPTR, $32

DATA absmask<>+0(SB)/4, $0x7fffffff
DATA absmask<>+4(SB)/4, $0x7fffffff
DATA absmask<>+8(SB)/4, $0x7fffffff
DATA absmask<>+12(SB)/4, $0x7fffffff
DATA absmask<>+16(SB)/4, $0x7fffffff
DATA absmask<>+20(SB)/4, $0x7fffffff
DATA absmask<>+24(SB)/4, $0x7fffffff
DATA absmask<>+28(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $32

DATA mantmask<>+0(SB)/4, $0x007fffff
DATA mantmask<>+4(SB)/4, $0x007fffff
DATA mantmask<>+8(SB)/4, $0x007fffff
DATA mantmask<>+12(SB)/4, $0x007fffff
DATA mantmask<>+16(SB)/4, $0x007fffff
DATA mantmask<>+20(SB)/4, $0x007fffff
DATA mantmask<>+24(SB)/4, $0x007fffff
DATA mantmask<>+28(SB)/4, $0x007fffff
GLOBL mantmask<>(SB), RODATA|NOPTR, $32

DATA bias127<>+0(SB)/4, $0x0000007f
DATA bias127<>+4(SB)/4, $0x0000007f
DATA bias127<>+8(SB)/4, $0x0000007f
DATA bias127<>+12(SB)/4, $0x0000007f
DATA bias127<>+16(SB)/4, $0x0000007f
DATA bias127<>+20(SB)/4, $0x0000007f
DATA bias127<>+24(SB)/4, $0x0000007f
DATA bias127<>+28(SB)/4, $0x0000007f
GLOBL bias127<>(SB), RODATA|NOPTR, $32

DATA bias126<>+0(SB)/4, $0x0000007e
DATA bias126<>+4(SB)/4, $0x0000007e
DATA bias126<>+8(SB)/4, $0x0000007e
DATA bias126<>+12(SB)/4, $0x0000007e
DATA bias126<>+16(SB)/4, $0x0000007e
DATA bias126<>+20(SB)/4, $0x0000007e
DATA bias126<>+24(SB)/4, $0x0000007e
DATA bias126<>+28(SB)/4, $0x0000007e
GLOBL bias126<>(SB), RODATA|NOPTR, $32

DATA e0<>+0(SB)/4, $0x39506967
DATA e0<>+4(SB)/4, $0x39506967
DATA e0<>+8(SB)/4, $0x39506967
DATA e0<>+12(SB)/4, $0x39506967
DATA e0<>+16(SB)/4, $0x39506967
DATA e0<>+20(SB)/4, $0x39506967
DATA e0<>+24(SB)/4, $0x39506967
DATA e0<>+28(SB)/4, $0x39506967
GLOBL e0<>(SB), RODATA|NOPTR, $32

DATA e1<>+0(SB)/4, $0x3ab743ce
DATA e1<>+4(SB)/4, $0x3ab743ce
DATA e1<>+8(SB)/4, $0x3ab743ce
DATA e1<>+12(SB)/4, $0x3ab743ce
DATA e1<>+16(SB)/4, $0x3ab743ce
DATA e1<>+20(SB)/4, $0x3ab743ce
DATA e1<>+24(SB)/4, $0x3ab743ce
DATA e1<>+28(SB)/4, $0x3ab743ce
GLOBL e1<>(SB), RODATA|NOPTR, $32

DATA e2<>+0(SB)/4, $0x3c088908
DATA e2<>+4(SB)/4, $0x3c088908
DATA e2<>+8(SB)/4, $0x3c088908
DATA e2<>+12(SB)/4, $0x3c088908
DATA e2<>+16(SB)/4, $0x3c088908
DATA e2<>+20(SB)/4, $0x3c088908
DATA e2<>+24(SB)/4, $0x3c088908
DATA e2<>+28(SB)/4, $0x3c088908
GLOBL e2<>(SB), RODATA|NOPTR, $32

DATA e3<>+0(SB)/4, $0x3d2aa9c1
DATA e3<>+4(SB)/4, $0x3d2aa9c1
DATA e3<>+8(SB)/4, $0x3d2aa9c1
DATA e3<>+12(SB)/4, $0x3d2aa9c1
DATA e3<>+16(SB)/4, $0x3d2aa9c1
DATA e3<>+20(SB)/4, $0x3d2aa9c1
DATA e3<>+24(SB)/4, $0x3d2aa9c1
DATA e3<>+28(SB)/4, $0x3d2aa9c1
GLOBL e3<>(SB), RODATA|NOPTR, $32

DATA e4<>+0(SB)/4, $0x3e2aaaaa
DATA e4<>+4(SB)/4, $0x3e2aaaaa
DATA e4<>+8(SB)/4, $0x3e2aaaaa
DATA e4<>+12(SB)/4, $0x3e2aaaaa
DATA e4<>+16(SB)/4, $0x3e2aaaaa
DATA e4<>+20(SB)/4, $0x3e2aaaaa
DATA e4<>+24(SB)/4, $0x3e2aaaaa
DATA e4<>+28(SB)/4, $0x3e2aaaaa
GLOBL e4<>(SB), RODATA|NOPTR, $32

DATA e5<>+0(SB)/4, $0x3f000000
DATA e5<>+4(SB)/4, $0x3f000000
DATA e5<>+8(SB)/4, $0x3f000000
DATA e5<>+12(SB)/4, $0x3f000000
DATA e5<>+16(SB)/4, $0x3f000000
DATA e5<>+20(SB)/4, $0x3f000000
DATA e5<>+24(SB)/4, $0x3f000000
DATA e5<>+28(SB)/4, $0x3f000000
GLOBL e5<>(SB), RODATA|NOPTR, $32

DATA l0<>+0(SB)/4, $0x3d9021bb
DATA l0<>+4(SB)/4, $0x3d9021bb
DATA l0<>+8(SB)/4, $0x3d9021bb
DATA l0<>+12(SB)/4, $0x3d9021bb
DATA l0<>+16(SB)/4, $0x3d9021bb
DATA l0<>+20(SB)/4, $0x3d9021bb
DATA l0<>+24(SB)/4, $0x3d9021bb
DATA l0<>+28(SB)/4, $0x3d9021bb
GLOBL l0<>(SB), RODATA|NOPTR, $32

DATA l1<>+0(SB)/4, $0xbdebd1b8
DATA l1<>+4(SB)/4, $0xbdebd1b8
DATA l1<>+8(SB)/4, $0xbdebd1b8
DATA l1<>+12(SB)/4, $0xbdebd1b8
DATA l1<>+16(SB)/4, $0xbdebd1b8
DATA l1<>+20(SB)/4, $0xbdebd1b8
DATA l1<>+24(SB)/4, $0xbdebd1b8
DATA l1<>+28(SB)/4, $0xbdebd1b8
GLOBL l1<>(SB), RODATA|NOPTR, $32

DATA l2<>+0(SB)/4, $0x3def251a
DATA l2<>+4(SB)/4, $0x3def251a
DATA l2<>+8(SB)/4, $0x3def251a
DATA l2<>+12(SB)/4, $0x3def251a
DATA l2<>+16(SB)/4, $0x3def251a
DATA l2<>+20(SB)/4, $0x3def251a
DATA l2<>+24(SB)/4, $0x3def251a
DATA l2<>+28(SB)/4, $0x3def251a
GLOBL l2<>(SB), RODATA|NOPTR, $32

DATA l3<>+0(SB)/4, $0xbdfe5d4f
DATA l3<>+4(SB)/4, $0xbdfe5d4f
DATA l3<>+8(SB)/4, $0xbdfe5d4f
DATA l3<>+12(SB)/4, $0xbdfe5d4f
DATA l3<>+16(SB)/4, $0xbdfe5d4f
DATA l3<>+20(SB)/4, $0xbdfe5d4f
DATA l3<>+24(SB)/4, $0xbdfe5d4f
DATA l3<>+28(SB)/4, $0xbdfe5d4f
GLOBL l3<>(SB), RODATA|NOPTR, $32

DATA l4<>+0(SB)/4, $0x3e11e9bf
DATA l4<>+4(SB)/4, $0x3e11e9bf
DATA l4<>+8(SB)/4, $0x3e11e9bf
DATA l4<>+12(SB)/4, $0x3e11e9bf
DATA l4<>+16(SB)/4, $0x3e11e9bf
DATA l4<>+20(SB)/4, $0x3e11e9bf
DATA l4<>+24(SB)/4, $0x3e11e9bf
DATA l4<>+28(SB)/4, $0x3e11e9bf
GLOBL l4<>(SB), RODATA|NOPTR, $32

DATA l5<>+0(SB)/4, $0xbe2aae50
DATA l5<>+4(SB)/4, $0xbe2aae50
DATA l5<>+8(SB)/4, $0xbe2aae50
DATA l5<>+12(SB)/4, $0xbe2aae50
DATA l5<>+16(SB)/4, $0xbe2aae50
DATA l5<>+20(SB)/4, $0xbe2aae50
DATA l5<>+24(SB)/4, $0xbe2aae50
DATA l5<>+28(SB)/4, $0xbe2aae50
GLOBL l5<>(SB), RODATA|NOPTR, $32

DATA l6<>+0(SB)/4, $0x3e4cceac
DATA l6<>+4(SB)/4, $0x3e4cceac
DATA l6<>+8(SB)/4, $0x3e4cceac
DATA l6<>+12(SB)/4, $0x3e4cceac
DATA l6<>+16(SB)/4, $0x3e4cceac
DATA l6<>+20(SB)/4, $0x3e4cceac
DATA l6<>+24(SB)/4, $0x3e4cceac
DATA l6<>+28(SB)/4, $0x3e4cceac
GLOBL l6<>(SB), RODATA|NOPTR, $32

DATA l7<>+0(SB)/4, $0xbe7ffffc
DATA l7<>+4(SB)/4, $0xbe7ffffc
DATA l7<>+8(SB)/4, $0xbe7ffffc
DATA l7<>+12(SB)/4, $0xbe7ffffc
DATA l7<>+16(SB)/4, $0xbe7ffffc
DATA l7<>+20(SB)/4, $0xbe7ffffc
DATA l7<>+24(SB)/4, $0xbe7ffffc
DATA l7<>+28(SB)/4, $0xbe7ffffc
GLOBL l7<>(SB), RODATA|NOPTR, $32

DATA l8<>+0(SB)/4, $0x3eaaaaaa
DATA l8<>+4(SB)/4, $0x3eaaaaaa
DATA l8<>+8(SB)/4, $0x3eaaaaaa
DATA l8<>+12(SB)/4, $0x3eaaaaaa
DATA l8<>+16(SB)/4, $0x3eaaaaaa
DATA l8<>+20(SB)/4, $0x3eaaaaaa
DATA l8<>+24(SB)/4, $0x3eaaaaaa
DATA l8<>+28(SB)/4, $0x3eaaaaaa
GLOBL l8<>(SB), RODATA|NOPTR, $32
DATA absmask64<>+0(SB)/8, $0x7fffffffffffffff
DATA absmask64<>+8(SB)/8, $0x7fffffffffffffff
DATA absmask64<>+16(SB)/8, $0x7fffffffffffffff
DATA absmask64<>+24(SB)/8, $0x7fffffffffffffff
GLOBL absmask64<>(SB), RODATA|NOPTR, $32
