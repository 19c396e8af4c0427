package lfm

import "math"

// elbo evaluates the closed-form ELBO of one row under q(z) = Π_j
// Bernoulli(λ_j):
//
//	ELBO = −D/2 log 2πσ² − (‖r‖² + Σ_j λ_j(1−λ_j)‖w_j‖²)/(2σ²)
//	     + Σ_j [λ_j log π_j + (1−λ_j) log(1−π_j)] + Σ_j H(λ_j)
//
// with r = x − b − Σ_j λ_j w_j, which it recomputes into res, and H the
// Bernoulli entropy (0 log 0 = 0). norms holds ‖w_j‖².
func (c *caviState) elbo(x, lambda []float64) float64 {
	p := c.p
	c.residual(x, lambda)
	var rr, prior, ent, spread float64
	for _, v := range c.res {
		rr += v * v
	}
	for j, l := range lambda {
		spread += l * (1 - l) * c.norms[j]
		prior += l*c.logPi[j] + (1-l)*c.log1mPi[j]
		ent -= xlogx(l) + xlogx(1-l)
	}
	return c.logC - 0.5*(rr+spread)/(p.Sigma*p.Sigma) + prior + ent
}

// residual sets c.res = x − b − Σ_j λ_j w_j.
func (c *caviState) residual(x, lambda []float64) {
	for i, v := range x {
		c.res[i] = v - c.p.B[i]
	}
	for j, w := range c.p.W {
		if l := lambda[j]; l != 0 {
			for i, v := range w {
				c.res[i] -= l * v
			}
		}
	}
}

func xlogx(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x)
}
