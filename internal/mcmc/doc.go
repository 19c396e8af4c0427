// Package mcmc provides the Hamiltonian Monte Carlo sampler and the
// convergence diagnostics (split R̂, effective sample size) that govi's
// reference posteriors are computed with.
//
// It exists to check variational fits against an independent answer (see
// models/bnn/LOGLINEAR_RESULTS.md); it is not part of govi's inference API.
//
// # Sampler
//
// [HMC] draws from a density π(x) ∝ exp(log π(x)) on ℝᴰ with an identity
// mass matrix and leapfrog trajectories whose length is drawn uniformly
// from 1…Leapfrog (to avoid periodic orbits). During the warm-up the step
// size ε follows the dual averaging of Hoffman & Gelman (2014) towards the
// acceptance rate TargetAccept; the draws after it use the averaged ε.
// Precondition a badly scaled target by sampling z in x = m + L z
// ([Affine]) with L a Cholesky factor of an approximation of the
// posterior covariance, for example the Laplace approximation's.
//
// # Diagnostics
//
// [SplitRhat] is the potential scale reduction of Gelman et al. (BDA3,
// §11.4) on chains split in halves; [ESS] is the multi-chain effective
// sample size with Geyer's initial monotone sequence, as in Stan
// (Stan Reference Manual, "Effective sample size").
//
// References:
//
//   - R. M. Neal, MCMC using Hamiltonian dynamics, Handbook of Markov Chain
//     Monte Carlo, 2011.
//   - M. D. Hoffman and A. Gelman, The No-U-Turn Sampler, JMLR 15, 2014
//     (dual averaging of the step size, §3.2).
//   - A. Gelman, J. B. Carlin, H. S. Stern, D. B. Dunson, A. Vehtari and
//     D. B. Rubin, Bayesian Data Analysis, 3rd ed., 2013, §11.4–11.5.
//   - C. J. Geyer, Practical Markov Chain Monte Carlo, Statistical Science
//     7, 1992 (initial monotone sequence).
package mcmc
