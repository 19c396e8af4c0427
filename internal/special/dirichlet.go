package special

import "gonum.org/v1/gonum/mathext"

// DirichletELog sets dst[k] = E[log πₖ] = ψ(αₖ) − ψ(Σⱼ αⱼ) for π ~ Dir(α)
// (PRML B.21) and returns dst. It uses gonum's mathext.Digamma, as the
// CAVI references (LDA, the Gaussian mixture) always have, so that their
// figures do not move.
func DirichletELog(dst, alpha []float64) []float64 {
	var sum float64
	for _, a := range alpha {
		sum += a
	}
	psiSum := mathext.Digamma(sum)
	for k, a := range alpha {
		dst[k] = mathext.Digamma(a) - psiSum
	}
	return dst
}
