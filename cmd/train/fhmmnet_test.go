package main

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/models/fhmm"
)

// fhmmNetTol compares the command's network ELBO and amortization gap with
// the library's on the same seed: the same computation in the same order,
// so they agree to rounding (bit for bit is observed).
const fhmmNetTol = 1e-9

// TestFHMMAmortizedGiven runs -method amortized with the parameters that
// generated the data (M = 2, L = 3, D = 4, T = 100) and checks the report
// against fhmm.TrainNet and fhmm.Structured run here, the ELBO against the
// exact log-likelihood, and the plots.
func TestFHMMAmortizedGiven(t *testing.T) {
	dir, data, params, p, y := fhmmProblem(t, 7, 17, 2, 3, 4, 100)
	rep := runFHMMCmd(t, filepath.Join(dir, "out"), "-data", data, "-params", params, "-method", "amortized",
		"-steps", "800", "-seed", "3", "-starts", "2")
	fit, err := fhmm.TrainNet(context.Background(), p, y, fhmm.NetSettings{Window: 2, Hidden: 32, Steps: 800, LearnRate: 0.01, Seed: 3, Starts: 2})
	require.NoError(t, err)
	sq, err := fhmm.Structured(p, y, fhmm.Settings{})
	require.NoError(t, err)
	se := sq.ELBO[len(sq.ELBO)-1]
	require.NotNil(t, rep.ELBO)
	require.NotNil(t, rep.LogLikelihood)
	require.NotNil(t, rep.AmortizationGap)
	assert.InDelta(t, fit.ELBO, *rep.ELBO, fhmmNetTol, "network ELBO")
	assert.InDelta(t, se-fit.ELBO, rep.AmortizationGap.Total, fhmmNetTol, "amortization gap")
	assert.InDelta(t, (se-fit.ELBO)/100, rep.AmortizationGap.PerStep, fhmmNetTol, "per step")
	assert.Less(t, *rep.ELBO, *rep.LogLikelihood, "ELBO < log p(y)")
	assert.Len(t, rep.ELBOTrace, 800)
	assert.Len(t, rep.Marginals, 100)
	assert.Equal(t, &fhmmNetReport{Estimator: "closed", Window: 2, Hidden: 32, Steps: 800, LearnRate: 0.01, Seed: 3, Starts: 2, StartELBO: fit.StartELBO, BestStart: fit.Start}, rep.Network)
	assert.Equal(t, fit.StartELBO, rep.StartELBO)
	checkPNG(t, filepath.Join(dir, "out", "marginals.png"))
	checkPNG(t, filepath.Join(dir, "out", "elbo.png"))
}

// TestFHMMAmortizedLearnSeatbelts learns the Seatbelts parameters by
// variational EM (structured E-step) and then trains the network on them:
// the gap is measured against structured mean field on the learned
// parameters, and params.json is written.
func TestFHMMAmortizedLearnSeatbelts(t *testing.T) {
	path, ok := datadir.Shipped("seatbelts/seatbelts.csv")
	require.True(t, ok)
	dir := t.TempDir()
	rep := runFHMMCmd(t, dir, "-data", path, "-columns", "front,rear,DriversKilled", "-standardize", "-learn",
		"-chains", "2", "-states", "2", "-starts", "2", "-seed", "1", "-method", "amortized", "-steps", "500", "-window", "1")
	require.NotNil(t, rep.AmortizationGap)
	require.NotNil(t, rep.LogLikelihood)
	assert.True(t, rep.Learned)
	assert.Len(t, rep.StartELBO, 2)
	assert.Less(t, *rep.ELBO, *rep.LogLikelihood)
	assert.LessOrEqual(t, rep.AmortizationGap.StructuredELBO, *rep.LogLikelihood+1e-9*math.Abs(*rep.LogLikelihood))
	assert.InDelta(t, rep.AmortizationGap.StructuredELBO-*rep.ELBO, rep.AmortizationGap.Total, fhmmNetTol)
	require.FileExists(t, filepath.Join(dir, "params.json"))
}

// TestFHMMAmortizedEstimators: -method amortized -estimator enum trains
// the network through svi's enumeration of each time step's L^M joint
// states (M = 2, L = 2: 4 per step) from the same start as -estimator
// closed, on the same objective with the same gradients: the final ELBO
// and amortization gap agree to 1e-6 relative (Adam on gradients equal up
// to rounding). -estimator score ends within 5 nats; the report names the
// estimator; misplaced flags are refused naming them.
func TestFHMMAmortizedEstimators(t *testing.T) {
	dir, data, params, _, _ := fhmmProblem(t, 9, 17, 2, 2, 2, 30)
	args := []string{"-data", data, "-params", params, "-method", "amortized", "-steps", "200", "-window", "1", "-hidden", "8", "-seed", "2"}
	closed := runFHMMCmd(t, filepath.Join(dir, "closed"), args...)
	enum := runFHMMCmd(t, filepath.Join(dir, "enum"), append(args, "-estimator", "enum")...)
	score := runFHMMCmd(t, filepath.Join(dir, "score"), append(args, "-estimator", "score", "-particles", "4")...)
	require.NotNil(t, enum.ELBO)
	require.NotNil(t, enum.AmortizationGap)
	t.Logf("ELBO closed %.6f, enum %.6f, score %.6f; gap enum %.4f", *closed.ELBO, *enum.ELBO, *score.ELBO, enum.AmortizationGap.Total)
	tol := 1e-6 * math.Abs(*closed.ELBO)
	assert.InDelta(t, *closed.ELBO, *enum.ELBO, tol)
	assert.InDelta(t, closed.AmortizationGap.Total, enum.AmortizationGap.Total, tol)
	assert.InDelta(t, *closed.ELBO, *score.ELBO, 5)
	assert.Equal(t, "enum", enum.Network.Estimator)
	assert.Equal(t, "score", score.Network.Estimator)
	assert.Equal(t, 4, score.Network.Particles)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-method", "structured", "-estimator", "enum"}, "-estimator applies to -method amortized only"},
		{[]string{"-method", "amortized", "-estimator", "relaxed"}, "-estimator \"relaxed\""},
		{[]string{"-method", "amortized", "-estimator", "enum", "-particles", "4"}, "-particles applies to -estimator score"},
		{[]string{"-method", "amortized", "-estimator", "score", "-particles", "1"}, "-particles 1"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"fhmm", "-data", data, "-params", params, "-out", filepath.Join(dir, "bad")}, tc.args...), &out, &errb)
		assert.ErrorContains(t, err, tc.want)
	}
}
