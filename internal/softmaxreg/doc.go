// Package softmaxreg provides the exact log posterior of the Bayesian
// log-linear classifier (logistic or softmax regression with a Gaussian
// prior), its gradient and Hessian in closed form, the MAP point and the
// Laplace approximation, for reference posteriors against which govi's
// variational fits of models/bnn with no hidden layer are checked.
//
// # Model
//
// With inputs xᵢ ∈ ℝᴰ (already standardized) and labels yᵢ ∈ {0…K−1}:
//
//	W ~ N(0, σ_p² I) (D×O),  b ~ N(0, σ_p² I) (O),  zᵢ = xᵢ W + b
//	yᵢ ~ Categorical(softmax zᵢ)      K > 2, O = K logits
//	yᵢ ~ Bernoulli(σ(zᵢ))             K = 2, O = 1 logit
//
// the parameterization of models/bnn (its layer0/w, row-major, then
// layer0/b), so that θ = (vec W, b) has (D+1)·O elements.
//
// The negative Hessian of the log posterior is
//
//	Σᵢ Aᵢ ⊗ x̃ᵢ x̃ᵢᵀ + I/σ_p²,  Aᵢ = diag(pᵢ) − pᵢ pᵢᵀ (softmax),  σ(zᵢ)(1 − σ(zᵢ)) (logistic),
//
// with x̃ᵢ = (xᵢ, 1), positive definite everywhere: the posterior is
// log-concave and its mode unique.
//
// It is not part of govi's inference API.
package softmaxreg
