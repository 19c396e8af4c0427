package trueskill

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
)

// exact2QuadTol compares the 2-D grid moments with the 1-D rotated
// quadrature: both rules converge geometrically, and the two agree to
// ~1e-13 at the defaults (rounding in sums of 1e5 terms).
const exact2QuadTol = 1e-10

// rotatedMoments computes the exact two-player moments independently of
// Exact2. With μ₀ = 0, u = (a − b)/√2 and w = (a + b)/√2 are independent
// N(0, σ₀²) a priori and the likelihood depends on u only, so w keeps its
// prior and u has the 1-D posterior ∝ N(u; 0, σ₀²)·Π_g P(r_g | √2·u):
//
//	E[a] = E[u]/√2, Var a = Var b = (σ₀² + Var u)/2, Cov(a, b) = (σ₀² − Var u)/2.
func rotatedMoments(t *testing.T, c Config, tc TwoPlayerCase) Gaussian2 {
	t.Helper()
	require.Equal(t, 0.0, c.Mu0)
	logPost := func(u float64) float64 {
		lp := -0.5 * u * u / (c.Sigma0 * c.Sigma0)
		d := math.Sqrt2 * u
		for _, rc := range []struct {
			r Result
			k int
		}{{Win, tc.Wins}, {Draw, tc.Draws}, {Loss, tc.Losses}} {
			if rc.k > 0 {
				lp += float64(rc.k) * c.LogLik(rc.r, d)
			}
		}
		return lp
	}
	lim := 12 * c.Sigma0
	const n = 2000 // Gauss–Legendre nodes on [−12σ₀, 12σ₀]
	shift := logPost(0)
	f := func(k int) func(float64) float64 {
		return func(u float64) float64 { return math.Pow(u, float64(k)) * math.Exp(logPost(u)-shift) }
	}
	z := quad.Fixed(f(0), -lim, lim, n, quad.Legendre{}, 0)
	m := quad.Fixed(f(1), -lim, lim, n, quad.Legendre{}, 0) / z
	vu := quad.Fixed(f(2), -lim, lim, n, quad.Legendre{}, 0)/z - m*m
	s2 := c.Sigma0 * c.Sigma0
	return Gaussian2{
		Mean: [2]float64{m / math.Sqrt2, -m / math.Sqrt2},
		Cov:  [2][2]float64{{(s2 + vu) / 2, (s2 - vu) / 2}, {(s2 - vu) / 2, (s2 + vu) / 2}},
	}
}

func TestExact2(t *testing.T) {
	t.Parallel()
	cases := append(TwoPlayerCases(), TwoPlayerCase{Name: "3 wins, 4 draws, 1 loss", Wins: 3, Draws: 4, Losses: 1})
	for _, c := range []Config{
		{Sigma0: 1, Beta: 1, Margin: 0.3},
		{Sigma0: 1, Beta: 1, Margin: 0.3, Link: Logistic},
		{Sigma0: 2, Beta: 0.5, Margin: 0.1},
	} {
		for _, tc := range cases {
			ds, err := tc.Dataset()
			require.NoError(t, err)
			g, err := Exact2(ds, c, nil)
			require.NoError(t, err)
			want := rotatedMoments(t, c, tc)
			got := g.Moments
			for k := range 2 {
				assert.InDelta(t, want.Mean[k], got.Mean[k], exact2QuadTol, "%s %v: mean %d", tc.Name, c.Link, k)
				assert.InDelta(t, want.Std()[k], got.Std()[k], exact2QuadTol, "%s %v: std %d", tc.Name, c.Link, k)
			}
			assert.InDelta(t, want.Corr(), got.Corr(), exact2QuadTol, "%s %v: corr", tc.Name, c.Link)

			// The density integrates to 1.
			dx := g.X[1] - g.X[0]
			var mass float64
			for _, v := range g.Density {
				mass += v * dx * dx
			}
			assert.InDelta(t, 1, mass, 1e-12, "%s: mass", tc.Name)
		}
	}
}

func TestExact2Errors(t *testing.T) {
	t.Parallel()
	c := Config{Sigma0: 1, Beta: 1}
	three, err := NewDataset([]string{"a", "b", "c"}, []Game{{0, 1, Win}})
	require.NoError(t, err)
	_, err = Exact2(three, c, nil)
	assert.ErrorContains(t, err, "3 players, want 2")
	two, err := TwoPlayerCase{Wins: 1}.Dataset()
	require.NoError(t, err)
	_, err = Exact2(two, c, &GridSpec{N: 2})
	assert.Error(t, err)
	_, err = Exact2(two, c, &GridSpec{HalfWidth: -1})
	assert.Error(t, err)
	_, err = Exact2(two, Config{}, nil)
	assert.Error(t, err)
	draw, err := TwoPlayerCase{Draws: 1}.Dataset()
	require.NoError(t, err)
	_, err = Exact2(draw, c, nil)
	assert.ErrorContains(t, err, "Margin is 0")
	_, err = TwoPlayerCase{Wins: -1}.Dataset()
	assert.Error(t, err)
}
