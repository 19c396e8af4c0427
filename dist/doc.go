// Package dist provides probability distributions whose log-densities are
// gorgonia graph nodes.
//
// A distribution is a plain value struct whose fields are nodes of one graph
// (a scalar node, or a node broadcastable against the value). Its LogProb
// method builds the elementwise log-density of a value node; parameters and
// values broadcast against each other as in NumPy. Reparameterizable
// distributions also implement [Rsampler]: Rsample maps a node of standard
// noise ε (filled on the host by [FillStdNormal] or its kin from a seeded
// math/rand/v2 source) to a draw, so gradients flow to the parameters.
//
// # Supports
//
// Each distribution documents its support. Those whose support is not the
// whole real line implement [Supporter], returning the [Bijector] that maps
// the real line onto it (Exp for positive values, Sigmoid for the unit
// interval); guides work in the unconstrained space and the svi package adds
// the log-Jacobian of the map to the ELBO.
//
// # Parameters
//
// Parameters are not checked at graph-building time (they are nodes whose
// values change): a non-positive scale gives NaN, which the svi package
// reports as a non-finite loss naming the step. Host-side constructors that
// take float64 values (the Prior helpers) do check them and return errors.
package dist
