// Package trueskill provides the TrueSkill paired-comparison model: data,
// likelihoods, reference posteriors that need no automatic differentiation,
// forecasts and their evaluation.
//
// # Model
//
// Every player i has a skill
//
//	sᵢ ~ N(μ₀, σ₀²)
//
// and a game between players i and j compares the performance difference
// t = sᵢ − sⱼ + n with a draw margin ε ≥ 0: i wins when t > ε, the game is
// drawn when −ε ≤ t ≤ ε, and i loses when t < −ε. With d = sᵢ − sⱼ the noise n
// gives one of two links ([Config].Link):
//
//	Probit   (TrueSkill; n ~ N(0, 2β²)):
//	    P(i wins)  = Φ((d − ε)/(√2 β))
//	    P(draw)    = Φ((ε − d)/(√2 β)) − Φ((−ε − d)/(√2 β))
//	    P(i loses) = Φ((−ε − d)/(√2 β))
//	Logistic (Bradley–Terry; n logistic with scale β):
//	    P(i wins)  = σ((d − ε)/β)
//	    P(draw)    = σ((ε − d)/β) − σ((−ε − d)/β)
//	    P(i loses) = σ((−ε − d)/β)
//
// Without draws ε = 0. The Cambridge 4F13 coursework (prior variance ½, unit
// performance-difference noise) is the probit model with μ₀ = 0, σ₀ = 1,
// β = 1 in skills scaled by √2.
//
// # Contents
//
//   - Data: [Game], [Dataset], [ReadCSV], [ReadFile] (winner/loser or named
//     player and result columns; a fixed player list for test periods) and
//     loaders for the EPL football results and the 2011 ATP tennis games
//     ([ReadFootball], [ReadTennis4F13], [ReadSackmann]).
//   - Likelihood: [Config.LogLik], [Config.LogLikDerivs] and the host-side
//     log joint [Config.LogJoint], stable far into the tails (log Φ and
//     log σ from govi's internal/special).
//   - Reference posteriors: expectation propagation for the probit link
//     ([EP]; TrueSkill's factorized messages, or a joint Gaussian with
//     [EPSettings].FullCovariance), Gibbs sampling with truncated-normal
//     augmentation, exact in the limit ([Gibbs]), the Laplace approximation
//     for either link ([Laplace]) and, for two players, the exact posterior
//     on a grid ([Exact2], drawn by [Plot2]).
//   - Forecasts: the posterior predictive ([Posterior.Predict],
//     [Config.Predictive]) and plug-in ([Posterior.PredictPlugIn])
//     probabilities, their evaluation ([Evaluate], [BaseRates]) and
//     [Ratings].
//   - Variational inference: [Model] is the same model as an svi.Model
//     (site "skill", and optionally a learned draw margin "margin" and home
//     advantage "home"), with the skill differences gathered by a custom op
//     whose gradient is a scatter-add ([Gather]); [Model.InitLoc] starts a
//     guide at the posterior mode; [Model.Fitted] turns a fit into a
//     [Fitted] posterior that forecasts ([Fitted.Predict],
//     [Fitted.PredictPlugIn]), takes in new players ([Fitted.Extend]),
//     scores a held-out period ([Fitted.ScoreHeldOut]) and is saved as
//     JSON ([FittedJSON], [WriteFitted], [ReadFitted]).
//   - Results files: [ReadCSV] and [ReadFile], with the result coding of
//     a column told by [DetectCoding].
//
// REFERENCES.md records how these were checked against one another, against
// the exact two-player posterior and against an independent HMC run, with
// the commands that reproduce the figures.
//
// The SVI fits are checked against the Gibbs sampler, EP and the exact
// two-player posteriors, and their forecasts against the references, in
// REFERENCES.md (§9–§11).
//
// References:
//
//   - R. Herbrich, T. Minka and T. Graepel, "TrueSkill™: A Bayesian skill
//     rating system", NIPS 19, 2006.
//   - T. Minka, "Expectation propagation for approximate Bayesian inference",
//     UAI 2001.
//   - C. P. Robert, "Simulation of truncated normal variables", Statistics and
//     Computing 5:121–125, 1995.
//   - R. A. Bradley and M. E. Terry, "Rank analysis of incomplete block
//     designs", Biometrika 39:324–345, 1952.
//   - University of Cambridge 4F13 Probabilistic Machine Learning, coursework
//     "Probabilistic ranking" (2011 ATP data, Gibbs sampling and EP).
package trueskill
