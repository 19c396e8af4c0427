package lfm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/lfm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateMoments(t *testing.T) {
	p, _ := randomProblem(t, 3, 4, 1, 5)
	const n = 20000
	z, x, err := lfm.Generate(p, n, rand.New(rand.NewPCG(9, 9)))
	require.NoError(t, err)
	require.Len(t, z, n)
	require.Len(t, x, n)
	freq := make([]float64, 3)
	var ss float64
	for i := range x {
		for d := range x[i] {
			mean := p.B[d]
			for j := range z[i] {
				if z[i][j] {
					mean += p.W[j][d]
				}
			}
			r := x[i][d] - mean
			ss += r * r
		}
		for j, on := range z[i] {
			if on {
				freq[j]++
			}
		}
	}
	for j := range freq {
		// Four binomial standard errors: a false alarm about once in
		// 16,000 runs per factor.
		se := math.Sqrt(p.Pi[j] * (1 - p.Pi[j]) / n)
		assert.InDelta(t, p.Pi[j], freq[j]/n, 4*se, "frequency of z_%d", j)
	}
	// The residual variance over n·D = 80,000 draws has relative standard
	// error √(2/80000) = 0.5%; allow four.
	const varRelTol = 4 * 0.005
	assert.InEpsilon(t, p.Sigma*p.Sigma, ss/float64(n*4), varRelTol, "residual variance")
}

func TestGenerateSeeded(t *testing.T) {
	p, _ := randomProblem(t, 2, 3, 1, 6)
	z1, x1, err := lfm.Generate(p, 10, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	z2, x2, err := lfm.Generate(p, 10, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	assert.Equal(t, z1, z2)
	assert.Equal(t, x1, x2)
	_, _, err = lfm.Generate(p, 0, rand.New(rand.NewPCG(1, 2)))
	assert.ErrorContains(t, err, "lfm: Generate: n = 0")
	_, _, err = lfm.Generate(p, 3, nil)
	assert.ErrorContains(t, err, "lfm: Generate: nil *rand.Rand")
}

func TestBars(t *testing.T) {
	for _, k := range []int{1, 4, 6, 12} {
		p, err := lfm.Bars(k, rand.New(rand.NewPCG(uint64(k), 0)))
		require.NoError(t, err)
		require.NoError(t, p.Validate())
		assert.Equal(t, k, p.K())
		assert.Equal(t, lfm.BarsSide*lfm.BarsSide, p.D())
		seen := map[string]bool{}
		for j, w := range p.W {
			var on []int
			for i, v := range w {
				if v != 0 {
					assert.Equal(t, 1.0, v)
					on = append(on, i)
				}
			}
			require.Len(t, on, lfm.BarsSide, "feature %d", j)
			row := on[len(on)-1]-on[0] == lfm.BarsSide-1 // contiguous pixels of one image row
			col := on[1]-on[0] == lfm.BarsSide           // one pixel per image row
			assert.True(t, row || col, "feature %d = %v is not a bar", j, on)
			key := string(rune(on[0])) + string(rune(on[1]))
			assert.False(t, seen[key], "feature %d repeats a bar", j)
			seen[key] = true
			assert.Equal(t, lfm.BarsPi, p.Pi[j])
		}
		assert.Equal(t, lfm.BarsSigma, p.Sigma)
	}
	a, err := lfm.Bars(5, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	b, err := lfm.Bars(5, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	assert.Equal(t, a, b, "same seed, same bars")
	for _, k := range []int{0, 13} {
		_, err := lfm.Bars(k, rand.New(rand.NewPCG(1, 1)))
		assert.ErrorContains(t, err, "lfm: Bars: k =")
	}
	_, err = lfm.Bars(3, nil)
	assert.ErrorContains(t, err, "nil *rand.Rand")
}

func TestGapErrors(t *testing.T) {
	post := &lfm.Posterior{LogEvidence: []float64{-10, -20}}
	_, err := lfm.Gap(post, &lfm.MeanField{RowELBO: []float64{-11}})
	assert.ErrorContains(t, err, "lfm: Gap: the posterior has 2 rows, the mean-field fit 1")
	_, err = lfm.Gap(nil, &lfm.MeanField{})
	assert.ErrorContains(t, err, "lfm: Gap needs")
	_, err = lfm.Gap(post, &lfm.MeanField{RowELBO: []float64{-11, -19}})
	var neg *lfm.NegativeGapError
	require.ErrorAs(t, err, &neg)
	assert.Equal(t, 1, neg.Datum)
	assert.ErrorContains(t, err, "row 1: ELBO -19 exceeds the log evidence -20")
	gap, err := lfm.Gap(post, &lfm.MeanField{RowELBO: []float64{-11, -20 + 1e-14}})
	require.NoError(t, err, "a rounding-sized excess is not an error")
	assert.InDeltaSlice(t, []float64{1, -1e-14}, gap, 1e-15)
}

func TestDecreaseErrorMessage(t *testing.T) {
	err := error(&lfm.DecreaseError{Sweep: 3, Datum: 7, Before: -1, After: -2})
	assert.ErrorContains(t, err, "lfm: CAVI sweep 3 lowered the ELBO of row 7 from -1 to -2")
	err = &lfm.DecreaseError{Sweep: 2, Datum: -1, Before: -1, After: -2}
	assert.ErrorContains(t, err, "lowered the summed ELBO")
}

// TestGenerateBernoulli: with Bernoulli outputs every x_i is 0 or 1, and
// is 1 with frequency sigmoid((Wᵀz + b)_i) given the drawn z.
func TestGenerateBernoulli(t *testing.T) {
	p, _ := bernoulliProblem(t, 2, 3, 1, 8)
	const n = 20000
	z, x, err := lfm.Generate(p, n, rand.New(rand.NewPCG(4, 4)))
	require.NoError(t, err)
	// For each of the 2^K states and each output: draws and ones.
	var count, ones [4][3]float64
	for i := range x {
		s := 0
		for j, on := range z[i] {
			if on {
				s |= 1 << j
			}
		}
		for d, v := range x[i] {
			require.True(t, v == 0 || v == 1, "x[%d][%d] = %v", i, d, v)
			count[s][d]++
			ones[s][d] += v
		}
	}
	for s := range count {
		for d := range count[s] {
			eta := p.B[d]
			for j := range p.W {
				if s>>j&1 == 1 {
					eta += p.W[j][d]
				}
			}
			want := 1 / (1 + math.Exp(-eta))
			// Four binomial standard errors of the state's frequency.
			se := math.Sqrt(want * (1 - want) / count[s][d])
			assert.InDelta(t, want, ones[s][d]/count[s][d], 4*se, "state %b, output %d", s, d)
		}
	}
}

func TestBernoulliBars(t *testing.T) {
	g, err := lfm.Bars(5, rand.New(rand.NewPCG(2, 2)))
	require.NoError(t, err)
	b, err := lfm.BernoulliBars(5, rand.New(rand.NewPCG(2, 2)))
	require.NoError(t, err)
	require.NoError(t, b.Validate())
	assert.Equal(t, lfm.Bernoulli, b.Likelihood)
	for j := range g.W {
		for i, v := range g.W[j] {
			assert.Equal(t, lfm.BarsLogitWeight*v, b.W[j][i], "same bars, scaled")
		}
	}
	for _, v := range b.B {
		assert.Equal(t, lfm.BarsLogitBias, v)
	}
	_, err = lfm.BernoulliBars(13, rand.New(rand.NewPCG(1, 1)))
	assert.ErrorContains(t, err, "lfm: Bars: k = 13")
}
