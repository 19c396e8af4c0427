package gmm

import (
	"math"

	"gonum.org/v1/gonum/mathext"

	"github.com/govi/govi/internal/special"
)

// dirichletLogC returns ln C(α) = ln Γ(Σ_k α_k) − Σ_k ln Γ(α_k), the log
// normaliser of Dir(α) (PRML B.23).
func dirichletLogC(alpha []float64) float64 {
	var sum, lg float64
	for _, a := range alpha {
		sum += a
		l, _ := math.Lgamma(a)
		lg += l
	}
	l, _ := math.Lgamma(sum)
	return l - lg
}

// dirichletEntropy returns H[Dir(α)] = −Σ_k (α_k − 1) E[ln π_k] − ln C(α).
func dirichletEntropy(alpha []float64) float64 {
	el := special.DirichletELog(make([]float64, len(alpha)), alpha)
	h := -dirichletLogC(alpha)
	for k, a := range alpha {
		h -= (a - 1) * el[k]
	}
	return h
}

// wishartLogB returns ln B(W, ν), the log normaliser of the D-dimensional
// Wishart W(Λ | W, ν) given ln|W| (PRML B.79):
//
//	B(W, ν) = |W|^(−ν/2) (2^(νD/2) π^(D(D−1)/4) Π_{i=1}^{D} Γ((ν + 1 − i)/2))⁻¹.
func wishartLogB(logDetW, nu float64, d int) float64 {
	fd := float64(d)
	s := 0.5*nu*fd*math.Ln2 + 0.25*fd*(fd-1)*math.Log(math.Pi)
	for i := 1; i <= d; i++ {
		l, _ := math.Lgamma(0.5 * (nu + 1 - float64(i)))
		s += l
	}
	return -0.5*nu*logDetW - s
}

// wishartELogDet returns E[ln|Λ|] = Σ_{i=1}^{D} ψ((ν + 1 − i)/2) + D ln 2 +
// ln|W| for Λ ~ W(W, ν) (PRML B.81).
func wishartELogDet(logDetW, nu float64, d int) float64 {
	s := float64(d)*math.Ln2 + logDetW
	for i := 1; i <= d; i++ {
		s += mathext.Digamma(0.5 * (nu + 1 - float64(i)))
	}
	return s
}

// wishartEntropy returns H[W(W, ν)] = −ln B(W, ν) − (ν − D − 1)/2 E[ln|Λ|] +
// νD/2 (PRML B.82).
func wishartEntropy(logDetW, nu float64, d int) float64 {
	return -wishartLogB(logDetW, nu, d) - 0.5*(nu-float64(d)-1)*wishartELogDet(logDetW, nu, d) + 0.5*nu*float64(d)
}
