package lfm

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/monotone"
	"github.com/govi/govi/internal/special"
)

// MeanField is the fully factorised q(z_n) = Π_j Bernoulli(λ_nj) fitted by
// [CAVI].
type MeanField struct {
	// Lambda holds λ_nj = q(z_nj = 1), N rows of K.
	Lambda [][]float64
	// ELBO holds the ELBO summed over rows: ELBO[0] at the initial λ and
	// ELBO[s] after sweep s. It never decreases.
	ELBO []float64
	// RowELBO holds each row's ELBO at the final λ.
	RowELBO []float64
	// Sweeps is the number of sweeps run.
	Sweeps int
	// Converged reports whether the Tol criterion was met within MaxSweeps.
	Converged bool
}

// CAVI fits q(z_n) = Π_j Bernoulli(λ_nj) to every row of x (N rows of D) by
// coordinate ascent with the parameters p fixed. One sweep updates, for each
// row n and j = 0, …, K−1 in turn (PRML 10.9),
//
//	λ_nj = sigmoid(log π_j/(1−π_j) + (w_jᵀ(x_n − b − Σ_{k≠j} λ_nk w_k) − ½‖w_j‖²)/σ²),
//
// the exact maximiser of the ELBO in λ_nj, so the ELBO never decreases; a
// fall beyond rounding is returned as a [*DecreaseError]. Sweeps stop when
// the summed ELBO rises by less than Settings.Tol·|ELBO| or after
// Settings.MaxSweeps. CAVI needs Gaussian outputs: for Bernoulli ones it
// returns an error wrapping [ErrNoClosedForm].
func CAVI(p Params, x [][]float64, set Settings) (*MeanField, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Likelihood != Gaussian {
		return nil, fmt.Errorf("%w: CAVI needs Gaussian outputs (use Exact, K ≤ %d, or SVI)", ErrNoClosedForm, MaxExactFactors)
	}
	if err := checkData(x, p.D(), p.Likelihood); err != nil {
		return nil, err
	}
	set, err := set.withDefaults(len(x), p.K())
	if err != nil {
		return nil, err
	}
	c := newCAVIState(p)
	q := &MeanField{Lambda: make([][]float64, len(x)), RowELBO: make([]float64, len(x))}
	var total float64
	for n, row := range x {
		if set.Init != nil {
			q.Lambda[n] = append([]float64(nil), set.Init[n]...)
		} else {
			q.Lambda[n] = append([]float64(nil), p.Pi...)
		}
		q.RowELBO[n] = c.elbo(row, q.Lambda[n])
		total += q.RowELBO[n]
	}
	q.ELBO = append(q.ELBO, total)
	for sweep := 1; sweep <= set.MaxSweeps; sweep++ {
		total = 0
		for n, row := range x {
			before := q.RowELBO[n]
			c.sweep(row, q.Lambda[n])
			q.RowELBO[n] = c.elbo(row, q.Lambda[n])
			if monotone.Fell(before, q.RowELBO[n]) {
				return nil, &DecreaseError{Sweep: sweep, Datum: n, Before: before, After: q.RowELBO[n]}
			}
			total += q.RowELBO[n]
		}
		prev := q.ELBO[len(q.ELBO)-1]
		if monotone.Fell(prev, total) {
			return nil, &DecreaseError{Sweep: sweep, Datum: -1, Before: prev, After: total}
		}
		q.ELBO = append(q.ELBO, total)
		q.Sweeps = sweep
		if total-prev <= set.Tol*math.Abs(total) {
			q.Converged = true
			break
		}
	}
	return q, nil
}

// caviState holds the quantities shared by every row and a residual buffer.
type caviState struct {
	p                     Params
	norms                 []float64 // ‖w_j‖²
	logit, logPi, log1mPi []float64
	logC                  float64 // −D/2 log 2πσ²
	res                   []float64
}

func newCAVIState(p Params) *caviState {
	k := p.K()
	c := &caviState{
		p: p, norms: make([]float64, k), logit: make([]float64, k),
		logPi: make([]float64, k), log1mPi: make([]float64, k),
		logC: -0.5 * float64(p.D()) * math.Log(2*math.Pi*p.Sigma*p.Sigma),
		res:  make([]float64, p.D()),
	}
	for j, w := range p.W {
		c.norms[j] = dot(w, w)
		c.logPi[j] = math.Log(p.Pi[j])
		c.log1mPi[j] = math.Log1p(-p.Pi[j])
		c.logit[j] = c.logPi[j] - c.log1mPi[j]
	}
	return c
}

// sweep updates λ_0, …, λ_{K−1} of one row in turn, keeping the residual
// r = x − b − Σ_k λ_k w_k current, so that w_jᵀ(x − b − Σ_{k≠j} λ_k w_k) =
// w_jᵀr + λ_j‖w_j‖².
func (c *caviState) sweep(x, lambda []float64) {
	c.residual(x, lambda)
	inv := 1 / (c.p.Sigma * c.p.Sigma)
	for j, w := range c.p.W {
		u := dot(w, c.res) + lambda[j]*c.norms[j]
		l := special.Sigmoid(c.logit[j] + inv*(u-0.5*c.norms[j]))
		if d := l - lambda[j]; d != 0 {
			for i, v := range w {
				c.res[i] -= d * v
			}
		}
		lambda[j] = l
	}
}
