package main

import (
	"context"
	"math"
	"math/rand/v2"
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
	r := rand.New(rand.NewPCG(7, 17))
	p, err := fhmm.RandomParams(2, 3, 4, r)
	require.NoError(t, err)
	_, y, err := fhmm.Generate(p, 100, r)
	require.NoError(t, err)
	dir := t.TempDir()
	data, params := writeFHMMProblem(t, dir, p, y)
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
	assert.Equal(t, &fhmmNetReport{Window: 2, Hidden: 32, Steps: 800, LearnRate: 0.01, Seed: 3, Starts: 2, StartELBO: fit.StartELBO, BestStart: fit.Start}, rep.Network)
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
