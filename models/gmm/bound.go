package gmm

import (
	"math"
)

// bound returns the variational lower bound of PRML 10.70–10.77 at the
// current responsibilities and factors, with every constant included. The
// sufficient statistics must be those of the current responsibilities
// (mStep and accumulate leave them so), and in a data-parallel fit their
// sums over the ranks.
func (st *state) bound() float64 {
	d, k := st.d, st.p.k
	fd := float64(d)
	p := st.p
	ln2pi := math.Log(2 * math.Pi)

	var eLnPX, eLnPZ, eLnPPi, eLnPMuLam, eLnQZ, eLnQPi, eLnQMuLam float64
	dm := make([]float64, d)
	for c := 0; c < k; c++ {
		nk, bk, nuk := st.nk[c], st.beta[c], st.nu[c]
		// Σ_n r_nk (x_n − m_k)(x_n − m_k)ᵀ = Syy − s dᵀ − d sᵀ + N_k d dᵀ with
		// d = m_k − m₀, so that N_k (Tr(S_k W_k) + (x̄_k − m_k)ᵀW_k(x̄_k − m_k))
		// needs no division by N_k.
		for a := range dm {
			dm[a] = st.m[c][a] - p.m0[a]
		}
		var trQW float64
		sc := st.s[c]
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				q := st.syy[c].At(a, b) - sc[a]*dm[b] - dm[a]*sc[b] + nk*dm[a]*dm[b]
				trQW += q * st.w[c].At(b, a)
			}
		}
		// 10.71
		eLnPX += 0.5 * (nk*(st.eLnLam[c]-fd/bk-fd*ln2pi) - nuk*trQW)
		// 10.72
		eLnPZ += nk * st.eLnPi[c]
		// 10.74 (per-component part)
		eLnPMuLam += 0.5*(fd*math.Log(p.beta0/(2*math.Pi))+st.eLnLam[c]-fd*p.beta0/bk-p.beta0*nuk*quad(st.w[c], dm)) +
			0.5*(p.nu0-fd-1)*st.eLnLam[c] - 0.5*nuk*traceProd(p.w0inv, st.w[c])
		// 10.77
		eLnQMuLam += 0.5*st.eLnLam[c] + 0.5*fd*math.Log(bk/(2*math.Pi)) - 0.5*fd - wishartEntropy(st.logDetW[c], nuk, d)
	}
	eLnPMuLam += float64(k) * p.logBW0
	// 10.73
	prior := make([]float64, k)
	for c := range prior {
		prior[c] = p.alpha0
	}
	eLnPPi = dirichletLogC(prior)
	for c := 0; c < k; c++ {
		eLnPPi += (p.alpha0 - 1) * st.eLnPi[c]
	}
	// 10.75, summed with the statistics (over the ranks of a data-parallel
	// fit)
	eLnQZ = st.rLnR
	// 10.76
	eLnQPi = dirichletLogC(st.alpha)
	for c := 0; c < k; c++ {
		eLnQPi += (st.alpha[c] - 1) * st.eLnPi[c]
	}
	return eLnPX + eLnPZ + eLnPPi + eLnPMuLam - eLnQZ - eLnQPi - eLnQMuLam
}
