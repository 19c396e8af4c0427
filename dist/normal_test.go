package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = Normal{}

// logProbTol is the agreement required with gonum's distuv, which evaluates
// the same closed form in float64; 1e-10 absolute leaves room for the
// different order of operations at |log p| up to 1e6.
const logProbTol = 1e-10

func TestNormalLogProb(t *testing.T) {
	for _, tc := range []struct {
		name       string
		loc, scale float64
		x          []float64
	}{
		{"standard", 0, 1, []float64{-3, -0.5, 0, 0.1, 2.5}},
		{"shifted wide", 3, 25, []float64{-100, 0, 3, 1e3}},
		{"narrow", -1, 1e-4, []float64{-1, -1.0001, -0.9999}},
		{"far tail", 0, 1, []float64{-1e3, 1e3}},
		{"tiny scale", 2, 1e-12, []float64{2, 2 + 1e-12}},
		{"huge scale", 0, 1e12, []float64{-1e12, 0, 5e11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			lp, err := Normal{Loc: vec(g, fill(len(tc.x), tc.loc)), Scale: vec(g, fill(len(tc.x), tc.scale))}.LogProb(vec(g, tc.x))
			require.NoError(t, err)
			got := eval(t, lp)
			oracle := distuv.Normal{Mu: tc.loc, Sigma: tc.scale}
			for i, x := range tc.x {
				want := oracle.LogProb(x)
				assert.InDelta(t, want, got[i], logProbTol*math.Max(1, math.Abs(want)), "x=%v", x)
			}
		})
	}
}

func TestNormalEntropyAndRsample(t *testing.T) {
	g := G.NewGraph()
	d := Normal{Loc: vec(g, []float64{1, -2}), Scale: vec(g, []float64{0.5, 3})}
	h, err := d.Entropy()
	require.NoError(t, err)
	x, err := d.Rsample(vec(g, []float64{2, -1}))
	require.NoError(t, err)
	gotH, gotX := eval(t, h), eval(t, x)
	for i, s := range []float64{0.5, 3} {
		assert.InDelta(t, distuv.Normal{Mu: 0, Sigma: s}.Entropy(), gotH[i], logProbTol)
	}
	assert.InDeltaSlice(t, []float64{2, -5}, gotX, 1e-15)
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
