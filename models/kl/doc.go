// Package kl shows the two directions of the Kullback–Leibler divergence
// on two targets in ℝ², in numbers and in pictures.
//
// Variational inference (package svi) minimizes the reverse divergence
//
//	KL(q‖p) = ∫ q(z) log(q(z)/p(z)) dz,
//
// which punishes q for putting mass where p has little: it is mode
// seeking and under-dispersed. Moment matching and expectation propagation
// (models/trueskill's EP) minimize the forward divergence KL(p‖q), which
// punishes q for missing mass of p: it is mass covering and
// over-dispersed.
//
// # Targets
//
//   - [Mixture]: ½ N((−D/2, 0), I) + ½ N((D/2, 0), I), with separation D.
//     Over all bivariate normals q, KL(p‖q) is minimized by the mixture's
//     own mean and covariance ([Mixture.MomentMatch], closed form);
//     KL(q‖p) is minimized by SVI with guides.FullRank from several seeded
//     starts ([RunMixture]). With far-apart components (D well above 2)
//     each start settles on one component, KL(q‖p) ≈ log 2; with close ones
//     every start finds the same q in the middle.
//   - [Correlated]: N(μ, Σ) projected onto the mean-field family. The
//     reverse projection keeps μ and takes the variances 1/Λ_ii (Λ = Σ⁻¹),
//     the forward one the marginal variances Σ_ii (Bishop, PRML §10.1.2,
//     Figs 10.2–10.3). [RunCorrelated] fits the reverse one by SVI with
//     guides.MeanField as well.
//
// # Measuring the divergences
//
// Every solution's KL(p‖q) and KL(q‖p) are computed by the trapezoid rule
// on a regular grid ([GridFor], [Quadrature]): the grid covers each
// Gaussian involved out to [GridSD] = 12 marginal standard deviations, with
// [GridPerSD] = 8 nodes per smallest standard deviation (at most
// [MaxGridNodes] per axis); for the mixture the z₁ spacing is also at most
// π/(8D), since log p is analytic only in the strip |Im z₁| < π/D
// ([Mixture.Grid]). The error bound reported is the difference
// between the estimate on the grid and on its even nodes (spacing 2h; the
// trapezoid rule converges geometrically for these analytic integrands,
// so the coarser grid's error dominates) plus [TailBound] for the mass
// outside and a rounding term ([RoundingFactor]). Where p is Gaussian
// the closed form [KLGaussian] is reported beside the quadrature. An SVI fit also carries its own Monte Carlo
// estimate −ELBO = KL(q‖p) (p is normalized) with its standard error.
//
// [Run] does both targets; `train kl` writes the report and the contour
// plots, and RESULTS.md holds the measured table.
//
// References:
//
//   - C. M. Bishop, "Pattern Recognition and Machine Learning", Springer
//     2006, §10.1.2 (Figs 10.2, 10.3) and §10.7 (expectation propagation).
//   - T. Minka, "Divergence measures and message passing", Microsoft
//     Research TR-2005-173.
package kl
