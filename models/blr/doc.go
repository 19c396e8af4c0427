// Package blr provides closed-form and coordinate-ascent (CAVI) reference
// solutions for Bayesian linear regression, for checking stochastic
// variational inference against exact answers.
//
// # Model
//
// With a design matrix X (N×D, row-major) and targets y (length N):
//
//	w ~ N(0, α⁻¹ I)
//	y | w ~ N(X w, β⁻¹ I)
//
// # Exact posterior
//
// [Exact] returns the Gaussian posterior p(w | y) = N(m_N, S_N) (PRML 3.53–3.54):
//
//	A = S_N⁻¹ = α I + β XᵀX
//	m_N = β S_N Xᵀ y
//
// and the log evidence (PRML 3.86):
//
//	ln p(y) = D/2 ln α + N/2 ln β − E(m_N) − ½ ln|A| − N/2 ln 2π
//	E(m) = β/2 ‖y − X m‖² + α/2 mᵀm
//
// The best fully factorised Gaussian q(w) = Πⱼ N(wⱼ; μⱼ, σⱼ²) has μ = m_N and
// σⱼ² = 1/A_jj (PRML 10.1.2), and its ELBO is
//
//	ELBO_mf = ln p(y) − KL(q_mf ‖ p(w|y)) = ln p(y) − ½ (Σⱼ ln A_jj − ln|A|).
//
// [Posterior.ELBOGaussian] evaluates the ELBO of any Gaussian q = N(μ, Σ) in
// closed form:
//
//	ELBO(q) = E_q[ln p(y | w) + ln p(w)] + H[q]
//	        = N/2 ln(β/2π) − β/2 (‖y − Xμ‖² + tr(XᵀX Σ))
//	        + D/2 ln(α/2π) − α/2 (μᵀμ + tr Σ)
//	        + D/2 (1 + ln 2π) + ½ ln|Σ|.
//
// # Coordinate ascent
//
// [CAVI] fits the factorised q(w) = Πⱼ q(wⱼ) with α and β fixed. The update
// of factor j holds the others fixed (PRML 10.9):
//
//	q(wⱼ) = N(μⱼ, 1/A_jj),  μⱼ = (β (Xᵀy)ⱼ − Σ_{i≠j} A_ji μᵢ) / A_jj,
//
// a Gauss–Seidel sweep on A μ = β Xᵀy, so it converges to m_N.
//
// [VB] is the variational treatment of PRML §10.3: a Gamma(a₀, b₀) hyperprior
// on α (rate parametrisation) with β fixed, and q(w, α) = q(w) q(α):
//
//	q(α) = Gam(a_N, b_N),  a_N = a₀ + D/2,  b_N = b₀ + ½ (m_Nᵀm_N + tr S_N)
//	q(w) = N(m_N, S_N),    S_N⁻¹ = E[α] I + β XᵀX,  m_N = β S_N Xᵀy
//
// with the lower bound of PRML 10.107–10.112 recorded every iteration.
//
// # As an svi model
//
// [Model] is the regression with α and β fixed written for package svi
// (site "w", data "phi" and "y"), the problem these references check.
//
// # Data
//
// [AddIntercept] prepends a column of ones and [Standardize] centres and
// scales columns (population standard deviation), rejecting constant
// columns. Every function validates its inputs and returns an error naming
// the problem (no observations, mismatched lengths, NaN, α ≤ 0, β ≤ 0).
//
// References:
//
//   - C. M. Bishop (2006), Pattern Recognition and Machine Learning (PRML),
//     §3.3 (eqs 3.53–3.54), §3.5 (eq 3.86), §10.1.2 and §10.3 (eqs 10.92–10.112).
//   - D. M. Blei, A. Kucukelbir, J. D. McAuliffe (2017), Variational inference:
//     a review for statisticians, JASA 112(518), 859–877 (CAVI).
package blr
