//go:build !openblas

package ops

// preferBLAS is false: without the openblas build tag MatMul's general
// case uses gemm.Acc's kernels where the processor has them.
const preferBLAS = false
