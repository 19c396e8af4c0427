package gmm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/govi/govi/internal/special"
)

const (
	// mcSigmas is the width, in Monte Carlo standard errors, of a seeded
	// Monte Carlo check: a correct formula fails a 4.5σ check with
	// probability 7e-6 (per comparison).
	mcSigmas = 4.5
	// mcDraws is the number of draws of each Monte Carlo check; it keeps the
	// standard errors near 1e-3 for the quantities below.
	mcDraws = 200000
	// meanWishartTol compares E[Λ] = νW with the sample mean of draws.
	meanWishartTol = 0.02
)

// mcMean returns the sample mean and its standard error.
func mcMean(v []float64) (mean, se float64) {
	var s, ss float64
	for _, x := range v {
		s += x
		ss += x * x
	}
	n := float64(len(v))
	mean = s / n
	return mean, math.Sqrt((ss/n - mean*mean) / n)
}

// TestDirichletExpectations checks E[ln π_k] and the entropy of Dir(α)
// against Monte Carlo. The draws come from gonum distuv.Beta by stick
// breaking (π₁ ~ Beta(α₁, α₂+…), π₂/(1 − π₁) ~ Beta(α₂, α₃+…), …), and the
// density is the product of the Beta densities times the Jacobian
// Π_k (1 − π₁ − … − π_{k−1})⁻¹; gonum's distmv.Dirichlet would do as well,
// but distmv needs golang.org/x/tools, which go.sum does not pin.
func TestDirichletExpectations(t *testing.T) {
	for i, alpha := range [][]float64{
		{0.5, 2, 7.3},
		{1, 1},
		{3.2, 0.8, 1.5, 4},
		{1e-3 + 150, 1e-3 + 100, 1e-3}, // an emptied component as in the VB mixture
	} {
		t.Run(fmt.Sprint(alpha), func(t *testing.T) {
			k := len(alpha)
			src := rand.NewPCG(uint64(i), 1)
			sticks := make([]distuv.Beta, k-1)
			for j := range sticks {
				var rest float64
				for _, a := range alpha[j+1:] {
					rest += a
				}
				sticks[j] = distuv.Beta{Alpha: alpha[j], Beta: rest, Src: src}
			}
			lnPi := make([][]float64, k)
			for j := range lnPi {
				lnPi[j] = make([]float64, mcDraws)
			}
			negLogP := make([]float64, mcDraws)
			for s := 0; s < mcDraws; s++ {
				left, lnLeft, lp := 1.0, 0.0, 0.0
				for j, b := range sticks {
					v := b.Rand()
					lp += b.LogProb(v) - lnLeft
					lnPi[j][s] = lnLeft + math.Log(v)
					lnLeft += math.Log1p(-v)
					left *= 1 - v
				}
				lnPi[k-1][s] = lnLeft
				negLogP[s] = -lp
			}
			el := special.DirichletELog(make([]float64, k), alpha)
			for j := range alpha {
				m, se := mcMean(lnPi[j])
				if math.IsInf(m, 0) || math.IsNaN(m) {
					continue // ln π underflows for α ≈ 1e-3: nothing to compare
				}
				assert.InDelta(t, m, el[j], mcSigmas*se, "E[ln π_%d]: MC %.5f ± %.5f", j, m, se)
			}
			if alpha[k-1] < 0.01 {
				return // the density of an almost-empty component is not sampled finitely
			}
			m, se := mcMean(negLogP)
			assert.InDelta(t, m, dirichletEntropy(alpha), mcSigmas*se, "H[Dir]: MC %.5f ± %.5f", m, se)
		})
	}
}

// TestWishartExpectations checks E[ln|Λ|], E[Λ] = νW and the entropy of
// W(W, ν) against Monte Carlo with gonum's distmat.Wishart (sampler and
// log-density) as the oracle.
func TestWishartExpectations(t *testing.T) {
	for i, tc := range []struct {
		name string
		w    []float64
		nu   float64
	}{
		{"1-D", []float64{0.7}, 3.5},
		{"2-D correlated", []float64{2, 0.9, 0.9, 1}, 2.5},
		{"3-D", []float64{1, 0.2, -0.1, 0.2, 0.5, 0.05, -0.1, 0.05, 0.3}, 6},
		{"2-D many dof", []float64{0.01, -0.004, -0.004, 0.02}, 150},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := int(math.Round(math.Sqrt(float64(len(tc.w)))))
			w := mat.NewSymDense(d, tc.w)
			var ch mat.Cholesky
			require.True(t, ch.Factorize(w))
			logDetW := ch.LogDet()
			dist, ok := distmat.NewWishart(w, tc.nu, rand.NewPCG(uint64(i), 2))
			require.True(t, ok)
			lnDet := make([]float64, mcDraws)
			negLogP := make([]float64, mcDraws)
			sum := mat.NewSymDense(d, nil)
			var lam mat.SymDense
			var lch mat.Cholesky
			for s := 0; s < mcDraws; s++ {
				dist.RandSymTo(&lam)
				require.True(t, lch.Factorize(&lam))
				lnDet[s] = lch.LogDet()
				negLogP[s] = -dist.LogProbSymChol(&lch)
				sum.AddSym(sum, &lam)
			}
			m, se := mcMean(lnDet)
			assert.InDelta(t, m, wishartELogDet(logDetW, tc.nu, d), mcSigmas*se, "E[ln|Λ|]: MC %.5f ± %.5f", m, se)
			m, se = mcMean(negLogP)
			assert.InDelta(t, m, wishartEntropy(logDetW, tc.nu, d), mcSigmas*se, "H[W]: MC %.5f ± %.5f", m, se)
			for a := 0; a < d; a++ {
				for b := 0; b < d; b++ {
					want := tc.nu * w.At(a, b)
					got := sum.At(a, b) / mcDraws
					assert.InDelta(t, want, got, meanWishartTol*math.Max(1, math.Abs(tc.nu*w.At(a, a))), "E[Λ][%d,%d]", a, b)
				}
			}
			// ln B(W, ν) is the log normaliser: gonum's log-density at Λ = νW
			// is ln B + (ν−D−1)/2 ln|Λ| − ½ tr(W⁻¹Λ).
			var at mat.SymDense
			at.ScaleSym(tc.nu, w)
			var ach mat.Cholesky
			require.True(t, ach.Factorize(&at))
			want := dist.LogProbSymChol(&ach)
			got := wishartLogB(logDetW, tc.nu, d) + 0.5*(tc.nu-float64(d)-1)*ach.LogDet() - 0.5*tc.nu*float64(d)
			assert.InDelta(t, want, got, normaliserTol, "ln B(W, ν)")
		})
	}
}

// normaliserTol compares two float64 evaluations of a log-normaliser
// (values O(1)–O(100)) by different formulas.
const normaliserTol = 1e-10
