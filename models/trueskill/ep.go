package trueskill

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// EPSettings controls expectation propagation. The zero value is valid.
type EPSettings struct {
	// MaxSweeps bounds the number of passes over all games; 0 means 500.
	MaxSweeps int
	// Tol stops the iteration when no marginal mean or variance changed by
	// more than Tol during a sweep; 0 means 1e-8.
	Tol float64
	// Damping in [0, 1) mixes each new game message with the old one in
	// natural parameters: new ← (1 − Damping)·new + Damping·old. 0 means no
	// damping; sequential updates of this log-concave model converge without.
	Damping float64
	// FullCovariance keeps a joint Gaussian over all skills instead of
	// TrueSkill's factorized marginals: each game's site is a Gaussian in
	// d = sᵢ − sⱼ (rank one in s), as in EP for probit regression. It costs
	// O(D²) per game instead of O(1) and fills Posterior.Cov.
	FullCovariance bool
}

// EPResult is the outcome of [EP].
type EPResult struct {
	Posterior      // Gaussian marginals; Cov is set only with FullCovariance
	Sweeps    int  // sweeps made
	Converged bool // whether the change fell below Tol within MaxSweeps
}

// EP approximates the posterior of the probit model by expectation
// propagation on the TrueSkill factor graph (Herbrich et al. 2006; Minka
// 2001), the method of TrueSkill itself and of the 4F13 coursework.
//
// Each game g between i and j sends Gaussian messages to sᵢ and sⱼ, and the
// marginal of a skill is its prior times all its messages. Games are
// visited in order, each update using the current marginals: the cavity of
// d = sᵢ − sⱼ is N(m, v) with the game's own messages removed, the tilted
// distribution N(d; m, v)·P(r | d) is moment-matched (its moments are those
// of a normal truncated to the result's interval [−ε, ε], (ε, ∞) or
// (−∞, −ε), computed with stable ratios φ/Φ), and the matched Gaussian
// divided by the cavity is passed on to the two skills. Every message has a
// positive precision, so cavities stay proper.
//
// EP returns an error for the logistic link, for invalid settings, and for a
// draw when c.Margin is 0.
func EP(ds *Dataset, c Config, s *EPSettings) (*EPResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Link != Probit {
		return nil, errors.New("trueskill: EP: only the probit link is supported")
	}
	if err := c.checkData(ds); err != nil {
		return nil, err
	}
	var set EPSettings
	if s != nil {
		set = *s
	}
	if set.MaxSweeps < 0 || set.Tol < 0 || !(set.Damping >= 0 && set.Damping < 1) {
		return nil, fmt.Errorf("trueskill: EP: invalid settings %+v", set)
	}
	if set.MaxSweeps == 0 {
		set.MaxSweeps = 500
	}
	if set.Tol == 0 {
		set.Tol = 1e-8
	}
	if set.FullCovariance {
		return epFull(ds, c, set)
	}

	n := len(ds.Players)
	s2 := 2 * c.Beta * c.Beta // performance-difference noise variance
	prior := 1 / (c.Sigma0 * c.Sigma0)
	tau := make([]float64, n) // marginal precisions
	rho := make([]float64, n) // marginal precision × mean
	for i := range tau {
		tau[i] = prior
		rho[i] = prior * c.Mu0
	}
	// Messages of game g to its P1 and P2, in natural parameters.
	type msg struct{ tau1, rho1, tau2, rho2 float64 }
	msgs := make([]msg, len(ds.Games))
	oldMean := make([]float64, n)
	oldVar := make([]float64, n)

	res := &EPResult{}
	for sweep := 1; sweep <= set.MaxSweeps; sweep++ {
		for i := range tau {
			oldMean[i] = rho[i] / tau[i]
			oldVar[i] = 1 / tau[i]
		}
		for g, gm := range ds.Games {
			i, j, m := gm.P1, gm.P2, &msgs[g]
			// Cavities of the two skills.
			ti, ri := tau[i]-m.tau1, rho[i]-m.rho1
			tj, rj := tau[j]-m.tau2, rho[j]-m.rho2
			mi, vi := ri/ti, 1/ti
			mj, vj := rj/tj, 1/tj
			// Cavity of d and the matched site on d.
			md, vd := mi-mj, vi+vj
			tauD, rhoD := matchSite(gm.Result, c.Margin, md, vd, s2)
			// Messages to the skills: the site convolved with the other
			// player's cavity.
			t1 := tauD / (1 + tauD*vj)
			r1 := (rhoD + tauD*mj) / (1 + tauD*vj)
			t2 := tauD / (1 + tauD*vi)
			r2 := (tauD*mi - rhoD) / (1 + tauD*vi)
			if dmp := set.Damping; dmp > 0 {
				t1 = (1-dmp)*t1 + dmp*m.tau1
				r1 = (1-dmp)*r1 + dmp*m.rho1
				t2 = (1-dmp)*t2 + dmp*m.tau2
				r2 = (1-dmp)*r2 + dmp*m.rho2
			}
			*m = msg{t1, r1, t2, r2}
			tau[i], rho[i] = ti+t1, ri+r1
			tau[j], rho[j] = tj+t2, rj+r2
		}
		change := 0.0
		for i := range tau {
			mean, v := rho[i]/tau[i], 1/tau[i]
			if math.IsNaN(mean) || math.IsNaN(v) || !(v > 0) {
				return nil, fmt.Errorf("trueskill: EP: player %q has marginal mean %v and variance %v after sweep %d", ds.Players[i], mean, v, sweep)
			}
			change = math.Max(change, math.Max(math.Abs(mean-oldMean[i]), math.Abs(v-oldVar[i])))
		}
		res.Sweeps = sweep
		if change < set.Tol {
			res.Converged = true
			break
		}
	}
	res.Players = append([]string(nil), ds.Players...)
	res.Mean = make([]float64, n)
	res.Std = make([]float64, n)
	for i := range tau {
		res.Mean[i] = rho[i] / tau[i]
		res.Std[i] = math.Sqrt(1 / tau[i])
	}
	return res, nil
}

// matchSite returns the Gaussian site, in natural parameters (precision,
// precision × mean), that EP attaches to d for result r when d's cavity is
// N(md, vd) and the performance noise has variance s2.
//
// With S² = vd + s2, the tilted distribution N(d; md, vd)·P(r | d) has mean
// md + vd·G/S and variance vd(s2 + vd·V)/S², where G and V are the mean and
// variance of the standard normal truncated to the result's interval
// shifted by md and scaled by S. Dividing by the cavity gives
//
//	τ̃ = (1 − V)/(s2 + vd·V),   ρ̃ = (G·S + md(1 − V))/(s2 + vd·V),
//
// whose denominators are ≥ s2 > 0: no cancellation however sure the outcome.
func matchSite(r Result, eps, md, vd, s2 float64) (tau, rho float64) {
	lo, hi := r.interval(eps)
	sd := math.Sqrt(vd + s2)
	_, g, v, _ := normInterval((lo-md)/sd, (hi-md)/sd)
	if !(v >= 0) || v > 1 {
		// Rounding can push a variance of order 1e-17 below 0; the
		// truncated variance lies in (0, 1).
		v = math.Min(math.Max(v, 0), 1)
	}
	den := s2 + vd*v
	return (1 - v) / den, (g*sd + md*(1-v)) / den
}

// epFull is EP with a joint Gaussian q(s) = N(μ, Σ) and one site per game,
// a Gaussian in d_g = a_gᵀs with a_g = e_P1 − e_P2 (natural parameters
// τ̃_g, ρ̃_g). Updating site g by Δτ, Δρ is a rank-one change of the
// precision:
//
//	Σ ← Σ − Δτ/(1 + Δτ·v)·(Σa)(Σa)ᵀ,   μ ← μ + (Δρ − Δτ·m)/(1 + Δτ·v)·Σa,
//
// with m = aᵀμ and v = aᵀΣa before the update. Σ and μ are recomputed from
// the sites by a Cholesky factorization after every sweep, so rounding does
// not accumulate.
func epFull(ds *Dataset, c Config, set EPSettings) (*EPResult, error) {
	n := len(ds.Players)
	e := &epJoint{ds: ds, c: c, s2: 2 * c.Beta * c.Beta, prior: 1 / (c.Sigma0 * c.Sigma0),
		tau: make([]float64, len(ds.Games)), rho: make([]float64, len(ds.Games)),
		sigma: mat.NewSymDense(n, nil), mu: make([]float64, n), sa: make([]float64, n)}
	if err := e.refresh(); err != nil {
		return nil, err
	}
	oldMean := make([]float64, n)
	oldVar := make([]float64, n)
	res := &EPResult{}
	for sweep := 1; sweep <= set.MaxSweeps; sweep++ {
		for i := range e.mu {
			oldMean[i], oldVar[i] = e.mu[i], e.sigma.At(i, i)
		}
		if err := e.sweep(sweep, set.Damping); err != nil {
			return nil, err
		}
		if err := e.refresh(); err != nil {
			return nil, err
		}
		change := 0.0
		for i := range e.mu {
			v := e.sigma.At(i, i)
			if math.IsNaN(e.mu[i]) || !(v > 0) {
				return nil, fmt.Errorf("trueskill: EP: player %q has marginal mean %v and variance %v after sweep %d", ds.Players[i], e.mu[i], v, sweep)
			}
			change = math.Max(change, math.Max(math.Abs(e.mu[i]-oldMean[i]), math.Abs(v-oldVar[i])))
		}
		res.Sweeps = sweep
		if change < set.Tol {
			res.Converged = true
			break
		}
	}
	res.Players = append([]string(nil), ds.Players...)
	res.Mean = append([]float64(nil), e.mu...)
	res.Std = make([]float64, n)
	for i := range res.Std {
		res.Std[i] = math.Sqrt(e.sigma.At(i, i))
	}
	res.Cov = e.sigma
	return res, nil
}

// epJoint is full-covariance EP in progress: the sites' natural
// parameters τ̃_g, ρ̃_g and the joint Gaussian N(μ, Σ) they give.
type epJoint struct {
	ds        *Dataset
	c         Config
	s2, prior float64
	tau, rho  []float64 // each game's site
	sigma     *mat.SymDense
	mu        []float64
	sa        []float64 // scratch: Σa
}

// refresh sets Σ = (I/σ₀² + Σ_g τ̃_g a aᵀ)⁻¹ and μ = Σ(μ₀/σ₀²·1 + Σ_g ρ̃_g a).
func (e *epJoint) refresh() error {
	n := len(e.mu)
	lambda := mat.NewSymDense(n, nil)
	h := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		lambda.SetSym(i, i, e.prior)
		h.SetVec(i, e.prior*e.c.Mu0)
	}
	for g, gm := range e.ds.Games {
		i, j, t := gm.P1, gm.P2, e.tau[g]
		lambda.SetSym(i, i, lambda.At(i, i)+t)
		lambda.SetSym(j, j, lambda.At(j, j)+t)
		lambda.SetSym(i, j, lambda.At(i, j)-t)
		h.SetVec(i, h.AtVec(i)+e.rho[g])
		h.SetVec(j, h.AtVec(j)-e.rho[g])
	}
	var chol mat.Cholesky
	if !chol.Factorize(lambda) {
		return errors.New("trueskill: EP: posterior precision is not positive definite")
	}
	if err := chol.InverseTo(e.sigma); err != nil {
		return fmt.Errorf("trueskill: EP: %w", err)
	}
	var m mat.VecDense
	m.MulVec(e.sigma, h)
	copy(e.mu, m.RawVector().Data)
	return nil
}

// sweep updates every game's site in turn, with the rank-one update of
// (μ, Σ) after each.
func (e *epJoint) sweep(sweep int, damping float64) error {
	n, sa := len(e.mu), e.sa
	raw := e.sigma.RawSymmetric()
	for g, gm := range e.ds.Games {
		i, j := gm.P1, gm.P2
		for k := range sa {
			sa[k] = e.sigma.At(k, i) - e.sigma.At(k, j)
		}
		m, v := e.mu[i]-e.mu[j], sa[i]-sa[j]
		// Cavity of d: the marginal of d without site g.
		tc, rc := 1/v-e.tau[g], m/v-e.rho[g]
		if !(tc > 0) {
			return fmt.Errorf("trueskill: EP: game %d has an improper cavity (precision %v) in sweep %d", g, tc, sweep)
		}
		tNew, rNew := matchSite(gm.Result, e.c.Margin, rc/tc, 1/tc, e.s2)
		if damping > 0 {
			tNew = (1-damping)*tNew + damping*e.tau[g]
			rNew = (1-damping)*rNew + damping*e.rho[g]
		}
		dt, dr := tNew-e.tau[g], rNew-e.rho[g]
		e.tau[g], e.rho[g] = tNew, rNew
		den := 1 + dt*v
		k, step := dt/den, (dr-dt*m)/den
		for p := 0; p < n; p++ {
			e.mu[p] += step * sa[p]
			row := raw.Data[p*raw.Stride:]
			kp := k * sa[p]
			for q := p; q < n; q++ {
				row[q] -= kp * sa[q]
			}
		}
	}
	return nil
}
