// Package dist provides probability distributions whose log-densities are
// gorgonia graph nodes.
//
// A distribution is a plain value struct whose fields are nodes of one graph
// (a scalar node, or a node broadcastable against the value). Its LogProb
// method builds the elementwise log-density (or log-mass) of a value node;
// parameters and values broadcast against each other as in NumPy.
// Reparameterizable distributions also implement [Rsampler]: Rsample maps a
// node of noise filled on the host from a seeded math/rand/v2 source to a
// draw, so gradients flow to the parameters. The noise each one expects is
// documented on it: N(0, 1) ([FillStdNormal]) for Normal, LogNormal and
// HalfNormal, Exp(1) ([FillStdExponential]) for Exponential, U(−½, ½)
// ([FillCenteredUniform]) for Laplace. Every distribution an observation
// can use also implements [Drawer], drawing on the host from the values its
// parameter nodes took in a run (svi's posterior predictive).
//
// Distributions over vectors (Categorical, Dirichlet) use the last axis for
// categories: parameters and values of shape [..., K] give log-densities of
// shape [...].
//
// # Supports
//
// Each distribution documents its support. Continuous ones whose support is
// not the whole real line implement [Supporter], returning the [Bijector]
// that maps the real line onto it (Positive, UnitInterval, Simplex); guides
// work in the unconstrained space and the svi package adds the log-Jacobian
// of the map to the ELBO. LogProb does not check that a value lies in the
// support. The discrete Bernoulli, Categorical and Poisson implement neither
// Supporter nor Rsampler: they are likelihoods.
//
// # Parameters
//
// Parameters are not checked at graph-building time (they are nodes whose
// values change): a non-positive scale gives NaN, which the svi package
// reports as a non-finite loss naming the step. The New* constructors take
// float64 values, reject non-finite and out-of-range ones with a
// [*ParamError], and return distributions over uniquely named constants.
// Note that gorgonia cannot compile a graph without any input node.
//
// Special functions (log Γ, ψ, log-sum-exp, stick-breaking) come from
// package github.com/govi/govi/ops.
package dist
