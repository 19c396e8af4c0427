package gmm

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmat"
	"gonum.org/v1/gonum/stat/distmv"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestSVIModelLogJoint evaluates the SVI model's log-joint at a fixed point
// (through a Delta guide, whose loss is −log p(x, z)) and compares it with a
// host computation from gonum's distmv densities: Dirichlet for π, Wishart
// for Λ_k (plus the Jacobian of the Bartlett map A ↦ L₀AAᵀL₀ᵀ,
// D log 2 + Σᵢ (D − i + 1) log a_ii + (D + 1) log|L₀|), Normal for μ_k and
// the mixture density of every point.
func TestSVIModelLogJoint(t *testing.T) {
	x := []float64{0.1, 0.5, -1.2, 0.3, 0.8, -0.4, 1.5, 1.1, -0.7, -0.9, 0.2, 0.0}
	const d, k = 2, 3
	w0 := []float64{2, 0.3, 0.3, 0.5}
	cfg := Config{K: k, Alpha0: 0.7, Beta0: 2, Nu0: 3.5, M0: []float64{0.1, -0.2}, W0: w0}
	m, err := NewSVIModel(x, d, cfg)
	require.NoError(t, err)
	diag := []float64{1.3, 0.7, 0.9, 1.1, 2.0, 0.5}
	off := []float64{0.4, -0.3, 0.8}
	means := []float64{0.2, 0.1, -1.0, 0.4, 1.2, -0.6}
	pi := []float64{0.5, 0.3, 0.2}
	// Unconstrained values: log for the positive diagonal, stick-breaking
	// inverse for the weights.
	udiag := make([]float64, len(diag))
	for i, v := range diag {
		udiag[i] = math.Log(v)
	}
	uw := make([]float64, k-1)
	require.NoError(t, dist.Simplex.InverseHost(uw, pi))
	g := guides.Delta{InitLoc: map[string][]float64{"bartlett_diag": udiag, "bartlett_off": off, "means": means, "weights": uw}}
	loss := map[svi.DType]float64{}
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		tr, err := svi.New(m, g, svi.Config{DType: dt})
		require.NoError(t, err, "%v", dt)
		require.NoError(t, tr.Feed(svi.Batch{"x": x}))
		st, err := tr.Init(1)
		require.NoError(t, err)
		loss[dt], _, err = tr.LossGrad(st.Params)
		require.NoError(t, err, "%v", dt)
	}

	// Host computation.
	want := distmv.NewDirichlet([]float64{0.7, 0.7, 0.7}, nil).LogProb(pi)
	var l0 mat.TriDense
	var ch mat.Cholesky
	require.True(t, ch.Factorize(mat.NewSymDense(d, w0)))
	ch.LTo(&l0)
	wish, ok := distmat.NewWishart(mat.NewSymDense(d, w0), 3.5, nil)
	require.True(t, ok)
	prec := make([]*mat.SymDense, k)
	for c := 0; c < k; c++ {
		A := mat.NewDense(d, d, []float64{diag[2*c], 0, off[c], diag[2*c+1]})
		var L mat.Dense
		L.Mul(&l0, A)
		prec[c] = mat.NewSymDense(d, nil)
		prec[c].SymOuterK(1, &L)
		jac := float64(d)*math.Ln2 + 2*math.Log(diag[2*c]) + math.Log(diag[2*c+1]) + float64(d+1)*(math.Log(l0.At(0, 0))+math.Log(l0.At(1, 1)))
		want += wish.LogProbSym(prec[c]) + jac
		var cov mat.SymDense
		var pc mat.Cholesky
		require.True(t, pc.Factorize(prec[c]))
		require.NoError(t, pc.InverseTo(&cov))
		cov.ScaleSym(1/2.0, &cov) // (β₀Λ)⁻¹ with β₀ = 2
		nm, ok := distmv.NewNormal([]float64{0.1, -0.2}, &cov, nil)
		require.True(t, ok)
		want += nm.LogProb(means[2*c : 2*c+2])
	}
	for n := 0; n < len(x)/d; n++ {
		s := 0.0
		for c := 0; c < k; c++ {
			var cov mat.SymDense
			var pc mat.Cholesky
			require.True(t, pc.Factorize(prec[c]))
			require.NoError(t, pc.InverseTo(&cov))
			nm, ok := distmv.NewNormal(means[2*c:2*c+2], &cov, nil)
			require.True(t, ok)
			s += pi[c] * math.Exp(nm.LogProb(x[d*n:d*n+d]))
		}
		want += math.Log(s)
	}
	// Tolerance: float64 rounding of sums of a few dozen terms.
	assert.InDelta(t, want, -loss[svi.Float64], 1e-9)
	// The float32 graph (the float32-rounded point, data and constants,
	// float32 products, log-sum-exp and stick-breaking in float64 rounded
	// once): a few dozen terms of order 10 each rounded to 6e-8 relative,
	// and the rounding of the inputs (6e-8 relative, propagated through
	// quadratic forms of size 10): about 1e-5 absolute; 1e-4 leaves a
	// margin of ten.
	t.Logf("log-joint %.10g, float32 graph off by %.3g", want, -loss[svi.Float32]-want)
	assert.InDelta(t, want, -loss[svi.Float32], 1e-4)
}
