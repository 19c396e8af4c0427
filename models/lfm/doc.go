// Package lfm provides exact and coordinate-ascent (CAVI) reference
// inference for the binary latent factor model with Gaussian or Bernoulli
// outputs, for checking approximate inference on discrete latent variables
// against exact answers.
//
// # Model
//
// Each row x_n ∈ ℝᴰ is produced by K binary factors that are on or off:
//
//	z_nj ~ Bernoulli(π_j),          j = 1, …, K,  π_j ∈ (0, 1)
//	x_n | z_n ~ N(Wᵀz_n + b, σ² I),  σ > 0           (Gaussian outputs)
//	x_nd | z_n ~ Bernoulli(sigmoid((Wᵀz_n + b)_d))  (Bernoulli outputs, x_nd ∈ {0, 1})
//
// W is K×D (row w_j is factor j's weights over the D outputs) and b ∈ ℝᴰ;
// for Bernoulli outputs they are logits and σ is unused. [Params] holds W,
// b, σ, π and the [Likelihood] (Gaussian is the zero value), and
// [Params.Validate] checks them.
//
// # Exact inference
//
// With 2^K states the posterior and the evidence are finite sums:
//
//	p(x_n) = Σ_z Π_j π_j^{z_j} (1−π_j)^{1−z_j} p(x_n | z)
//	p(z_nj = 1 | x_n) = Σ_{z : z_j = 1} p(x_n, z) / p(x_n)
//
// [Exact] evaluates them by a log-sum-exp over all states in O(KD + 2^K)
// per row after an O(K·2^K) (Gaussian) or O(D·2^K) (Bernoulli) table, for
// K ≤ [MaxExactFactors] = 20.
//
// # Mean field
//
// [CAVI] fits q(z_n) = Π_j Bernoulli(λ_nj). Its ELBO is, in closed form,
//
//	ELBO_n = E_q[log p(x_n, z_n) − log q(z_n)]
//	       = −D/2 log 2πσ² − (‖x_n − b − Wᵀλ_n‖² + Σ_j λ_nj(1−λ_nj)‖w_j‖²)/(2σ²)
//	       + Σ_j [λ_nj log π_j + (1−λ_nj) log(1−π_j)]
//	       − Σ_j [λ_nj log λ_nj + (1−λ_nj) log(1−λ_nj)],
//
// and the optimal factor j with the others fixed, q(z_nj) ∝ exp E_{q∖j}[log
// p(x_n, z_n)] (PRML 10.9), is
//
//	λ_nj = sigmoid(log π_j/(1−π_j) + (w_jᵀ(x_n − b − Σ_{k≠j} λ_nk w_k) − ½‖w_j‖²)/σ²)
//
// with sigmoid(t) = 1/(1 + e⁻ᵗ). Each update maximises the ELBO in λ_nj,
// so the ELBO never decreases; CAVI checks this after every sweep. With
// Bernoulli outputs E_q[log(1 + e^{η_d})] has no closed form, so CAVI
// refuses them ([ErrNoClosedForm]); their approximate inference is for the
// SVI estimators.
//
// [Gap] returns the approximation gap log p(x_n) − ELBO_n = KL(q(z_n) ‖
// p(z_n | x_n)) ≥ 0. Mean field is exact when the weight rows are pairwise
// orthogonal (w_jᵀw_k = 0 for j ≠ k, so ‖x − b − Wᵀz‖² = ‖x − b‖² − Σ_j z_j
// (2w_jᵀ(x − b) − ‖w_j‖²) and the posterior factorises), in particular for
// K = 1; overlapping factors couple the posterior ("explaining away") and
// open a gap.
//
// # Learning the parameters
//
// [Learn] fits W, b, σ and π of the Gaussian model by variational EM:
// the E-step is CAVI, the M-step closed form with λ fixed (least squares
// on E[z] = λ and E[zzᵀ] = λλᵀ + diag(λ(1−λ)) with a constant column for
// b, σ² the mean expected squared residual, π_j the mean λ_j clipped into
// [1e−6, 1 − 1e−6]). Both steps maximise the ELBO in their block, so it
// never decreases; Learn runs several seeded starts and keeps the best.
// The factors are identified up to permutation and complement (z_j ↦ 1 −
// z_j); Learn orients each so that its weights sum to 0 or more.
//
// # Synthetic data
//
// [Generate] draws rows from the model with a caller's *rand.Rand and
// [Bars] builds a seeded bars problem on 6×6 images (D = 36) in the style
// of the Griffiths–Ghahramani synthetic images; [BernoulliBars] is the
// same problem with Bernoulli outputs.
//
// References:
//
//   - Z. Ghahramani, lectures on variational approximations: the binary
//     latent factor model and its mean-field approximation q(z) = Π_j
//     λ_j^{z_j}(1−λ_j)^{1−z_j}.
//   - T. L. Griffiths, Z. Ghahramani (2005), Infinite latent feature models
//     and the Indian buffet process, NIPS 18 (6×6 synthetic images);
//     and (2011), The Indian buffet process: an introduction and review,
//     JMLR 12, 1185–1224.
//   - P. Földiák (1990), Forming sparse representations by local
//     anti-Hebbian learning, Biological Cybernetics 64, 165–170 (the bars
//     problem).
//   - C. M. Bishop (2006), Pattern Recognition and Machine Learning (PRML),
//     §10.1 (eq 10.9, the mean-field coordinate update).
//   - D. M. Blei, A. Kucukelbir, J. D. McAuliffe (2017), Variational
//     inference: a review for statisticians, JASA 112(518), 859–877 (CAVI).
//   - R. M. Neal, G. E. Hinton (1998), A view of the EM algorithm that
//     justifies incremental, sparse, and other variants, in Learning in
//     Graphical Models, 355–368 (EM as coordinate ascent on one bound,
//     the basis of variational EM).
package lfm
