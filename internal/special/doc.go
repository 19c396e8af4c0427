// Package special provides the float64 special functions that govi
// evaluates on the host, outside any graph: the logistic family (sigmoid,
// softplus and its inverse, log-sigmoid), log(1 − eˣ), the log-gamma and
// polygamma functions, the normal density, distribution function, its log
// and the inverse Mills ratio, and log-sum-exp over a slice.
//
// Every function here has one definition in the repository. The graph ops
// of package ops (ops.Softplus, ops.LogNormCDF, ops.Digamma, …) apply them
// elementwise, and the models' host code (predictions, the TrueSkill
// kernels, bijectors' host maps) calls them directly, so that a node and
// its host counterpart agree to the bit.
//
// Each function is accurate to a few ulps over its domain unless its
// comment says otherwise; the tests state their tolerances against
// independent references (mpmath at 80 digits, gonum's mathext, closed
// forms from DLMF).
package special
