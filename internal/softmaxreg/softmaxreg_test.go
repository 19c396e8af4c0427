package softmaxreg

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/mcmc"
)

// synth returns n rows of d standard normal inputs and labels drawn from
// the model with weights of scale 1.5 (so the classes overlap).
func synth(n, d, k int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	o := k
	if k == 2 {
		o = 1
	}
	w := make([]float64, (d+1)*o)
	for i := range w {
		w[i] = 1.5 * r.NormFloat64()
	}
	p := &Posterior{D: d, K: k}
	x = make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	pr := p.Probs(nil, x, w)
	y = make([]float64, n)
	for i := range y {
		u, c := r.Float64(), 0
		for ; c < k-1 && u > pr[i*k+c]; c++ {
			u -= pr[i*k+c]
		}
		y[i] = float64(c)
	}
	return x, y
}

// TestGradHessian: the closed-form gradient against central differences
// of the log-density, and the negative Hessian against central
// differences of the gradient, for the logistic and softmax cases.
func TestGradHessian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		k    int
	}{{"logistic", 2}, {"softmax", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, y := synth(40, 3, tc.k, 2)
			p, err := New(x, y, 3, tc.k, 0.8)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(9, 9))
			theta := make([]float64, p.Dim())
			for i := range theta {
				theta[i] = 0.5 * r.NormFloat64()
			}
			// Central differences with h = 1e-5 of an O(10²) function
			// are good to about 1e-7 absolute.
			const tolGrad, tolHess = 1e-6, 1e-5
			g := make([]float64, p.Dim())
			p.LogDensity(g, theta)
			fd := fdcheck.Grad(func(th []float64) float64 { return p.LogDensity(nil, th) }, theta, 1e-5)
			assert.InDeltaSlice(t, fd, g, tolGrad)
			h := p.NegHessian(theta)
			for i := range theta {
				col := fdcheck.Grad(func(th []float64) float64 {
					gg := make([]float64, len(th))
					p.LogDensity(gg, th)
					return -gg[i]
				}, theta, 1e-5)
				for j := range col {
					assert.InDelta(t, col[j], h.At(i, j), tolHess, "H[%d,%d]", i, j)
				}
			}
			pr := p.Probs(nil, x, theta)
			for i := 0; i < p.N; i++ {
				var s float64
				for c := range tc.k {
					s += pr[i*tc.k+c]
				}
				assert.InDelta(t, 1, s, 1e-12, "row %d's probabilities", i)
			}
		})
	}
}

// grid returns the exact posterior mean and sd of the 2-D logistic
// regression p (one input and a bias) by quadrature on a 601×601 grid
// over mode ± 8 Laplace sds: the posterior's mass outside is below 1e-10
// and the midpoint rule's error far below the tolerances used.
func grid(p *Posterior, la *Laplace) (mean, sd [2]float64) {
	const m = 601
	var lo, step [2]float64
	for i := range 2 {
		lo[i], step[i] = la.Mode[i]-8*la.SD[i], 16*la.SD[i]/(m-1)
	}
	lmax := p.LogDensity(nil, la.Mode)
	var z, s1, s2 [2]float64
	var total float64
	th := make([]float64, 2)
	for a := range m {
		for b := range m {
			th[0], th[1] = lo[0]+float64(a)*step[0], lo[1]+float64(b)*step[1]
			w := math.Exp(p.LogDensity(nil, th) - lmax)
			total += w
			for i := range 2 {
				s1[i] += w * th[i]
				s2[i] += w * th[i] * th[i]
			}
		}
	}
	for i := range 2 {
		z[i] = s1[i] / total
		mean[i], sd[i] = z[i], math.Sqrt(s2[i]/total-z[i]*z[i])
	}
	return mean, sd
}

// TestReferenceMatchesQuadrature: on a small, skewed logistic regression
// (30 rows, one input, strong prior pull) the HMC reference and the
// importance-sampling estimate match the exact posterior moments by
// quadrature, while the Laplace approximation alone visibly does not.
func TestReferenceMatchesQuadrature(t *testing.T) {
	t.Parallel()
	x, y := synth(30, 1, 2, 4)
	p, err := New(x, y, 1, 2, 2)
	require.NoError(t, err)
	la, err := p.NewLaplace()
	require.NoError(t, err)
	assert.Less(t, la.Grad, 1e-8, "the Newton polish reaches the mode")
	mean, sd := grid(p, la)
	is, err := p.Importance(la, 20000, rand.New(rand.NewPCG(5, 6)))
	require.NoError(t, err)
	assert.Less(t, is.KHat, is.Threshold, "a 2-D posterior is within reach of its Laplace approximation")
	for _, pilot := range []int{0, 300} {
		// Without a pilot the Laplace factor preconditions HMC; with one,
		// the covariance of the pilot's draws.
		ref, err := p.Sample(la, mcmc.HMC{Seed: 3, Warmup: 500, Draws: 1500}, 4, pilot)
		require.NoError(t, err)
		assert.Equal(t, pilot > 0, ref.Pilot != nil)
		s := ref.Summary
		assert.Less(t, s.MaxRhat, 1.01, "pilot %d", pilot)
		assert.Greater(t, s.MinESS, 1500.0, "pilot %d", pilot)
		for i := range 2 {
			// 5 Monte Carlo standard errors of the mean (sd/√ESS); the sd
			// to 5% (its relative standard error is about 1/√(2 ESS) ≈ 2%).
			assert.InDelta(t, mean[i], s.Mean[i], 5*sd[i]/math.Sqrt(s.ESS[i]), "pilot %d: HMC mean %d", pilot, i)
			assert.InDelta(t, 1, s.SD[i]/sd[i], 0.05, "pilot %d: HMC sd %d", pilot, i)
		}
		t.Logf("pilot %d: HMC mean %.4f sd %.4f (ESS %.0f)", pilot, s.Mean, s.SD, s.MinESS)
	}
	var lapErr float64
	for i := range 2 {
		assert.InDelta(t, mean[i], is.Mean[i], 5*sd[i]/math.Sqrt(is.ESS), "IS mean %d", i)
		assert.InDelta(t, 1, is.SD[i]/sd[i], 0.05, "IS sd %d", i)
		lapErr = math.Max(lapErr, math.Abs(la.Mode[i]-mean[i])/sd[i])
	}
	// The check is sharp enough to see the skew: the mode is off the mean
	// by more than the tolerance on HMC's mean.
	t.Logf("exact mean %.4f sd %.4f; IS k̂ %.2f; Laplace mode off by %.2f sd", mean, sd, is.KHat, lapErr)
	assert.Greater(t, lapErr, 0.1)
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x, y []float64
		d, k int
		sp   float64
		want string
	}{
		{"ragged", []float64{1, 2, 3}, []float64{0}, 2, 2, 1, "not N rows"},
		{"one class", []float64{1}, []float64{0}, 1, 1, 1, "at least 2 classes"},
		{"prior", []float64{1}, []float64{0}, 1, 2, 0, "prior scale"},
		{"label", []float64{1, 2}, []float64{0, 2}, 1, 2, 1, "label 1 is 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.x, tc.y, tc.d, tc.k, tc.sp)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestCompare: the comparison's figures on hand-made inputs.
func TestCompare(t *testing.T) {
	t.Parallel()
	y := []float64{0, 1}
	ref := []float64{0.8, 0.2, 0.4, 0.6}
	got := []float64{0.7, 0.3, 0.6, 0.4}
	c, err := Compare(y, 2, ref, got, []float64{1, 2, 3}, []float64{1, 1, 2}, []float64{1, 2, 5}, []float64{0.5, 1, 1})
	require.NoError(t, err)
	const tol = 1e-12 // exact arithmetic up to rounding
	assert.InDelta(t, 0.15, c.ProbMAD, tol)
	assert.InDelta(t, 0.2, c.ProbMax, tol)
	assert.InDelta(t, -(math.Log(0.8)+math.Log(0.6))/2, c.LogLossRef, tol)
	assert.InDelta(t, -(math.Log(0.7)+math.Log(0.4))/2, c.LogLoss, tol)
	assert.InDelta(t, 1, c.AccuracyRef, tol)
	assert.InDelta(t, 0.5, c.Accuracy, tol)
	assert.InDelta(t, 2/math.Sqrt(14), c.MeanRelErr, tol)
	assert.InDelta(t, 1, c.MeanMaxZ, tol, "(5−3)/2")
	assert.InDelta(t, 0.5, c.SDRatio, tol, "median of 0.5, 1, 0.5")
	assert.InDelta(t, 1.0/3, c.SDRelErr, tol)
	_, err = Compare(y, 2, ref, got[:3], nil, nil, nil, nil)
	assert.ErrorContains(t, err, "probabilities")
}

func TestSubsetAndPool(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2, 3, 4, 5, 6}
	xs, ys, err := SelectClasses(x, []float64{7, 3, 5}, 2, []int{5, 7})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 5, 6}, xs)
	assert.Equal(t, []float64{1, 0}, ys)
	_, _, err = SelectClasses(x, []float64{7, 3, 5}, 2, []int{1, 2})
	assert.ErrorContains(t, err, "no row")
	_, _, err = SelectClasses(x, []float64{7, 3, 5}, 2, []int{5, 5})
	assert.ErrorContains(t, err, "twice")
	// One 4×4 image pooled in 2×2 blocks: block sums by hand.
	img := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	p, err := Pool(img, 4, 2)
	require.NoError(t, err)
	assert.Equal(t, []float64{1 + 2 + 5 + 6, 3 + 4 + 7 + 8, 9 + 10 + 13 + 14, 11 + 12 + 15 + 16}, p)
	_, err = Pool(img, 4, 3)
	assert.ErrorContains(t, err, "cannot pool")
}
