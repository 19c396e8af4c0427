package blr

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/internal/table"
)

// Reference figures from the peer program's recorded output
// /work/shared/peers/results/bayeslinreg_boston_mass.json
// (shared/peers/bayeslinreg_exact.py on data/boston_mass/boston.csv:
// Φ = [1, standardised X], t standardised with the population std, α = 1,
// β = 4; numpy float64, Cholesky).
const (
	peerBostonAlpha         = 1.0
	peerBostonBeta          = 4.0
	peerBostonN             = 506
	peerBostonM             = 14
	peerBostonLogEvidence   = -425.8766365699684 // "log_evidence" (PRML 3.86)
	peerBostonLogEvDirect   = -425.8766365699705 // "log_evidence_direct": N-dim Gaussian density
	peerBostonLogDetA       = 97.67612365856598  // "log_det_A"
	peerBostonMeanFieldELBO = -430.3318495974699 // "mean_field_optimum"."elbo"
	peerBostonKL            = 4.455213027501486  // "mean_field_optimum"."kl_to_posterior"
)

// peerBostonMeanN is "m_N" of the same file.
var peerBostonMeanN = []float64{
	6.59180065760979e-16, -0.1007880491918831, 0.11729720870288145, 0.014679667697024463,
	0.07429330156502915, -0.22308535827903866, 0.2912931281880816, 0.001943807569395129,
	-0.33710495404881, 0.2877840815981931, -0.22418501160501803, -0.22404492918686772,
	0.09242085967895648, -0.40709159843006393,
}

// peerBostonPostStd is "posterior_std" (√diag S_N) of the same file.
var peerBostonPostStd = []float64{
	0.022222222222222223, 0.029738422255289353, 0.033669234930768725, 0.0443334813473223,
	0.02302753892441188, 0.04652706946454317, 0.030883709833306017, 0.03909988681876647,
	0.044153212597087745, 0.06060428533104061, 0.06647554429069559, 0.029791920223338583,
	0.025802180235527286, 0.038084594700395685,
}

// bostonDesign reads the shipped Boston table and builds the peer's design:
// Φ = [1, standardised X], t = standardised medv.
func bostonDesign(t testing.TB) (phi, y []float64, m int) {
	t.Helper()
	path, ok := datadir.Shipped("boston_mass/boston.csv")
	require.True(t, ok, "shipped data set boston_mass/boston.csv not found")
	tb, err := table.ReadFile(path)
	require.NoError(t, err)
	x, target, d := tb.Split()
	z, _, _, err := Standardize(x, d)
	require.NoError(t, err)
	phi, m, err = AddIntercept(z, d)
	require.NoError(t, err)
	y, _, _, err = Standardize(target, 1)
	require.NoError(t, err)
	return phi, y, m
}

// synthetic returns a seeded regression problem with n rows and d columns.
func synthetic(n, d int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 0))
	w := make([]float64, d)
	for j := range w {
		w[j] = r.NormFloat64()
	}
	x = make([]float64, n*d)
	y = make([]float64, n)
	for i := 0; i < n; i++ {
		var mu float64
		for j := 0; j < d; j++ {
			x[i*d+j] = r.NormFloat64()
			mu += x[i*d+j] * w[j]
		}
		y[i] = mu + 0.5*r.NormFloat64()
	}
	return x, y
}
