package svi_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// poissonRegression is a Poisson regression with a Gamma prior on its
// baseline rate and a normal prior on its slope:
//
//	λ ~ Gamma(α, β),  b ~ N(0, 1),  yᵢ ~ Poisson(exp(log λ + b·xᵢ)).
//
// Its Build is the model as a user writes it with M's arithmetic: no error
// handling inside the body, one m.Err() at the end.
type poissonRegression struct {
	alpha, beta float64
	x, y        []float64
}

func (p poissonRegression) Build(m *svi.M) error {
	lam := m.Sample("lambda", dist.Gamma{Concentration: m.Const(p.alpha), Rate: m.Const(p.beta)})
	b := m.Sample("b", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
	x := m.Data("x", len(p.x))
	y := m.Data("y", len(p.y))
	rate := m.Exp(m.Add(m.Log(lam), m.Mul(b, x)))
	m.Observe("y", dist.Poisson{Rate: rate}, y)
	return m.Err()
}

// logPost is the unnormalized log posterior density of (u, b), u = log λ,
// including the Jacobian λ of λ = eᵘ:
//
//	α u − β eᵘ − b²/2 + Σᵢ [yᵢ (u + b xᵢ) − e^(u + b xᵢ)].
func (p poissonRegression) logPost(u, b float64) float64 {
	lp := p.alpha*u - p.beta*math.Exp(u) - b*b/2
	for i, xi := range p.x {
		eta := u + b*xi
		lp += p.y[i]*eta - math.Exp(eta)
	}
	return lp
}

// gridMoments are the posterior means and standard deviations of λ and b.
type gridMoments struct{ meanLam, sdLam, meanB, sdB float64 }

// grid integrates the posterior by the midpoint rule on n×n cells over
// u ∈ [u0, u1], b ∈ [b0, b1]. It also returns the largest density on the
// box's edge relative to the mode, which bounds the mass the box cuts off.
func (p poissonRegression) grid(u0, u1, b0, b1 float64, n int) (gridMoments, float64) {
	hu, hb := (u1-u0)/float64(n), (b1-b0)/float64(n)
	lps := make([]float64, n*n)
	peak := math.Inf(-1)
	for i := range n {
		for j := range n {
			lp := p.logPost(u0+(float64(i)+0.5)*hu, b0+(float64(j)+0.5)*hb)
			lps[i*n+j] = lp
			peak = max(peak, lp)
		}
	}
	var z, sl, sl2, sb, sb2, edge float64
	for i := range n {
		u := u0 + (float64(i)+0.5)*hu
		for j := range n {
			b := b0 + (float64(j)+0.5)*hb
			w := math.Exp(lps[i*n+j] - peak)
			if i == 0 || j == 0 || i == n-1 || j == n-1 {
				edge = max(edge, w)
			}
			lam := math.Exp(u)
			z += w
			sl += w * lam
			sl2 += w * lam * lam
			sb += w * b
			sb2 += w * b * b
		}
	}
	ml, mb := sl/z, sb/z
	return gridMoments{meanLam: ml, sdLam: math.Sqrt(sl2/z - ml*ml), meanB: mb, sdB: math.Sqrt(sb2/z - mb*mb)}, edge
}

const (
	// poissonGridN cells per axis: a cell is 0.01 wide in log λ and 0.0125
	// in b, about a tenth of the posterior sds (≈0.12 and ≈0.19). The
	// midpoint rule on a smooth density that vanishes at the box's edges
	// converges very fast: the moments agree with n = 200 and n = 1600 to
	// 10 digits.
	poissonGridN = 400
	// poissonEdgeTol bounds the density on the box's edge relative to the
	// mode (measured: 5e−21), so the box cuts off a negligible mass.
	poissonEdgeTol = 1e-12
	// poissonMeanTol (in posterior sds) and poissonSDTol (relative): the
	// full-rank guide is a Gaussian in (log λ, b), close to but not the
	// exact posterior. Over six seeds with 10⁵ summary draws its means were
	// within 0.024 sd and its sds within 1.5% of the grid's; the
	// poissonDraws summary draws add Monte Carlo error of 1/√10⁴ = 0.01 sd
	// in the mean and ≈0.7% in the sd. R13's 0.05 sd and 5% cover both.
	poissonMeanTol = 0.05
	poissonSDTol   = 0.05
	poissonDraws   = 10000
)

// TestPoissonRegressionMatchesGrid fits the Poisson regression, written
// with M's arithmetic, with a full-rank guide and the settings a user would
// take, and checks the posterior means and sds of λ and b against a grid
// posterior computed here in plain Go.
func TestPoissonRegressionMatchesGrid(t *testing.T) {
	p := poissonRegression{alpha: 2, beta: 1,
		// 30 counts drawn with λ = 3, b = 0.8 at x evenly spaced on [−1, 1].
		y: []float64{0, 2, 1, 0, 1, 1, 1, 0, 0, 3, 5, 3, 2, 1, 2, 4, 4, 4, 5, 5, 4, 7, 1, 6, 3, 2, 7, 6, 4, 7}}
	for i := range p.y {
		p.x = append(p.x, -1+2*float64(i)/float64(len(p.y)-1))
	}
	want, edge := p.grid(-1, 3, -2, 3, poissonGridN)
	require.Less(t, edge, poissonEdgeTol, "the grid box must hold the posterior")

	tr, err := svi.New(p, guides.FullRank{}, svi.Config{Particles: 8})
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"x": p.x, "y": p.y}))
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 5000, Stop: &svi.Convergence{}, Average: true})
	require.NoError(t, err)
	sum, err := tr.Summarize(st, poissonDraws, rand.New(rand.NewPCG(2, 2)), nil)
	require.NoError(t, err)
	lam, b := sum[0], sum[1]
	require.Equal(t, "lambda", lam.Name)
	t.Logf("λ: mean %.4f (grid %.4f), sd %.4f (grid %.4f); b: mean %.4f (grid %.4f), sd %.4f (grid %.4f)",
		lam.Mean[0], want.meanLam, lam.Std[0], want.sdLam, b.Mean[0], want.meanB, b.Std[0], want.sdB)
	assert.InDelta(t, want.meanLam, lam.Mean[0], poissonMeanTol*want.sdLam, "posterior mean of λ")
	assert.InDelta(t, want.sdLam, lam.Std[0], poissonSDTol*want.sdLam, "posterior sd of λ")
	assert.InDelta(t, want.meanB, b.Mean[0], poissonMeanTol*want.sdB, "posterior mean of b")
	assert.InDelta(t, want.sdB, b.Std[0], poissonSDTol*want.sdB, "posterior sd of b")
}
