// Package gemm provides the matrix-product kernels behind ops.MatMul, in
// the manner of gonum's internal/asm/f64: [Acc] adds A·B into C for
// row-major float64 operands, with register-blocked AVX2/FMA assembly
// (gemm_amd64.s, declared in gemm_amd64.go) where the processor has it
// ([HasKernel], from golang.org/x/sys/cpu) and a plain Go loop elsewhere
// (gemm_noasm.go: other architectures and the purego build tag). The tests
// check the kernels against that loop on shapes that reach every tile
// kind.
package gemm
