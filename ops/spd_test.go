package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// spdGraph builds f(A) = log det C + Σ (C⁻¹ ⊙ B) with C = AᵀA + I, and
// returns the loss value and ∂f/∂A.
func spdGraph(t *testing.T, a, bw []float64, n int) (float64, []float64) {
	t.Helper()
	g := G.NewGraph()
	A := G.NewMatrix(g, tensor.Float64, G.WithShape(n, n), G.WithName("A"), G.WithValue(tensor.New(tensor.WithShape(n, n), tensor.WithBacking(append([]float64(nil), a...)))))
	B := G.NewMatrix(g, tensor.Float64, G.WithShape(n, n), G.WithName("B"), G.WithValue(tensor.New(tensor.WithShape(n, n), tensor.WithBacking(append([]float64(nil), bw...)))))
	eye := make([]float64, n*n)
	for i := 0; i < n; i++ {
		eye[i*n+i] = 1
	}
	I := G.NewConstant(tensor.New(tensor.WithShape(n, n), tensor.WithBacking(eye)), G.In(g), G.WithName("I"))
	At, err := G.Transpose(A)
	require.NoError(t, err)
	C := G.Must(G.Add(G.Must(G.Mul(At, A)), I))
	ld, err := LogDetSPD(C)
	require.NoError(t, err)
	inv, err := InvSPD(C)
	require.NoError(t, err)
	f := G.Must(G.Add(ld, G.Must(G.Sum(G.Must(G.HadamardProd(inv, B)), 0, 1))))
	_, err = G.Grad(f, A)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g, G.BindDualValues(A))
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	gv, err := A.Grad()
	require.NoError(t, err)
	v, err := floats(f.Value())
	require.NoError(t, err)
	gs, err := floats(gv)
	require.NoError(t, err)
	return v[0], append([]float64(nil), gs...)
}

func TestSPDOps(t *testing.T) {
	const n = 3
	a := []float64{1.2, -0.3, 0.5, 0.1, 0.9, -0.7, 0.4, 0.2, 1.1}
	b := []float64{0.3, -1, 0.2, 0.5, 0.7, -0.4, 1.1, 0.05, -0.6}
	f, grad := spdGraph(t, a, b, n)

	// Value against gonum: log det from the eigenvalues, C⁻¹ by LU.
	Am := mat.NewDense(n, n, a)
	var C mat.Dense
	C.Mul(Am.T(), Am)
	for i := 0; i < n; i++ {
		C.Set(i, i, C.At(i, i)+1)
	}
	var eig mat.EigenSym
	require.True(t, eig.Factorize(mat.NewSymDense(n, C.RawMatrix().Data), false))
	want := 0.0
	for _, l := range eig.Values(nil) {
		want += math.Log(l)
	}
	var inv mat.Dense
	require.NoError(t, inv.Inverse(&C))
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want += inv.At(i, j) * b[i*n+j]
		}
	}
	// Tolerance: two factorizations of a well-conditioned 3×3 matrix agree
	// to rounding.
	assert.InDelta(t, want, f, 1e-12)

	for k := range a {
		x := append([]float64(nil), a...)
		d := fd.Derivative(func(v float64) float64 {
			x[k] = v
			fv, _ := spdGraph(t, x, b, n)
			return fv
		}, a[k], &fd.Settings{Formula: fd.Central, Step: 1e-5})
		// Tolerance: central differences with step 1e-5.
		assert.InDelta(t, d, grad[k], 1e-7, "∂f/∂A[%d]", k)
	}
}

func TestSPDNotPositiveDefinite(t *testing.T) {
	g := G.NewGraph()
	C := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("C"), G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 2, 1}))))
	ld, err := LogDetSPD(C)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	v, _ := floats(ld.Value())
	assert.True(t, math.IsNaN(v[0]))
	_, err = LogDetSPD(G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("v")))
	assert.ErrorContains(t, err, "square matrix")
}
