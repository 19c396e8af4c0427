// Package vae provides a variational autoencoder (Kingma & Welling 2014)
// trained with govi's svi package: an amortized encoder guide q_φ(z | x)
// (guides.Amortized) and a decoder p_θ(x | z), fitted together by
// stochastic gradient ascent on the reparameterized ELBO, with tools to
// measure how good the fit is.
//
// # Model
//
// For data x₁, …, x_N ∈ ℝᴰ (images, pixels in [0, 1]) and latents z_n ∈ ℝᴸ:
//
//	z_n ~ N(0, I)
//	x_n | z_n ~ Πⱼ Bernoulli(xₙⱼ; σ(f_θ(z_n)ⱼ))      (Bernoulli, binarized pixels)
//	x_n | z_n ~ N(f_θ(z_n), s² I)                    (Gaussian)
//
// f_θ is an MLP. Its weights θ are global sites with a flat prior fitted by
// point masses (maximum likelihood), the latents are local sites under the
// minibatch scale N/B, and the guide is
//
//	q(z_n | x_n) = N(μ_φ(x_n), L_φ(x_n) L_φ(x_n)ᵀ)
//
// with L_φ diagonal (mean field) or lower triangular (Config.Covariance).
// [Fit] builds the model, the trainer and the minibatches and runs the
// optimization, through a [Driver] when the caller wants its own loop
// (checkpoints, a divergence guard, a stopping rule).
//
// # Evaluation
//
// [Net.Evaluate] estimates on held-out data the ELBO and the
// importance-weighted bounds L_K = E log (1/K) Σₖ p(x, z_k)/q(z_k | x),
// which increase with K towards log p(x) (Burda et al. 2016).
// [Net.AmortizationGap] refits a separate mean-field q per test datum with
// the decoder fixed, starting from the encoder's output, and reports how
// much ELBO the encoder gives away (Cremer et al. 2018). [PPCA] is the
// closed-form maximum-likelihood probabilistic PCA, the exact answer a
// linear VAE with a Gaussian likelihood should reach ([Net.ExactLogLik]).
// [Fitted.Assess] gathers the test bounds, the per-image PSIS report and
// the gaps, as the vae command reports them.
//
// References:
//
//   - D. P. Kingma, M. Welling. Auto-encoding variational Bayes. ICLR 2014.
//   - Y. Burda, R. Grosse, R. Salakhutdinov. Importance weighted
//     autoencoders. ICLR 2016.
//   - C. Cremer, X. Li, D. Duvenaud. Inference suboptimality in variational
//     autoencoders. ICML 2018.
//   - M. E. Tipping, C. M. Bishop. Probabilistic principal component
//     analysis. JRSS B 61(3), 1999.
//   - J. Lucas, G. Tucker, R. Grosse, M. Norouzi. Don't blame the ELBO! A
//     linear VAE perspective on posterior collapse. NeurIPS 2019.
package vae
