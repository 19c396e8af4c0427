// Package fhmm provides exact and variational inference and variational EM
// learning for the factorial hidden Markov model of Ghahramani and Jordan
// (1997), as host code checked against exact answers.
//
// # Model
//
// M independent Markov chains of L states each evolve side by side; their
// states jointly set the mean of a Gaussian output:
//
//	s₁⁽ᵐ⁾ ~ π⁽ᵐ⁾,  P(s_t⁽ᵐ⁾ = j | s_{t−1}⁽ᵐ⁾ = i) = P⁽ᵐ⁾_ij,   m = 1, …, M
//	y_t | s_t ~ N(Σ_m W⁽ᵐ⁾ s_t⁽ᵐ⁾, C),                          t = 1, …, T
//
// with s_t⁽ᵐ⁾ one-hot in ℝᴸ, W⁽ᵐ⁾ a D×L matrix (column l is chain m's
// contribution in state l) and C a D×D covariance shared by all t. [Params]
// holds π, P, W and C, [Params.Validate] checks them and [Generate] draws
// seeded data.
//
// All computations work in whitened coordinates: with the Cholesky factor
// C = LLᵀ (gonum's mat.Cholesky), z_t = L⁻¹y_t and v⁽ᵐ⁾_l = L⁻¹W⁽ᵐ⁾_l, so
// log N(y_t; μ, C) = −D/2 log 2π − ½ log|C| − ½‖z_t − L⁻¹μ‖².
//
// # Exact inference
//
// The M chains together are one Markov chain on K = L^M joint states with
// transition matrix ⊗_m P⁽ᵐ⁾. [Exact] runs the scaled forward–backward
// recursions on it, applying the Kronecker product one chain at a time
// (O(M·L·K) per step instead of O(K²)). It returns log p(y), the smoothed
// marginals p(s_t⁽ᵐ⁾ = l | y) and the expected transition counts Σ_t
// p(s_t⁽ᵐ⁾ = i, s_{t+1}⁽ᵐ⁾ = j | y). It refuses K > [MaxExactStates] = 4096
// with a [*TooManyStatesError]. A step costs O(K·L·M·log M) (the counts
// need, for each chain, the forward message moved by all other chains) and
// the forward table holds 8·T·K bytes, so at the limit a pass over T = 1000
// steps takes 0.4–1.3 s of CPU time on the machine of RESULTS.md and 32
// MiB, and each further chain multiplies both by L. 4096 admits M = 12 binary chains,
// M = 7 chains of 3 states or M = 6 of 4.
//
// # Structured mean field
//
// [Structured] fits q(s) = Π_m q_m(s⁽ᵐ⁾), each q_m a hidden Markov model
// with the model's π⁽ᵐ⁾ and P⁽ᵐ⁾ and variational observation potentials
// (G&J's structured approximation):
//
//	h_t⁽ᵐ⁾ = exp{W⁽ᵐ⁾ᵀC⁻¹ỹ_t⁽ᵐ⁾ − ½Δ⁽ᵐ⁾},   ỹ_t⁽ᵐ⁾ = y_t − Σ_{n≠m} W⁽ⁿ⁾⟨s_t⁽ⁿ⁾⟩,
//
// with Δ⁽ᵐ⁾ the diagonal of W⁽ᵐ⁾ᵀC⁻¹W⁽ᵐ⁾ and ⟨·⟩ the expectation under q.
// With the other chains fixed this q_m maximises the ELBO over all
// distributions of chain m, so updating the chains one at a time (one
// forward–backward each per sweep) never lowers the ELBO.
//
// # Fully factorised mean field
//
// [Factorized] fits q(s) = Π_t Π_m Categorical(s_t⁽ᵐ⁾; θ_t⁽ᵐ⁾) by the
// closed-form coordinate updates of G&J's completely factorized
// approximation:
//
//	θ_t⁽ᵐ⁾ ∝ exp{W⁽ᵐ⁾ᵀC⁻¹ỹ_t⁽ᵐ⁾ − ½Δ⁽ᵐ⁾ + (log P⁽ᵐ⁾)ᵀθ_{t−1}⁽ᵐ⁾ + (log P⁽ᵐ⁾)θ_{t+1}⁽ᵐ⁾}
//
// (log π⁽ᵐ⁾ in place of the first transition term at t = 1). Each update
// maximises the ELBO in θ_t⁽ᵐ⁾, so it never decreases. The family needs
// P⁽ᵐ⁾_ij > 0: with a structural zero, any θ_{t−1} and θ_t with full
// support give the ELBO −∞, and coordinate ascent has no finite step.
//
// # Inference network
//
// [TrainNet] fits an amortized q(s | y) = Π_t Π_m Categorical(s_t⁽ᵐ⁾;
// softmax(f_m(x_t))), where x_t stacks the whitened observations
// z_{t−w}, …, z_{t+w} (zero-padded beyond the ends) and f is one tanh MLP
// shared over t with one head of L logits per chain ([Net]). The family is
// the fully factorised one, so its ELBO is the closed form below as a
// function of the marginals ([FactorizedELBO]); the network is a gorgonia
// graph, the ELBO one custom operation whose gradient with respect to the
// logits is written by hand,
//
//	∂ELBO/∂θ_t⁽ᵐ⁾ = V⁽ᵐ⁾ᵀ(z_t − Σ_n V⁽ⁿ⁾θ_t⁽ⁿ⁾) − ½Δ⁽ᵐ⁾ + G⁽ᵐ⁾θ_t⁽ᵐ⁾
//	              + (log P⁽ᵐ⁾)ᵀθ_{t−1}⁽ᵐ⁾ + (log P⁽ᵐ⁾)θ_{t+1}⁽ᵐ⁾ − log θ_t⁽ᵐ⁾ − 1
//
// (log π⁽ᵐ⁾ for the first transition term at t = 1), taken through each
// head's softmax. The weights are trained by Adam through svi, as point
// masses under a flat prior, the ELBO entering the model as one factor,
// so the svi loss is exactly −ELBO. Its amortization gap — the ELBO of the
// best member of the family (coordinate ascent, [Factorized], only finds a
// local optimum) or of structured mean field, minus the network's — is
// measured in RESULTS.md.
//
// With NetSettings.Estimator NetEnum the same network is trained as an
// svi guide instead (guides.AmortizedDiscrete: the states s_t⁽ᵐ⁾ are
// Categorical sites in a plate over time) by svi's enumeration estimator,
// which sums each time step's L^M joint states out in the graph — the
// coupling of the chains through the emission at one step is enumerated,
// not taken in closed form. The transitions couple neighbouring steps,
// which a row-by-row enumeration cannot sum jointly; because q factorizes
// over time, row t's term takes the sum over s_{t−1} in closed form from
// q's marginal θ_{t−1} (svi.M.Marginal), differentiably, so the objective
// is the closed-form ELBO, value and gradient (to ~1e-13). NetScore trains
// that model with the score-function estimator (unbiased, noisy).
//
// # The ELBO
//
// For any q that factorises over chains,
//
//	ELBO = E_q[log p(y, s)] − E_q[log q(s)]
//	     = Σ_t E_q[log N(y_t; Σ_m W⁽ᵐ⁾s_t⁽ᵐ⁾, C)] + Σ_m (E_q[log p(s⁽ᵐ⁾)] + H[q_m]),
//
// and the Gaussian term needs only the marginals, since ⟨s_t⁽ᵐ⁾s_t⁽ⁿ⁾ᵀ⟩ =
// ⟨s_t⁽ᵐ⁾⟩⟨s_t⁽ⁿ⁾⟩ᵀ for m ≠ n and diag⟨s_t⁽ᵐ⁾⟩ for m = n:
//
//	E_q[‖z_t − Σ_m V⁽ᵐ⁾s_t⁽ᵐ⁾‖²] = ‖z_t − Σ_m V⁽ᵐ⁾⟨s_t⁽ᵐ⁾⟩‖² + Σ_m (Δ⁽ᵐ⁾ᵀ⟨s_t⁽ᵐ⁾⟩ − ⟨s_t⁽ᵐ⁾⟩ᵀG⁽ᵐ⁾⟨s_t⁽ᵐ⁾⟩),
//
// G⁽ᵐ⁾ = W⁽ᵐ⁾ᵀC⁻¹W⁽ᵐ⁾. For the structured q_m ∝ p(s⁽ᵐ⁾) Π_t h_t⁽ᵐ⁾(s_t⁽ᵐ⁾)
// with normaliser Z_m, the chain's prior and entropy terms together are
// E[log p(s⁽ᵐ⁾)] + H[q_m] = log Z_m − Σ_t ⟨s_t⁽ᵐ⁾⟩ᵀ log h_t⁽ᵐ⁾, which
// includes the transition terms exactly; for the fully factorised q they are
// θ_1ᵀ log π + Σ_t θ_tᵀ(log P)θ_{t+1} − Σ θ log θ. Both methods evaluate the
// ELBO after every sweep and return a [*DecreaseError] if it falls by more
// than rounding.
//
// # Learning
//
// [Learn] fits π, P, W and C to one sequence by variational EM as G&J do:
// the E-step is structured mean field (or [Exact], on request), the M-step
// maximises E_q[log p(y, s)] in closed form —
//
//	W = (Σ_t y_t⟨S_t⟩ᵀ)(Σ_t ⟨S_tS_tᵀ⟩)⁺,   C = (1/T) Σ_t E_q[(y_t − WS_t)(y_t − WS_t)ᵀ],
//	π⁽ᵐ⁾ = ⟨s_1⁽ᵐ⁾⟩,   P⁽ᵐ⁾_ij ∝ Σ_t ⟨s_t,i⁽ᵐ⁾ s_{t+1},j⁽ᵐ⁾⟩,
//
// with W = [W⁽¹⁾ … W⁽ᴹ⁾] and S_t the stacked one-hot vectors (the
// pseudo-inverse because each chain's one-hot vector sums to one, which
// leaves M − 1 directions of W unidentified; it picks the minimum-norm W).
// Every E-step and M-step raises the ELBO, which Learn checks; several
// seeded starts are run and the best final ELBO wins.
//
// References:
//
//   - Z. Ghahramani, M. I. Jordan (1997), Factorial hidden Markov models,
//     Machine Learning 29, 245–273 (the model, exact inference, the
//     completely factorized and structured variational approximations and
//     their EM algorithm).
//   - L. R. Rabiner (1989), A tutorial on hidden Markov models and selected
//     applications in speech recognition, Proc. IEEE 77(2), 257–286 (the
//     scaled forward–backward recursions).
//   - C. M. Bishop (2006), Pattern Recognition and Machine Learning, §13.2
//     (forward–backward, the expected transition counts ξ) and §10.1.
package fhmm
