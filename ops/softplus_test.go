package ops

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/fdcheck"
)

// softplusBig returns max(x, 0) + log1p(t) with t = e^−|x| (rounded to
// float64, an error of 1e-16 relative) and log1p(t) = 2 atanh(t/(2 + t))
// summed to 40 terms in 128-bit arithmetic, where the terms fall below
// 9⁻⁴⁰: the reference the float32 path is held to.
func softplusBig(x float64) float64 {
	t := math.Exp(-math.Abs(x))
	prec := uint(128)
	T := new(big.Float).SetPrec(prec).SetFloat64(t)
	two := new(big.Float).SetPrec(prec).SetFloat64(2)
	s := new(big.Float).SetPrec(prec).Quo(T, new(big.Float).SetPrec(prec).Add(two, T))
	z := new(big.Float).SetPrec(prec).Mul(s, s)
	sum := new(big.Float).SetPrec(prec)
	pow := new(big.Float).SetPrec(prec).Set(s)
	for k := 0; k < 40; k++ {
		term := new(big.Float).SetPrec(prec).Quo(pow, new(big.Float).SetPrec(prec).SetInt64(int64(2*k+1)))
		sum.Add(sum, term)
		pow.Mul(pow, z)
	}
	v, _ := sum.Float64()
	return max(x, 0) + 2*v
}

// TestSoftplusScaleSumLog checks SoftplusScale and SumLog in float64
// against gorgonia's Softplus bit for bit and against Σ log x, and their
// gradients (through the cost Σ w ⊙ softplus(x) + Σ log softplus(x))
// against central finite differences of the host formula.
func TestSoftplusScaleSumLog(t *testing.T) {
	xs := []float64{-30, -3.0, -0.4, 0, 0.4, 1.7, 6.0, 15.5}
	w := []float64{1.0, -0.5, 2.0, 0.7, 1.3, -1.1, 0.2, 0.9}
	g := G.NewGraph()
	x := vecNode(g, xs)
	sp, err := SoftplusScale(x)
	require.NoError(t, err)
	ref := G.Must(G.Softplus(x))
	lg, err := SumLog(sp)
	require.NoError(t, err)
	cost := G.Must(G.Add(G.Must(G.Sum(G.Must(G.HadamardProd(sp, constOf(g, w, len(w)))))), lg))
	grads, err := G.Grad(cost, x)
	require.NoError(t, err)
	res := runTape(t, g, G.Nodes{x}, sp, ref, lg, cost, grads[0])
	assert.Equal(t, res[1], res[0], "SoftplusScale equals gorgonia.Softplus in float64")
	var want float64
	for _, v := range res[0] {
		want += math.Log(v)
	}
	assert.InDelta(t, want, res[2][0], 1e-12*math.Abs(want), "SumLog")
	host := func(v []float64) float64 {
		var c float64
		for i, x := range v {
			s := math.Log1p(math.Exp(x))
			c += w[i]*s + math.Log(s)
		}
		return c
	}
	assert.InDelta(t, host(xs), res[3][0], 1e-10*math.Abs(host(xs)), "cost")
	fd := fdcheck.Grad(host, xs, 1e-6)
	// Central differences with step 1e-6 of terms of size ≤ 30: rounding
	// ~3e-9 per element; the x = −30 term's gradient is ≈ 1 and well
	// conditioned (log softplus(x) ≈ x there).
	assertClose(t, fd, res[4], 1e-6, "gradient")

	_, err = SoftplusScale(G.NewVector(g, tensor.Int, G.WithShape(2), G.WithName("ints")))
	assert.ErrorContains(t, err, "float32 or float64 only")
	_, err = SumLog(nil)
	assert.ErrorContains(t, err, "nil node")
}

// TestSoftplusScaleFloat32 holds the float32 path to a 128-bit softplus
// over a grid from −110 to 20: within 2 ulps (2·2⁻²³ relative; internal/vec's
// bound; 9.8e-8 seen) in float32's normal range, within one denormal step below
// it; below −103 it is 0, gorgonia's float32 cut-off.
func TestSoftplusScaleFloat32(t *testing.T) {
	var xs []float32
	for v := -110.0; v <= 20; v += 0.0625 {
		xs = append(xs, float32(v))
	}
	xs = append(xs, 13.99, 14, 14.01, -102.9, -103, -103.1)
	d := make([]float32, len(xs))
	softplusInto(d, xs)
	worst := 0.0
	for i, x := range xs {
		want := softplusBig(float64(x))
		if float64(x) < -103 {
			want = 0
		}
		if want < 0x1p-126 { // below float32's normal range: absolute, one denormal step
			assert.InDelta(t, want, float64(d[i]), 0x1p-149, "softplus(%v)", x)
			continue
		}
		worst = max(worst, math.Abs(float64(d[i])-want)/want)
	}
	assert.Less(t, worst, 0x1p-22, "worst relative error of the float32 softplus")
}
