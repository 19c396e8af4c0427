// Package svi fits variational approximations q_φ(z) ≈ p(z | x) by
// stochastic variational inference: it maximizes a Monte Carlo estimate of
//
//	ELBO(φ) = E_q[log p(x, z) − log q(z)]
//
// with reparameterized draws z = T(ε, φ), gradients from gorgonia's
// automatic differentiation, and an [Optimizer] ([Adam] by default, or
// [SGD]).
//
// # Overview
//
// A [Model] builds its log-joint on an [M]: Sample declares a latent site
// with its prior and returns the site's value, Data declares an input fed
// each step, Observe and Factor add likelihood terms, Deterministic names a
// node for the posterior predictive, and Scale(N/B) makes a minibatch's
// terms count for the whole data set. M's arithmetic (Add, Mul, Exp,
// MatMul, Sum, …) keeps the first error, so a model body needs no error
// handling: it returns m.Err(). A [Guide] (package guides) builds q over
// the sites. [New] builds the training graph — S particles of the model
// (one graph per worker with Config.Workers, one model instance for all
// particles with Config.Vectorize), the negative ELBO and its gradient —
// compiled once, in float64 or (Config.DType, [Float32]) float32 with the
// State kept in float64; a [Trainer] then runs it for any number of
// [State]s:
//
//	tr, err := svi.New(model, guides.MeanField{}, svi.Config{Particles: 4})
//	st, err := tr.Init(seed)                  // parameters, optimizer, random source
//	info, err := tr.Step(st, svi.Batch{...})  // one step; info.Loss = −ELBO estimate
//	res, err := svi.Run(ctx, tr, st, next, &svi.Settings{Steps: 5000})
//	sum, err := tr.Summarize(st, 1000, r, nil)  // means, sds, quantiles per site
//	d, err := tr.Diagnose(st, data, 2000, seed) // ELBO ± se, IWAE, PSIS k̂, ESS
//	pp, err := tr.Predictive(st, data, 1000, seed) // posterior predictive draws
//
// Training data are fed with Feed (kept for the following steps) or in
// each Step's Batch.
//
// Everything that changes while fitting lives in the State (parameters,
// optimizer moments, step count, the PCG source of the noise ε, the loss
// trace, the running average, the minibatch position), so a State can be
// checkpointed (SaveCheckpoint) and resumed bit for bit (LoadCheckpoint).
// A checkpoint also records what it was fitted to: the model's sites, the
// guide, the estimator and its particles, and the caller's [Fingerprint]
// of the data and settings (Config.Fingerprint, hashed with
// [DataFingerprint]); LoadCheckpoint refuses a trainer that differs in any
// of them, naming the difference.
// The evaluation methods (ELBO, LogWeights, Diagnose) run a program of
// their own on the data they are given: they never change what the next
// Step trains on.
//
// # Objectives
//
// The graph builders produce the parts of an objective — each particle's
// log-joint, log-likelihood, log-Jacobians and prior terms, and the
// guide's draws and log q — and one assembler per estimator (elbo_*.go)
// combines them, for per-particle and vectorized graphs alike, after
// checking that the guide gives what it needs. The Trainer compiles and
// runs the result; it knows nothing of the estimators' maths.
//
// # Guides
//
// A [Guide] has one method, Build. What else it can do is found by type
// assertion: [HostDrawer], [Momenter] and [VectorGuide] on the guide,
// [Entropier], [Marginaler], [DetachedLogQer] and [PointMasser] on the
// [Built] value Build returns.
//
// # The loop
//
// [Run] is a loop of [Trainer.Step] with pieces a caller can leave out or
// swap, all functions of the state so that a resumed run is the same run:
// a [Converger] (Convergence) to stop, a [Schedule] for the learning rate,
// Polyak–Ruppert averaging, a [Guard] wrapped around the step, a
// [Recorder] (a [Checkpointer] saves the state every k steps), and
// [Minibatches] in the state for the order of the data.
//
// # Supports
//
// Each site lives in its prior's support (dist.Supporter). Guides work in
// the unconstrained space and the trainer maps their draws through the
// support's bijector, adding log|det J| to the ELBO; summaries are reported
// in the constrained space.
//
// # Estimators
//
// [TraceELBO], [EntropyELBO] (closed-form entropy of q), [KLELBO]
// (closed-form KL(q‖p) wherever dist.KL pairs the guide's marginal with the
// prior; with Config.KLFallback, Monte Carlo terms for the other sites),
// [STLELBO] (sticking the landing) and [IWAEBound] (importance-weighted
// bound). Estimators a guide or model cannot support are refused by New,
// not at step 10,000.
//
// # Discrete sites
//
// A site whose prior is discrete (dist.Bernoulli, dist.Categorical; see
// dist.Discrete) has no bijector and no reparameterized draw: a discrete
// guide (guides.Discrete, guides.AmortizedDiscrete, joined with Gaussian
// guides for the continuous sites by guides.Join) draws it, and one of four
// estimators trains it, while continuous sites in the same model keep
// their reparameterized gradients:
//
//   - [ScoreELBO], the score function with a [Baseline]: leave-one-out
//     over the particles (the default from S = 2), a running average, or
//     NVIL's input-dependent network; unbiased, variance falling with the
//     baseline's quality.
//   - [VIMCOBound], the multi-sample bound with VIMCO's per-particle
//     learning signals (S ≥ 2).
//   - [EnumELBO], exact summation over the states: zero variance from the
//     discrete sites, a cost proportional to the number of states.
//   - [ConcreteELBO], the Concrete/Gumbel-softmax relaxation at
//     Config.Temperature: low variance, biased (it tends to the ELBO as the
//     temperature falls).
//
// [M.Plate] marks the rows of the data: inside a plate the score estimator
// weighs each row's score by that row's cost alone, and enumeration sums
// each row's states out in one model instance (M.Plate returns the
// expanded row count). [Trainer.GradientVariance] measures an estimator's
// gradient noise at given parameters.
//
// # Robustness
//
// Step refuses a non-finite loss, gradient or update with a
// [*NonFiniteError] and leaves the state as it was. [Run] can add a
// [Guard] that rolls back to the last good state and lowers the learning
// rate, a [Convergence] stopping rule, Polyak–Ruppert averaging, learning-rate
// [Schedule]s and, through Config.ClipNorm, global-norm gradient clipping.
//
// # Concurrency
//
// A Trainer is not safe for concurrent use. Build one per goroutine; States
// are independent of each other.
//
// # Data parallelism
//
// With Config.Reduce, P Trainers (usually P processes started by mpirun,
// each with its shard of the data) take one fit's steps together: Step
// averages the loss and gradient over the ranks through the [Reducer]
// before it updates, so every rank applies the same update and keeps the
// same parameters. Each rank scales its likelihood by P·N_r/B_r and uses
// the same seed; the [Reducer] documentation derives why the average then
// counts the prior and entropy terms once. Settings.Runtime is refused in
// such a run, since the ranks' clocks would stop them at different steps.
//
// References:
//   - Kingma & Welling (2014), Auto-encoding variational Bayes.
//   - Roeder, Wu & Duvenaud (2017), Sticking the landing.
//   - Burda, Grosse & Salakhutdinov (2016), Importance weighted autoencoders.
//   - Yao, Vehtari, Simpson & Gelman (2018), Yes, but did it work?
//   - Vehtari, Simpson, Gelman, Yao & Gabry (2024), Pareto smoothed importance sampling.
//   - Williams (1992), Simple statistical gradient-following algorithms (REINFORCE).
//   - Schulman, Heess, Weber & Abbeel (2015), Gradient estimation using stochastic computation graphs.
//   - Mnih & Gregor (2014), Neural variational inference and learning in belief networks (NVIL).
//   - Mnih & Rezende (2016), Variational inference for Monte Carlo objectives (VIMCO).
//   - Maddison, Mnih & Teh (2017), The Concrete distribution; Jang, Gu & Poole (2017), Categorical reparameterization with Gumbel-softmax.
package svi
