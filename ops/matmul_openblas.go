//go:build openblas

package ops

// preferBLAS keeps MatMul on BLAS when govi is built against OpenBLAS
// (the openblas build tag; see package svi), which is faster than gemm.Acc.
const preferBLAS = true
