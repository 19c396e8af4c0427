// Package guides provides variational families q(z; φ) for the svi package.
//
// Every guide works in the unconstrained space of each latent site: the svi
// trainer maps its draws onto the sites' supports and adds the log-Jacobian.
// Parameters are named "guides/<site>/<param>", for example
// "guides/w/loc" and "guides/w/rho" for the mean-field guide of site w.
//
//   - [MeanField]: independent normals, u = loc + softplus(ρ)⊙ε.
//   - [Delta]: a point mass at loc; fitting it is MAP estimation.
package guides
