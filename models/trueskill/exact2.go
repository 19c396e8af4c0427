package trueskill

import (
	"errors"
	"fmt"
	"math"
)

// TwoPlayerCase is a record of games between two players A and B.
type TwoPlayerCase struct {
	Name                string
	Wins, Draws, Losses int // A's wins, draws and losses against B
}

// TwoPlayerCases returns the three standard cases: A beats B 5 times; A
// beats B 10 times; A and B each beat the other 10 times.
func TwoPlayerCases() []TwoPlayerCase {
	return []TwoPlayerCase{
		{Name: "A beats B 5 times", Wins: 5},
		{Name: "A beats B 10 times", Wins: 10},
		{Name: "A and B each beat the other 10 times", Wins: 10, Losses: 10},
	}
}

// Dataset returns the case's games with A as player 0 and B as player 1.
func (tc TwoPlayerCase) Dataset() (*Dataset, error) {
	if tc.Wins < 0 || tc.Draws < 0 || tc.Losses < 0 {
		return nil, fmt.Errorf("trueskill: two-player case %q has a negative count", tc.Name)
	}
	var games []Game
	add := func(k int, r Result) {
		for range k {
			games = append(games, Game{P1: 0, P2: 1, Result: r})
		}
	}
	add(tc.Wins, Win)
	add(tc.Draws, Draw)
	add(tc.Losses, Loss)
	return NewDataset([]string{"A", "B"}, games)
}

// Gaussian2 is a bivariate normal distribution over (s_A, s_B), such as a
// Gaussian approximation to a two-player posterior.
type Gaussian2 struct {
	Label string
	Mean  [2]float64
	Cov   [2][2]float64 // symmetric positive definite
}

// Std returns the marginal standard deviations.
func (g Gaussian2) Std() [2]float64 {
	return [2]float64{math.Sqrt(g.Cov[0][0]), math.Sqrt(g.Cov[1][1])}
}

// Corr returns the correlation of s_A and s_B.
func (g Gaussian2) Corr() float64 {
	sd := g.Std()
	return g.Cov[0][1] / (sd[0] * sd[1])
}

// Gaussian2Of returns the Gaussian over players i and j of p (their means,
// variances and, if p.Cov is set, covariance; 0 otherwise).
func Gaussian2Of(p *Posterior, i, j int, label string) (Gaussian2, error) {
	n := len(p.Mean)
	if i < 0 || i >= n || j < 0 || j >= n || i == j || len(p.Std) != n {
		return Gaussian2{}, fmt.Errorf("trueskill: Gaussian2Of: players (%d, %d) of a %d-player posterior", i, j, n)
	}
	g := Gaussian2{Label: label, Mean: [2]float64{p.Mean[i], p.Mean[j]}}
	g.Cov[0][0] = p.Std[i] * p.Std[i]
	g.Cov[1][1] = p.Std[j] * p.Std[j]
	if p.Cov != nil {
		g.Cov[0][1] = p.Cov.At(i, j)
		g.Cov[1][0] = g.Cov[0][1]
	}
	return g, nil
}

// GridSpec sets the grid of [Exact2]. The zero value is valid.
type GridSpec struct {
	// N is the number of points on each axis; 0 means 321.
	N int
	// HalfWidth is the half-width of each axis around μ₀ in units of σ₀;
	// 0 means 8 (the prior alone puts e^(−32) ≈ 1e-14 of relative density
	// at the edge).
	HalfWidth float64
}

// Grid2 is a posterior density over (s_A, s_B) on a regular grid.
type Grid2 struct {
	X, Y []float64 // axis points for s_A (X) and s_B (Y), equally spaced
	// Density holds p(X[c], Y[r] | games) at index r·len(X) + c, normalized
	// so that Σ Density·ΔX·ΔY = 1.
	Density []float64
	// Moments is the Gaussian with the grid density's mean and covariance.
	Moments Gaussian2
}

// Exact2 evaluates the exact posterior of a two-player data set (players 0
// and 1) on a grid: the log joint log N(a; μ₀, σ₀²) + log N(b; μ₀, σ₀²) +
// Σ_g log P(r_g | a − b) at every point, exponentiated after subtracting
// its maximum and normalized by the midpoint rule. The density is smooth and
// decays like a Gaussian, so the midpoint rule converges geometrically; at
// the default 321 × 321 points over μ₀ ± 8σ₀ its moments are exact to ~1e-12
// (exact2_test.go checks against a finer, wider grid). Works for either link.
func Exact2(ds *Dataset, c Config, spec *GridSpec) (*Grid2, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if len(ds.Players) != 2 {
		return nil, fmt.Errorf("trueskill: Exact2: %d players, want 2", len(ds.Players))
	}
	if err := c.checkData(ds); err != nil {
		return nil, err
	}
	var sp GridSpec
	if spec != nil {
		sp = *spec
	}
	if sp.N == 0 {
		sp.N = 321
	}
	if sp.HalfWidth == 0 {
		sp.HalfWidth = 8
	}
	if sp.N < 3 || !(sp.HalfWidth > 0) {
		return nil, fmt.Errorf("trueskill: Exact2: invalid grid %+v", sp)
	}
	// Count each result seen from player 0.
	var count [4]int
	for _, g := range ds.Games {
		r := g.Result
		if g.P1 == 1 {
			r = r.Reverse()
		}
		count[r]++
	}
	axis := make([]float64, sp.N)
	lo, step := c.Mu0-sp.HalfWidth*c.Sigma0, 2*sp.HalfWidth*c.Sigma0/float64(sp.N-1)
	for k := range axis {
		axis[k] = lo + float64(k)*step
	}
	g := &Grid2{X: axis, Y: append([]float64(nil), axis...), Density: make([]float64, sp.N*sp.N)}
	prior := func(x float64) float64 { z := (x - c.Mu0) / c.Sigma0; return -0.5 * z * z }
	maxLP := math.Inf(-1)
	for r, b := range g.Y {
		for col, a := range g.X {
			lp := prior(a) + prior(b)
			for _, res := range []Result{Win, Draw, Loss} {
				if count[res] > 0 {
					lp += float64(count[res]) * c.LogLik(res, a-b)
				}
			}
			g.Density[r*sp.N+col] = lp
			maxLP = math.Max(maxLP, lp)
		}
	}
	if math.IsInf(maxLP, 0) || math.IsNaN(maxLP) {
		return nil, errors.New("trueskill: Exact2: the log joint is not finite anywhere on the grid")
	}
	var z, ma, mb float64
	for r, b := range g.Y {
		for col, a := range g.X {
			k := r*sp.N + col
			g.Density[k] = math.Exp(g.Density[k] - maxLP)
			z += g.Density[k]
			ma += g.Density[k] * a
			mb += g.Density[k] * b
		}
	}
	ma /= z
	mb /= z
	var vaa, vbb, vab float64
	for r, b := range g.Y {
		for col, a := range g.X {
			w := g.Density[r*sp.N+col] / z
			vaa += w * (a - ma) * (a - ma)
			vbb += w * (b - mb) * (b - mb)
			vab += w * (a - ma) * (b - mb)
		}
	}
	norm := 1 / (z * step * step)
	for k := range g.Density {
		g.Density[k] *= norm
	}
	g.Moments = Gaussian2{
		Label: "exact moments",
		Mean:  [2]float64{ma, mb},
		Cov:   [2][2]float64{{vaa, vab}, {vab, vbb}},
	}
	return g, nil
}
