// Package bnn provides Bayesian neural networks (multilayer perceptrons)
// fitted by stochastic variational inference, by default with a mean-field
// Gaussian guide, for regression and classification on tables of numbers.
//
// # Model
//
// With layer widths d₀ (inputs), d₁ … d_L (hidden), d_{L+1} (outputs) and
// activation a (ReLU or tanh) on the hidden layers:
//
//	W_l ~ N(0, σ_l² I),  b_l ~ N(0, σ_l² I)     σ_l = σ_p, or σ_p/√d_{l−1} with Config.FanIn,
//	                                            or σ_l = 1/√λ_l, λ_l ~ Gamma(a_p, b_p) with Config.PriorShape,
//	                                            or σ_l² = (1/n_l) Σᵢ (μᵢ² + σᵢ²) with Config.EmpiricalBayes
//	h₀ = x,  h_l = a(h_{l−1} W_l + b_l),  f(x) = h_L W_{L+1} + b_{L+1}
//
// and with Config.Skip (regression) a linear skip path with its own prior,
// f(x) = h_L W_{L+1} + b_{L+1} + x β.
//
// With no hidden layers (L = 0, an empty Config.Hidden) f(x) = x W₁ + b₁: a
// Bayesian linear model, linear regression with the noise prior below or
// the log-linear (logistic / softmax regression) classifier; see
// LOGLINEAR_RESULTS.md for a check against MCMC.
//
// Regression (targets standardized with the training split's mean and sd):
//
//	τ ~ Gamma(a₀, b₀)                            (shape, rate; PBP's a₀ = b₀ = 6 by default)
//	y | x, W, τ ~ N(f(x), 1/τ)
//
// or, with Config.Heteroscedastic, a second output unit g(x) for each row's
// log noise variance and no τ:
//
//	y | x, W ~ N(f(x), exp(g(x)))
//
// Classification: y | x, W ~ Categorical(softmax f(x)) for K > 2 classes, or
// Bernoulli(σ(f(x))) with a single logit for K = 2.
//
// The default guide is q(W, τ) = Πᵢ N(wᵢ; μᵢ, softplus(ρᵢ)²) × LogNormal(τ;
// μ_τ, softplus(ρ_τ)²) (τ, and each λ_l under the hyperprior, is fitted on
// the log scale through svi's positive bijector).
// [Fit] maximizes the ELBO
//
//	ELBO = E_q[(N/B) Σ_{i∈batch} log p(yᵢ | xᵢ, W, τ) + log p(W) + log p(τ)] + H[q]
//
// with minibatches of B rows, S reparameterized draws per step, the
// analytic entropy H[q] (svi.EntropyELBO) and Adam. [Settings.Estimator]
// "kl" swaps in the closed-form KL(q‖p) of the weights (svi.KLELBO, with
// τ's term by Monte Carlo through svi.Config.KLFallback), and "dvi" also
// takes the likelihood's expectation in closed form (see Deterministic
// variational inference below); [Settings.Guide]
// chooses low-rank, full-rank (small nets), last-layer (see Richer guides
// and ensembles below) or point-mass (MAP) guides instead of the mean
// field. Fits run under svi's divergence guard, and
// [Settings.Checkpoint] and [Settings.Resume] save and continue a fit
// exactly.
//
// # Prediction
//
// [Net.Predict] draws T weight sets from q and returns the posterior
// predictive in the target's original units: its mean, its standard
// deviation (noise included), its quantiles (of the mixture, by bisection
// on its distribution function) and the predictive log-density of test
// targets by log-mean-exp over the draws,
//
//	log p(y* | x*, D) ≈ log (1/T) Σₜ N(y*; fₜ(x*), σₜ²),  σₜ = s_y/√τₜ,
//
// not a plug-in of the mean weights. [Net.PredictClass] averages class
// probabilities over draws and gives accuracy, negative log-likelihood and
// expected calibration error; it holds a few draws and 1,000 rows at a
// time, so a large network on many test rows needs bounded memory.
// [ReadIDX] reads the official split of MNIST or Fashion-MNIST, to fit
// with [Settings.RawInputs] (MNIST_RESULTS.md).
//
// # Speed
//
// The network's layers are fused gorgonia operations ([ops.Dense],
// [ops.DenseN] for vectorized particles, [ops.LocalDense] with local
// reparameterization), with hand-written backward passes, and so are the
// Gaussian and categorical log-likelihoods ([ops.GaussianLogLik],
// [ops.GaussianLogLikN], [ops.LogitLogLik]) and the weight priors
// ([ops.NormalPriorLogProb], [ops.GammaPriorLogProb]): a 13-50-1 step has a
// few dozen graph instructions per particle instead of a few hundred. Each
// operation is checked in package ops against finite differences and
// against the same function built from generic gorgonia operations.
// [Settings].Vectorize evaluates all S particles in one graph instead of
// one graph copy each, for regression with the mean-field guide, the
// entropy or kl estimator and one worker.
//
// # Data and protocol
//
// [OpenUCI] reads the UCI regression benchmark of Hernández-Lobato & Adams
// (2015) (data.txt, index_features.txt, index_target.txt,
// index_{train,test}_k.txt); [Select] chooses training settings (a noise
// prior, a number of epochs, the network or the linear model) on a
// held-out cut of a training split only. [RunSplits] runs the protocol:
// the fit of every split (after the selection runs, if any), the test
// metrics ([Net.Evaluate]) and their mean ± standard error over splits.
// The command `go run ./cmd/train bnn` calls it, by default with
// [SelectModel] for regression: the network or the Bayesian linear model,
// under Gamma(6, 6) or Gamma(1, 0.01), whichever scores best on the cut;
// UCI_RESULTS.md holds the measured tables.
//
// # Local reparameterization
//
// With [Config].LocalReparam each layer's pre-activations are drawn from
// their exact Gaussian distribution under the mean-field guide, one draw
// per row, instead of pushing the whole minibatch through one weight draw
// (Kingma, Salimans & Welling 2015):
//
//	a = h·M + m_b + ε ⊙ √(h²·Σ + σ_b²),  ε ~ N(0, 1),
//
// with the guide's means M, m_b and variances Σ, σ_b² of the layer's
// weights and biases (svi.M.Marginal; the fused op [LocalDense]). The
// likelihood then depends on q's parameters but not on a weight draw, so
// it needs the mean-field guide and an estimator other than iwae; it is not
// vectorized, and predictions still use whole weight draws.
//
// # Deterministic variational inference
//
// With [Settings].Estimator [EstimatorDVI] ("dvi") the likelihood term of
// the ELBO is not sampled: the means and variances of every layer's
// pre-activations under the mean-field guide are propagated in closed form
// (Wu et al. 2019; [ops.MomentDense], [ops.MomentReLU]),
//
//	E[a] = m·M + μ_b,  Var[a] = v·(M² + S) + m²·S + σ_b²,
//	E[relu(a)] = μΦ(μ/σ) + σφ(μ/σ),  E[relu(a)²] = (μ² + σ²)Φ(μ/σ) + μσφ(μ/σ),
//
// and the output's mean and variance give the expected log-likelihood
//
//	E_q[log N(y; f, 1/τ)] = ½E[log τ] − ½log 2π − ½E[τ]((y − E f)² + Var f),
//
// with E[log τ] = μ_τ and E[τ] = exp(μ_τ + σ_τ²/2) under q(log τ) =
// N(μ_τ, σ_τ²). With the weights' KL(q‖p) in closed form (the kl
// estimator's), only τ's prior term is left to Monte Carlo, and the
// weights' gradients are the same for every noise draw. For one hidden
// layer the expectation is exact; with more, the units of a layer are
// treated as independent and their pre-activations as Gaussian (the
// diagonal simplification of Wu et al.'s method, which also propagates
// covariances). Regression, ReLU and the mean-field guide only.
// Predictions still draw whole weight sets.
//
// # Empirical-Bayes prior variances
//
// With Config.EmpiricalBayes each layer's prior variance σ_l² is a
// hyperparameter set before every step to the value that maximizes the
// ELBO given the current q (Wu et al. 2019, §4): the KL term's optimum
//
//	σ_l² = (1/n_l) Σᵢ (μᵢ² + σᵢ²)   over the layer's n_l weights and biases
//
// ([EBVariance]). The step's gradient is taken at that fixed σ_l², which
// is the gradient of the ELBO maximized over σ_l² (σ_l² is at its optimum,
// so its own derivative vanishes). This is type-II maximum likelihood, not
// Wu et al.'s inverse-Gamma hyperprior variant, which would add two
// hyperparameters to choose; [Net.PriorStd] reports the learned σ_l, and
// the UCI reports carry them (prior_std). A resumed fit recomputes them
// from its parameters, so checkpoints resume exactly.
//
// # Richer guides and ensembles
//
// The LastLayer guide ("lastlayer") keeps the mean field below the output
// layer and puts a joint Gaussian over the output layer's D_L = (d_L + 1)·
// d_out weights and biases, with a rank-R-plus-diagonal covariance
// (guides.LowRank, R = Settings.Rank; D_L·(R + 2) parameters against the
// mean field's 2·D_L), or with LastLayerFull ("lastlayer-full") a Cholesky
// factor (guides.FullRank; D_L·(D_L + 3)/2 free parameters), joined with
// the mean field by guides.Join. With no hidden layer it is the posterior
// of Bayesian linear regression given q(τ), which the tests check against
// models/blr.
//
// Protocol.Ensemble fits each split K times (seeds Seed + k, …, Seed + k +
// K − 1, after one selection) and scores the equal-weight mixture of the
// K posterior predictives ([Ensemble], [MixPredictives]): test
// log-likelihood log (1/K) Σⱼ pⱼ(y*) per row, the RMSE of the mixture's
// mean, the coverage of its central interval; it costs K fits.
//
// # Limitations
//
// Float64 only. The full-rank guide has D(D+1)/2 parameters for D weights
// and suits small nets only.
//
// References:
//
//   - J. M. Hernández-Lobato and R. P. Adams, Probabilistic Backpropagation
//     for Scalable Learning of Bayesian Neural Networks, ICML 2015.
//   - C. Blundell, J. Cornebise, K. Kavukcuoglu and D. Wierstra, Weight
//     Uncertainty in Neural Networks, ICML 2015.
//   - A. Graves, Practical Variational Inference for Neural Networks, NIPS 2011.
//   - D. P. Kingma, T. Salimans and M. Welling, Variational Dropout and the
//     Local Reparameterization Trick, NIPS 2015.
//   - A. Wu, S. Nowozin, E. Meeds, R. E. Turner, J. M. Hernández-Lobato
//     and A. L. Gaunt, Deterministic Variational Inference for Robust
//     Bayesian Neural Networks, ICLR 2019.
//   - Y. Gal and Z. Ghahramani, Dropout as a Bayesian Approximation, ICML 2016.
//   - B. Lakshminarayanan, A. Pritzel and C. Blundell, Simple and Scalable
//     Predictive Uncertainty Estimation using Deep Ensembles, NIPS 2017.
//   - C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, On Calibration of
//     Modern Neural Networks, ICML 2017 (expected calibration error).
//   - R. M. Neal, Bayesian Learning for Neural Networks, 1996 (fan-in
//     scaled priors).
package bnn
