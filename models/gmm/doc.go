// Package gmm fits the variational Bayesian Gaussian mixture of Bishop
// (PRML §10.2) by coordinate ascent (CAVI), in plain float64 gonum code.
//
// # Model
//
// For data x₁, …, x_N in ℝᴰ and K components:
//
//	π ~ Dir(α₀, …, α₀)
//	Λ_k ~ W(W₀, ν₀),  μ_k | Λ_k ~ N(m₀, (β₀ Λ_k)⁻¹)
//	z_n | π ~ Cat(π),  x_n | z_n = k ~ N(μ_k, Λ_k⁻¹)
//
// # Variational family and updates
//
// q(Z, π, μ, Λ) = q(Z) q(π) Π_k q(μ_k, Λ_k) with q(π) = Dir(α), q(μ_k, Λ_k) =
// N(μ_k | m_k, (β_k Λ_k)⁻¹) W(Λ_k | W_k, ν_k) and q(z_n) = Cat(r_n). With
// N_k = Σ_n r_nk, x̄_k and S_k the responsibility-weighted mean and covariance
// (PRML 10.51–10.53), the M-step is (10.58, 10.60–10.63)
//
//	α_k = α₀ + N_k,  β_k = β₀ + N_k,  ν_k = ν₀ + N_k
//	m_k = (β₀ m₀ + N_k x̄_k) / β_k
//	W_k⁻¹ = W₀⁻¹ + N_k S_k + β₀N_k/(β₀ + N_k) (x̄_k − m₀)(x̄_k − m₀)ᵀ
//
// (computed without dividing by N_k, so empty components are exact), and the
// E-step (10.46, 10.49, 10.64–10.66) is
//
//	ln ρ_nk = E[ln π_k] + ½ E[ln|Λ_k|] − D/2 ln 2π − ½ (D/β_k + ν_k (x_n − m_k)ᵀ W_k (x_n − m_k))
//	r_nk = ρ_nk / Σ_j ρ_nj
//	E[ln π_k] = ψ(α_k) − ψ(α̂),  α̂ = Σ_k α_k
//	E[ln|Λ_k|] = Σ_{d=1}^{D} ψ((ν_k + 1 − d)/2) + D ln 2 + ln|W_k|
//
// After every M-step the full lower bound L = E[ln p(X, Z, π, μ, Λ)] −
// E[ln q(Z, π, μ, Λ)] of PRML 10.70–10.77, every normalising constant
// included, is recorded; it never decreases. [Result.Covariances] holds
// E[Λ_k]⁻¹ = (ν_k W_k)⁻¹, the covariance at the expected precision (the
// predictive density of a new point is a Student t, PRML 10.81, whose
// covariance is larger).
//
// # Data-parallel fits
//
// With Config.DataParallel set, [Fit] is one of P ranks (MPI processes):
// every rank is given the whole data, initialises from it as one process
// would, and then runs the E-step on its contiguous shard of the rows,
// summing the M-step's statistics and the bound's sum over points over the
// ranks each sweep ([DataParallel]).
//
// # As an svi model
//
// [SVIModel] is the same mixture written for package svi, with the
// assignments summed out and the precisions drawn through the Bartlett
// decomposition of the Wishart prior, so that stochastic variational
// inference can be checked against [Fit] on the same data
// (`go run ./cmd/train gmm -method svi`, benchmarks/svicavi).
//
// # Defaults
//
// The zero [Config] is valid: K = 6, α₀ = 10⁻³, β₀ = 1, m₀ = the data mean,
// W₀ = I, ν₀ = D, a k-means++ initialisation seeded by Config.Seed. With
// these settings the standardised Old Faithful data end with two components
// of weight above 0.01, as in PRML Fig. 10.6.
//
// References:
//
//   - C. M. Bishop (2006), Pattern Recognition and Machine Learning (PRML),
//     §10.2 (eqs 10.46–10.77) and Appendix B (Dirichlet B.16–B.23, Wishart
//     B.78–B.82).
//   - H. Attias (2000), A variational Bayesian framework for graphical
//     models, NIPS 12.
//   - D. Arthur, S. Vassilvitskii (2007), k-means++: the advantages of careful
//     seeding, SODA.
package gmm
