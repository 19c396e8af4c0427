package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	gfloats "gonum.org/v1/gonum/floats"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sbTol is the agreement between the op and the log-space reference below,
// which accumulate rounding differently (a few ulps per break).
const sbTol = 1e-14

// sbRef is an independent reference: the log-space form
// log yₖ = log σ(x̃ₖ) + Σ_{j<k} log σ(−x̃ⱼ), and the log-determinant as
// Σ (log yₖ + log(1 − zₖ)) (Stan manual: ∂yₖ/∂xₖ = yₖ(1 − zₖ)).
func sbRef(x []float64) (y []float64, logDet float64) {
	km1 := len(x)
	y = make([]float64, km1+1)
	var cum float64
	for k, v := range x {
		t := v - math.Log(float64(km1-k))
		ly := -math.Log1p(math.Exp(-t)) + cum
		y[k] = math.Exp(ly)
		l1mz := -math.Log1p(math.Exp(t))
		logDet += ly + l1mz
		cum += l1mz
	}
	y[km1] = math.Exp(cum)
	return y, logDet
}

func TestStickBreakingValues(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		name  string
		rows  int
		km1   int
		scale float64
	}{
		{"K=2", 1, 1, 1},
		{"K=5", 1, 4, 2},
		{"K=5 ×3 rows", 3, 4, 2},
		{"K=8 extreme", 2, 7, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]float64, tc.rows*tc.km1)
			for i := range xs {
				xs[i] = tc.scale * r.NormFloat64()
			}
			g := G.NewGraph()
			var x *G.Node
			if tc.rows == 1 {
				x = vecNode(g, xs)
			} else {
				x = matNode(g, tc.rows, tc.km1, xs)
			}
			y, err := StickBreaking(x)
			require.NoError(t, err)
			ld, err := StickBreakingLogDet(x)
			require.NoError(t, err)
			res := runTape(t, g, nil, y, ld)
			for row := range tc.rows {
				wantY, wantLD := sbRef(xs[row*tc.km1 : (row+1)*tc.km1])
				gotY := res[0][row*(tc.km1+1) : (row+1)*(tc.km1+1)]
				assert.InDelta(t, 1, gfloats.Sum(gotY), 1e-15, "row %d sums to 1", row)
				for k := range wantY {
					assert.InDelta(t, wantY[k], gotY[k], sbTol*wantY[k]+1e-300, "row %d y[%d]", row, k)
				}
				assert.InDelta(t, wantLD, res[1][row], sbTol*math.Max(1, math.Abs(wantLD)), "row %d log det", row)
			}
		})
	}
	// x = 0 maps to the centre of the simplex.
	g := G.NewGraph()
	y, err := StickBreaking(vecNode(g, []float64{0, 0, 0}))
	require.NoError(t, err)
	for _, v := range runTape(t, g, nil, y)[0] {
		assert.InDelta(t, 0.25, v, 1e-16)
	}
}

func TestStickBreakingGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const rows, km1 = 2, 4
	xs := make([]float64, rows*km1)
	for i := range xs {
		xs[i] = 1.5 * r.NormFloat64()
	}
	wy := make([]float64, rows*(km1+1))
	for i := range wy {
		wy[i] = r.NormFloat64()
	}
	wl := []float64{0.7, -1.3}

	g := G.NewGraph()
	x := matNode(g, rows, km1, xs)
	y, err := StickBreaking(x)
	require.NoError(t, err)
	_, gy := gradOf(t, g, x, y, constOf(g, wy, rows, km1+1))

	g2 := G.NewGraph()
	x2 := matNode(g2, rows, km1, xs)
	ld, err := StickBreakingLogDet(x2)
	require.NoError(t, err)
	_, gl := gradOf(t, g2, x2, ld, constOf(g2, wl, rows))

	costY := func(v []float64) float64 {
		var s float64
		for row := range rows {
			yr, _ := sbRef(v[row*km1 : (row+1)*km1])
			s += gfloats.Dot(yr, wy[row*(km1+1):(row+1)*(km1+1)])
		}
		return s
	}
	costL := func(v []float64) float64 {
		var s float64
		for row := range rows {
			_, l := sbRef(v[row*km1 : (row+1)*km1])
			s += wl[row] * l
		}
		return s
	}
	set := &fd.Settings{Formula: fd.Central, Step: 1e-6}
	wantY := fd.Gradient(nil, costY, xs, set)
	wantL := fd.Gradient(nil, costL, xs, set)
	for i := range xs {
		assert.InDelta(t, wantY[i], gy[i], fdTol*math.Max(1, math.Abs(wantY[i])), "∂Σw⊙y/∂x[%d]", i)
		assert.InDelta(t, wantL[i], gl[i], fdTol*math.Max(1, math.Abs(wantL[i])), "∂Σw⊙logdet/∂x[%d]", i)
	}
}

func TestStickBreakingErrors(t *testing.T) {
	g := G.NewGraph()
	_, err := StickBreaking(G.NewScalar(g, tensor.Float64, G.WithName("s")))
	assert.ErrorContains(t, err, "last axis")
	_, err = StickBreakingLogDet(nil)
	assert.ErrorContains(t, err, "nil node")

	// Second derivatives are refused with an error, not a panic.
	x := vecNode(g, []float64{0.1, 0.2})
	y, err := StickBreaking(x)
	require.NoError(t, err)
	d, err := G.Grad(mustSum(t, y), x)
	require.NoError(t, err)
	_, err = G.Grad(mustSum(t, d[0]), x)
	assert.ErrorContains(t, err, "not differentiable")
}
