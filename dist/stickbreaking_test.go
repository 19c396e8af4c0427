package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

const (
	// sbRoundTripTol bounds |T⁻¹(T(u)) − u| relative to max(1, |u|): the
	// inverse takes logs of components that carry a few ulps each.
	sbRoundTripTol = 1e-12
	// sbJacobianTol bounds the difference between log|det J| and the log
	// determinant of a central-difference Jacobian (step 1e-6, error ~1e-10
	// per entry, amplified by the conditioning of J).
	sbJacobianTol = 1e-6
)

var _ Bijector = StickBreaking{}

func TestStickBreakingHost(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct {
		name       string
		rows, km1  int
		scale      float64
		relaxedInv bool
	}{
		{"K=2", 1, 1, 1, false},
		{"K=4", 1, 3, 1, false},
		{"K=6 ×3 rows", 3, 5, 2, false},
		{"K=10 wide", 2, 9, 8, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := make([]float64, tc.rows*tc.km1)
			for i := range u {
				u[i] = tc.scale * r.NormFloat64()
			}
			x := make([]float64, tc.rows*(tc.km1+1))
			StickBreaking{}.ForwardHost(x, u)
			for row := range tc.rows {
				xr := x[row*(tc.km1+1) : (row+1)*(tc.km1+1)]
				assert.InDelta(t, 1, floats.Sum(xr), 1e-15, "row %d sums to 1", row)
				assert.True(t, floats.Min(xr) > 0, "row %d is inside the simplex", row)
			}
			back := make([]float64, len(u))
			require.NoError(t, StickBreaking{}.InverseHost(back, x))
			for i := range u {
				assert.InDelta(t, u[i], back[i], sbRoundTripTol*math.Max(1, math.Abs(u[i])), "round trip %d", i)
			}

			// The graph op (ops.StickBreaking) against the host code.
			g := G.NewGraph()
			var un *G.Node
			if tc.rows == 1 {
				un = vec(g, u)
			} else {
				un = matIn(g, tc.rows, tc.km1, u)
			}
			xn, ld, err := StickBreaking{}.Forward(un)
			require.NoError(t, err)
			require.True(t, ld.IsScalar())
			res := evalNodes(t, g, nil, xn, ld)
			for i := range x {
				assert.InDelta(t, x[i], res[0][i], 1e-15*x[i]+1e-300, "graph vs host %d", i)
			}

			// log|det J| against a finite-difference Jacobian of the first
			// K−1 coordinates, row by row, with gonum's mat.Det.
			var want float64
			for row := range tc.rows {
				ur := u[row*tc.km1 : (row+1)*tc.km1]
				jac := mat.NewDense(tc.km1, tc.km1, nil)
				fd.Jacobian(jac, func(y, v []float64) {
					full := make([]float64, tc.km1+1)
					StickBreaking{}.ForwardHost(full, v)
					copy(y, full[:tc.km1])
				}, ur, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-6})
				logDet, sign := mat.LogDet(jac)
				assert.Equal(t, 1.0, sign, "row %d: J has a positive determinant", row)
				want += logDet
			}
			assert.InDelta(t, want, res[1][0], sbJacobianTol*math.Max(1, math.Abs(want)), "log|det J|")
		})
	}
}

func TestStickBreakingGradient(t *testing.T) {
	u := []float64{0.3, -1.2, 0.8}
	w := []float64{1.5, -0.5, 2, 0.7}
	checkGradFD(t, [][]float64{u},
		func(n []*G.Node) (*G.Node, error) {
			x, ld, err := StickBreaking{}.Forward(n[0])
			if err != nil {
				return nil, err
			}
			b := builderFor(x)
			out := b.Add(b.Sum(b.Mul(x, vectorConst(x.Graph(), w))), ld)
			return out, b.Err()
		},
		func(p [][]float64) float64 {
			x := make([]float64, len(p[0])+1)
			StickBreaking{}.ForwardHost(x, p[0])
			// log|det J| by the Stan formula Σ (log xₖ + log(1 − zₖ)).
			var ld, rem float64 = 0, 1
			for k, v := range p[0] {
				z := 1 / (1 + math.Exp(-(v - math.Log(float64(len(p[0])-k)))))
				ld += math.Log(x[k]) + math.Log1p(-z)
				rem -= x[k]
			}
			return floats.Dot(x, w) + ld
		})
}

func TestStickBreakingShapesAndErrors(t *testing.T) {
	sb := StickBreaking{}
	assert.Equal(t, []int{5, 3}, sb.UnconstrainedShape([]int{5, 4}))
	assert.Empty(t, sb.UnconstrainedShape([]int{}))
	assert.Equal(t, "simplex", sb.String())
	dst := make([]float64, 2)
	assert.Error(t, sb.InverseHost(dst, []float64{0.5, 0.6, 0.1}), "does not sum to 1")
	assert.Error(t, sb.InverseHost(dst, []float64{1.2, -0.1, -0.1}), "negative entry")
	assert.Error(t, sb.InverseHost(dst, []float64{0.5, 0.5}), "lengths")
	assert.Panics(t, func() { sb.ForwardHost(make([]float64, 2), []float64{1, 2}) }, "documented panic on lengths")
	_, _, err := sb.Forward(nil)
	assert.Error(t, err)
}
