// Package guides provides variational families q(z; φ) for the svi package.
//
// Every guide works in the unconstrained space of each latent site: the svi
// trainer maps its draws onto the sites' supports and adds the log-Jacobian.
// Parameters are named "guides/<site>/<param>", for example
// "guides/w/loc" and "guides/w/rho" for the mean-field guide of site w, and
// "guides/<site1>+<site2>/<param>" for a guide over several sites jointly.
// Scales are softplus(ρ), starting at DefaultInitScale unless set.
//
//   - [MeanField]: independent normals, u = loc + softplus(ρ)⊙ε; closed-form
//     entropy and per-site marginals (so the kl estimator works), detached
//     log q (stl), host draws and moments, and a vectorized build
//     (svi.Config.Vectorize).
//   - [FullRank]: one multivariate normal over all its sites, u = loc + Lε
//     with L lower triangular; entropy, detached log q, host draws, moments
//     and the covariance (Cov).
//   - [LowRank]: a rank-R factor plus a diagonal, u = loc + Wη + σ⊙ε, through
//     the Woodbury identity; entropy, detached log q, host draws, moments,
//     Cov.
//   - [Delta]: a point mass at loc; fitting it is MAP estimation.
//   - [Amortized]: an MLP encoder mapping each row of a data array to
//     q(z_n | x_n) for local latents, with a diagonal or a Cholesky
//     covariance per datum; its draws depend on the data, so it has no host
//     draws ([Amortized.Encode] evaluates q for given rows).
//   - [Discrete]: the mean-field guide of discrete sites (Bernoulli logits
//     per element, Categorical logits per one-hot row); closed-form
//     entropy and host draws. The svi estimators for discrete sites (score,
//     vimco, enum, concrete) train it.
//   - [AmortizedDiscrete]: an MLP encoder mapping each row of a data array
//     to the logits of q(z_n | x_n) for local discrete sites
//     ([AmortizedDiscrete.Logits] evaluates them for given rows).
//   - [Join]: guides over disjoint sets of sites, q the product of the parts;
//     it has a capability when every part that is not a point mass has it.
//
// What a guide can do beyond Build is discovered by type assertion (see
// svi.Guide): an estimator that needs something a guide lacks is refused
// when the trainer is built.
package guides
