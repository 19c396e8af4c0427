package trueskill

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Posterior is a Gaussian summary of the skills: per-player means and
// standard deviations and, when known, the joint covariance.
type Posterior struct {
	Players   []string
	Mean, Std []float64
	// Cov is the joint covariance of the skills, or nil when only the
	// marginals are known (EP's factorized approximation). When set, its
	// diagonal equals Std².
	Cov *mat.SymDense
}

// Index returns the index of the named player.
func (p *Posterior) Index(name string) (int, error) {
	if i := slices.Index(p.Players, name); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("trueskill: unknown player %q", name)
}

// Ratings returns the players' ratings sorted by mean, best first.
func (p *Posterior) Ratings() []Rating {
	r, _ := Ratings(p.Players, p.Mean, p.Std) // lengths agree by construction
	return r
}

// diff returns the mean and variance of s_i − s_j.
func (p *Posterior) diff(i, j int) (m, v float64, err error) {
	n := len(p.Mean)
	if len(p.Std) != n {
		return 0, 0, fmt.Errorf("trueskill: Posterior has %d means and %d stds", n, len(p.Std))
	}
	if i < 0 || i >= n || j < 0 || j >= n {
		return 0, 0, fmt.Errorf("trueskill: player index (%d, %d) outside [0, %d)", i, j, n)
	}
	if i == j {
		return 0, 0, fmt.Errorf("trueskill: player %d cannot play itself", i)
	}
	m = p.Mean[i] - p.Mean[j]
	v = p.Std[i]*p.Std[i] + p.Std[j]*p.Std[j]
	if p.Cov != nil {
		if r, _ := p.Cov.Dims(); r != n {
			return 0, 0, fmt.Errorf("trueskill: Posterior covariance is %d×%d for %d players", r, r, n)
		}
		v -= 2 * p.Cov.At(i, j)
	}
	if math.IsNaN(m) || !(v >= 0) {
		return 0, 0, fmt.Errorf("trueskill: skill difference of players %d and %d has mean %v and variance %v", i, j, m, v)
	}
	return m, math.Max(v, 0), nil
}
