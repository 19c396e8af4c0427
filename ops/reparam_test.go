package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/fdcheck"
	"github.com/govi/govi/internal/special"
)

// TestSoftplusReparam checks the draw against loc + log(1 + e^ρ)·ε and the
// gradients of Σ w ⊙ u with respect to loc and ρ against central finite
// differences, over two runs of one machine with different noise (the op
// reuses its output storage between runs), for ρ on both sides of 16, where
// gorgonia's softplus switches to the identity.
func TestSoftplusReparam(t *testing.T) {
	loc := []float64{0.3, -1.2, 2.0, 0.0, 5.5}
	rho := []float64{-3.0, 0.4, 1.7, 15.0, 17.0}
	w := []float64{1.0, -0.5, 2.0, 0.7, 1.3}
	host := func(l, r, e []float64) float64 {
		var s float64
		for i := range l {
			s += w[i] * (l[i] + special.SoftplusGorgonia(r[i])*e[i])
		}
		return s
	}
	vm, vals, ne := reparamMachine(t, loc, rho, w, SoftplusReparam)
	defer vm.Close()
	for run, eps := range [][]float64{{0.5, -1.0, 1.5, 0.2, -0.3}, {-2.0, 0.1, 0.0, 1.1, 0.9}} {
		copy(ne.Value().Data().([]float64), eps)
		vm.Reset()
		require.NoError(t, vm.RunAll())
		got := valuesOf(t, vals[0])
		for i := range loc {
			sp := math.Log1p(math.Exp(rho[i]))
			if rho[i] > 16 {
				sp = rho[i] // gorgonia's softplus, which the guides' scales use too
			}
			assert.InDelta(t, loc[i]+sp*eps[i], got[i], 1e-12*math.Max(1, math.Abs(got[i])), "run %d: u[%d]", run, i)
		}
		wantL := fdcheck.Grad(func(l []float64) float64 { return host(l, rho, eps) }, loc, 1e-6)
		wantR := fdcheck.Grad(func(r []float64) float64 { return host(loc, r, eps) }, rho, 1e-6)
		gl, gr := valuesOf(t, vals[1]), valuesOf(t, vals[2])
		for i := range loc {
			// Tolerance: central differences, step 1e-6, of a function of
			// size ~10: rounding ~1e-9.
			assert.InDelta(t, wantL[i], gl[i], 1e-6, "run %d: ∂/∂loc[%d]", run, i)
			if rho[i] != 17 { // gorgonia's softplus has a kink at 16; its derivative is σ(ρ) there
				assert.InDelta(t, wantR[i], gr[i], 1e-6, "run %d: ∂/∂ρ[%d]", run, i)
			}
			assert.InDelta(t, w[i]*eps[i]*special.Sigmoid(rho[i]), gr[i], 1e-12, "run %d: ∂/∂ρ[%d] = w ε σ(ρ)", run, i)
		}
	}
	g := G.NewGraph()
	_, err := SoftplusReparam(vecNode(g, loc), vecNode(g, rho), vecNode(g, []float64{1, 2}))
	assert.ErrorContains(t, err, "differ")
}

// TestReparam checks loc + scale ⊙ ε and its gradients (g for loc, g ⊙ ε
// for the scale) against central finite differences, on a scale computed by
// gorgonia.Softplus as the mean-field guide builds it, over two runs.
func TestReparam(t *testing.T) {
	loc := []float64{0.3, -1.2, 2.0, 0.0}
	rho := []float64{-3.0, 0.4, 1.7, 6.0}
	w := []float64{1.0, -0.5, 2.0, 0.7}
	vm, vals, ne := reparamMachine(t, loc, rho, w, func(l, r, e *G.Node) (*G.Node, error) {
		return Reparam(l, G.Must(G.Softplus(r)), e)
	})
	defer vm.Close()
	for run, eps := range [][]float64{{0.5, -1.0, 1.5, 0.2}, {-2.0, 0.1, 0.0, 1.1}} {
		copy(ne.Value().Data().([]float64), eps)
		vm.Reset()
		require.NoError(t, vm.RunAll())
		host := func(l, r []float64) float64 {
			var s float64
			for i := range l {
				s += w[i] * (l[i] + math.Log1p(math.Exp(r[i]))*eps[i])
			}
			return s
		}
		u, gl, gr := valuesOf(t, vals[0]), valuesOf(t, vals[1]), valuesOf(t, vals[2])
		wantL := fdcheck.Grad(func(l []float64) float64 { return host(l, rho) }, loc, 1e-6)
		wantR := fdcheck.Grad(func(r []float64) float64 { return host(loc, r) }, rho, 1e-6)
		for i := range loc {
			assert.InDelta(t, loc[i]+math.Log1p(math.Exp(rho[i]))*eps[i], u[i], 1e-12, "run %d: u[%d]", run, i)
			assert.InDelta(t, wantL[i], gl[i], 1e-6, "run %d: ∂/∂loc[%d]", run, i)
			assert.InDelta(t, wantR[i], gr[i], 1e-6, "run %d: ∂/∂ρ[%d]", run, i)
		}
	}
	g := G.NewGraph()
	_, err := Reparam(vecNode(g, loc), vecNode(g, rho), vecNode(g, []float64{1, 2}))
	assert.ErrorContains(t, err, "differ")
}

// reparamMachine builds Σ w ⊙ u with u = draw(loc, ρ, ε) on input nodes
// holding loc and ρ and a noise node, and returns a machine that reads u
// and the gradients for loc and ρ into vals, and the noise node.
func reparamMachine(t *testing.T, loc, rho, w []float64, draw func(loc, rho, eps *G.Node) (*G.Node, error)) (vm G.VM, vals []G.Value, eps *G.Node) {
	t.Helper()
	g := G.NewGraph()
	nl, nr := vecNode(g, loc), vecNode(g, rho)
	eps = vecNode(g, make([]float64, len(loc)))
	u, err := draw(nl, nr, eps)
	require.NoError(t, err)
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(u, constOf(g, w, len(w))))))
	grads, err := G.Grad(cost, nl, nr)
	require.NoError(t, err)
	vals = make([]G.Value, 3)
	G.Read(u, &vals[0])
	G.Read(grads[0], &vals[1])
	G.Read(grads[1], &vals[2])
	return G.NewTapeMachine(g, G.BindDualValues(nl, nr)), vals, eps
}
