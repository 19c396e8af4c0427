package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/models/fhmm"
)

// fhmmBruteTol compares the command's exact log-likelihood and marginals
// with the brute-force sum over all 4⁶ = 4096 joint paths below: both are
// sums of 4096 positive terms in double precision, which agree to ~1e-14
// relative; 1e-10 leaves room for the scaled recursions' rounding.
const fhmmBruteTol = 1e-10

// fhmmTiny is a problem with M = 2 chains, L = 2 states, D = 2 outputs
// and T = 6 steps, in the parameter file's layout.
var fhmmTiny = struct {
	init  [2][2]float64
	trans [2][2][2]float64
	means [2][2][2]float64 // [chain][state][output]
	cov   [2][2]float64
	y     [6][2]float64
}{
	init:  [2][2]float64{{0.6, 0.4}, {0.3, 0.7}},
	trans: [2][2][2]float64{{{0.8, 0.2}, {0.3, 0.7}}, {{0.9, 0.1}, {0.25, 0.75}}},
	means: [2][2][2]float64{{{1.0, -0.5}, {-1.0, 0.8}}, {{0.3, 0.2}, {-0.4, 1.1}}},
	cov:   [2][2]float64{{0.7, 0.2}, {0.2, 0.5}},
	y:     [6][2]float64{{0.5, 1.2}, {-0.3, 0.8}, {1.1, -0.2}, {0.9, 0.4}, {-1.2, 0.3}, {0.2, -0.7}},
}

// writeTinyFHMM writes the tiny problem's data (with a header) and
// parameter file into dir.
func writeTinyFHMM(t *testing.T, dir string) (data, params string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("a,b\n")
	for _, row := range fhmmTiny.y {
		fmt.Fprintf(&b, "%v,%v\n", row[0], row[1])
	}
	data, params = filepath.Join(dir, "y.csv"), filepath.Join(dir, "p.json")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	js, err := json.Marshal(map[string]any{"chains": 2, "states": 2, "init": fhmmTiny.init, "trans": fhmmTiny.trans,
		"means": fhmmTiny.means, "cov": fhmmTiny.cov})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(params, js, 0o644))
	return data, params
}

// bruteForceTiny sums p(y, s) over every joint path s of the tiny problem,
// with the 2×2 Gaussian density written out, and returns log p(y) and the
// marginals p(s_t⁽ᵐ⁾ = l | y).
func bruteForceTiny() (float64, [6][2][2]float64) {
	p := fhmmTiny
	a, c, d := p.cov[0][0], p.cov[0][1], p.cov[1][1]
	det := a*d - c*c
	logN := func(y [2]float64, mu [2]float64) float64 {
		u, v := y[0]-mu[0], y[1]-mu[1]
		q := (d*u*u - 2*c*u*v + a*v*v) / det
		return -math.Log(2*math.Pi) - 0.5*math.Log(det) - 0.5*q
	}
	var total float64
	var marg [6][2][2]float64
	for code := 0; code < 1<<12; code++ { // 2 bits a step: chain 0's state, chain 1's state
		var s [6][2]int
		for t := range s {
			s[t][0], s[t][1] = code>>(2*t)&1, code>>(2*t+1)&1
		}
		logp := 0.0
		for t := range s {
			for m := 0; m < 2; m++ {
				if t == 0 {
					logp += math.Log(p.init[m][s[0][m]])
				} else {
					logp += math.Log(p.trans[m][s[t-1][m]][s[t][m]])
				}
			}
			mu := [2]float64{p.means[0][s[t][0]][0] + p.means[1][s[t][1]][0], p.means[0][s[t][0]][1] + p.means[1][s[t][1]][1]}
			logp += logN(p.y[t], mu)
		}
		w := math.Exp(logp)
		total += w
		for t := range s {
			for m := 0; m < 2; m++ {
				marg[t][m][s[t][m]] += w
			}
		}
	}
	for t := range marg {
		for m := range marg[t] {
			for l := range marg[t][m] {
				marg[t][m][l] /= total
			}
		}
	}
	return math.Log(total), marg
}

// runFHMMCmd runs train fhmm with args and -out DIR and returns its report.
func runFHMMCmd(t *testing.T, dir string, args ...string) fhmmReport {
	t.Helper()
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), append(append([]string{"fhmm"}, args...), "-out", dir), &out, &errb), errb.String())
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var rep fhmmReport
	require.NoError(t, json.Unmarshal(b, &rep))
	return rep
}

// TestFHMMExactBruteForce checks -method exact against the brute-force
// sum, and the approximate methods' ELBO against it.
func TestFHMMExactBruteForce(t *testing.T) {
	dir := t.TempDir()
	data, params := writeTinyFHMM(t, dir)
	logLik, marg := bruteForceTiny()
	for _, method := range []string{"exact", "structured", "meanfield"} {
		t.Run(method, func(t *testing.T) {
			rep := runFHMMCmd(t, filepath.Join(dir, method), "-data", data, "-params", params, "-method", method)
			require.NotNil(t, rep.LogLikelihood)
			assert.InDelta(t, logLik, *rep.LogLikelihood, fhmmBruteTol)
			exactMarg := rep.Marginals
			if method != "exact" {
				exactMarg = rep.ExactMarginals
				require.NotNil(t, rep.ELBO)
				assert.LessOrEqual(t, *rep.ELBO, logLik+fhmmBruteTol, "ELBO ≤ log p(y)")
				assert.InDelta(t, logLik-*rep.ELBO, *rep.Gap, fhmmBruteTol)
				require.NotEmpty(t, rep.ELBOTrace)
				for i := 1; i < len(rep.ELBOTrace); i++ {
					assert.GreaterOrEqual(t, rep.ELBOTrace[i], rep.ELBOTrace[i-1]-1e-9*math.Abs(rep.ELBOTrace[i-1]), "sweep %d", i)
				}
			} else {
				assert.Nil(t, rep.ELBO, "no ELBO for exact inference")
			}
			require.Len(t, exactMarg, 6)
			for ti := range marg {
				for m := range marg[ti] {
					for l := range marg[ti][m] {
						assert.InDelta(t, marg[ti][m][l], exactMarg[ti][m][l], fhmmBruteTol, "t %d chain %d state %d", ti, m, l)
					}
				}
			}
			assert.Equal(t, []string{"a", "b"}, rep.Columns)
			assert.Equal(t, 6, rep.T)
			checkPNG(t, filepath.Join(dir, method, "marginals.png"))
		})
	}
}

// fhmmOneChainTol is how close structured mean field must come to the
// exact log-likelihood with one chain, where q_m is the exact posterior
// (the library's own tests see ≤ 3e-13).
const fhmmOneChainTol = 1e-8

// TestFHMMOneChainStructuredIsExact: with M = 1 the structured family
// holds the exact posterior, so its ELBO is log p(y).
func TestFHMMOneChainStructuredIsExact(t *testing.T) {
	dir, data, params, _, _ := fhmmProblem(t, 4, 1, 1, 3, 2, 80)
	rep := runFHMMCmd(t, filepath.Join(dir, "out"), "-data", data, "-params", params, "-method", "structured", "-starts", "3", "-seed", "2")
	require.NotNil(t, rep.ELBO)
	assert.InDelta(t, *rep.LogLikelihood, *rep.ELBO, fhmmOneChainTol)
	assert.Len(t, rep.StartELBO, 3)
	assert.Less(t, *rep.MaxMarginalDiff, 1e-6, "q is the exact posterior")
}

// fhmmProblem draws an FHMM of m chains, l states and d outputs from a
// PCG seeded (seed, stream), generates T steps from it and writes both into
// a temporary directory: that directory, the data and parameter files,
// and the parameters and observations.
func fhmmProblem(t *testing.T, seed, stream uint64, m, l, d, T int) (dir, data, params string, p fhmm.Params, y [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, stream))
	p, err := fhmm.RandomParams(m, l, d, r)
	require.NoError(t, err)
	_, y, err = fhmm.Generate(p, T, r)
	require.NoError(t, err)
	dir = t.TempDir()
	data, params = writeFHMMProblem(t, dir, p, y)
	return dir, data, params, p, y
}

// writeFHMMProblem writes y (no header) and p's parameter file into dir.
func writeFHMMProblem(t *testing.T, dir string, p fhmm.Params, y [][]float64) (data, params string) {
	t.Helper()
	var b strings.Builder
	for _, row := range y {
		for i, v := range row {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(jsonFloat(v))
		}
		b.WriteString("\n")
	}
	data, params = filepath.Join(dir, "y.txt"), filepath.Join(dir, "p.json")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	var pb bytes.Buffer
	require.NoError(t, writeFHMMParams(&pb, p))
	require.NoError(t, os.WriteFile(params, pb.Bytes(), 0o644))
	return data, params
}

// fhmmRecoverTol bounds the distance between a true joint-state mean
// Σ_m W⁽ᵐ⁾s⁽ᵐ⁾ and the nearest learned one: with the noise sd ≤ 0.5 below
// and ~75 steps in each of the 4 joint states, the standard error of a
// mean is ~0.06; 0.25 is four of them.
const fhmmRecoverTol = 0.25

// TestFHMMLearnRecoversAndRoundTrips learns a 2 × 2 FHMM from data drawn
// with known, well-separated parameters, checks that the learned joint
// means match the true ones (W is identified only up to shifts between
// chains and state labels, the joint means are not), and that params.json
// fed back with -params reproduces the fit's exact log-likelihood.
func TestFHMMLearnRecoversAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	truth := fhmm.Params{
		Pi: [][]float64{{0.5, 0.5}, {0.5, 0.5}},
		P:  [][][]float64{{{0.95, 0.05}, {0.05, 0.95}}, {{0.9, 0.1}, {0.1, 0.9}}},
		W:  [][][]float64{{{-2, 2}, {0, 0}}, {{0, 0}, {-1.5, 1.5}}}, // chain 1 moves output 1, chain 2 output 2
		C:  [][]float64{{0.25, 0.05}, {0.05, 0.16}},
	}
	_, y, err := fhmm.Generate(truth, 300, rand.New(rand.NewPCG(11, 3)))
	require.NoError(t, err)
	data, _ := writeFHMMProblem(t, dir, truth, y)
	learned := filepath.Join(dir, "learned")
	rep := runFHMMCmd(t, learned, "-data", data, "-learn", "-chains", "2", "-states", "2", "-method", "exact", "-starts", "3", "-seed", "5")
	assert.True(t, rep.Converged)
	require.NotNil(t, rep.LogLikelihood)
	assert.InDelta(t, rep.ELBOTrace[len(rep.ELBOTrace)-1], *rep.LogLikelihood, 1e-9*math.Abs(*rep.LogLikelihood), "exact EM's trace is the log-likelihood")
	pf := filepath.Join(learned, "params.json")
	got, err := readFHMMParams(pf, 2, 2, 2, "y")
	require.NoError(t, err)
	for _, mu := range jointMeans(truth) {
		best := math.Inf(1)
		for _, nu := range jointMeans(got) {
			best = math.Min(best, math.Hypot(mu[0]-nu[0], mu[1]-nu[1]))
		}
		assert.Less(t, best, fhmmRecoverTol, "true joint mean %v", mu)
	}
	for i := range truth.C {
		for j := range truth.C[i] {
			assert.InDelta(t, truth.C[i][j], got.C[i][j], 0.05, "C[%d][%d] (sd of a variance estimate from 300 steps ≈ 0.02)", i, j)
		}
	}
	assertTransitionsRecovered(t, truth, got)
	for _, method := range []string{"exact", "structured"} {
		again := runFHMMCmd(t, filepath.Join(dir, "again-"+method), "-data", data, "-params", pf, "-method", method)
		require.NotNil(t, again.LogLikelihood)
		assert.InDelta(t, *rep.LogLikelihood, *again.LogLikelihood, 1e-9*math.Abs(*rep.LogLikelihood), "params.json round trip (%s)", method)
		if method == "structured" {
			assert.LessOrEqual(t, *again.ELBO, *again.LogLikelihood+1e-9*math.Abs(*again.LogLikelihood))
		}
	}
}

// fhmmTransTol bounds the error of a recovered transition probability:
// each state of the test's chains is visited ~150 times in 300 steps, so
// an estimated P_ij has sd ≤ √(0.1·0.9/150) ≈ 0.025; 0.08 is over 3 sd.
const fhmmTransTol = 0.08

// assertTransitionsRecovered matches each learned chain of a 2 × 2 model
// to a true one, and its state labels, by the direction of its state
// contrast W⁽ᵐ⁾(:, 2) − W⁽ᵐ⁾(:, 1) (unaffected by mean shifts between
// chains; its sign gives the labels), then compares the transition
// matrices. π is not compared: one sequence has one initial state.
func assertTransitionsRecovered(t *testing.T, truth, got fhmm.Params) {
	t.Helper()
	contrast := func(p fhmm.Params, m int) [2]float64 {
		return [2]float64{p.W[m][0][1] - p.W[m][0][0], p.W[m][1][1] - p.W[m][1][0]}
	}
	used := map[int]bool{}
	for m := range got.P {
		c := contrast(got, m)
		best, dot := -1, 0.0
		for k := range truth.P {
			tc := contrast(truth, k)
			if d := c[0]*tc[0] + c[1]*tc[1]; math.Abs(d) > math.Abs(dot) {
				best, dot = k, d
			}
		}
		require.False(t, used[best], "learned chains %d and another match true chain %d", m, best)
		used[best] = true
		label := []int{0, 1} // learned state of true state l
		if dot < 0 {
			label = []int{1, 0}
		}
		for i := range 2 {
			for j := range 2 {
				assert.InDelta(t, truth.P[best][i][j], got.P[m][label[i]][label[j]], fhmmTransTol,
					"learned chain %d (true chain %d): P[%d][%d]", m, best, i, j)
			}
		}
	}
}

// jointMeans returns Σ_m W⁽ᵐ⁾s⁽ᵐ⁾ for the four joint states of a 2 × 2
// model with two outputs.
func jointMeans(p fhmm.Params) [][2]float64 {
	var out [][2]float64
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			out = append(out, [2]float64{p.W[0][0][a] + p.W[1][0][b], p.W[0][1][a] + p.W[1][1][b]})
		}
	}
	return out
}

// TestFHMMSeatbeltsStandardized learns on the shipped Seatbelts series
// with -standardize and -columns: the reported column means and standard
// deviations are those of the file's columns (computed here), the learned
// params.json reproduces the fit through -params -standardize, and the
// structured ELBO stays below the exact log-likelihood.
func TestFHMMSeatbeltsStandardized(t *testing.T) {
	path, ok := datadir.Shipped("seatbelts/seatbelts.csv")
	require.True(t, ok)
	dir := t.TempDir()
	cols := "front,rear,3" // 3 = DriversKilled, by index
	rep := runFHMMCmd(t, filepath.Join(dir, "fit"), "-data", path, "-columns", cols, "-standardize", "-learn", "-chains", "2", "-states", "2", "-seed", "1", "-starts", "2")
	assert.Equal(t, []string{"front", "rear", "DriversKilled"}, rep.Columns)
	assert.Equal(t, 192, rep.T)
	// R 4.2.2: x <- Seatbelts[, c("front", "rear", "DriversKilled")];
	// colMeans(x) and apply(x, 2, sd) * sqrt((n − 1)/n), n = 192, printed
	// with 17 digits; both sides sum 192 integers, so 1e-12 is rounding.
	for j, want := range [][2]float64{{837.21875, 174.642384789901939}, {401.20833333333331, 82.885515505156604}, {122.80208333333333, 25.313706675627774}} {
		assert.InDelta(t, want[0], rep.ColumnMean[j], 1e-12, "mean of column %d", j)
		assert.InDelta(t, want[1], rep.ColumnStd[j], 1e-12, "population sd of column %d", j)
	}
	require.NotNil(t, rep.ELBO)
	require.NotNil(t, rep.LogLikelihood)
	assert.LessOrEqual(t, *rep.ELBO, *rep.LogLikelihood+1e-9*math.Abs(*rep.LogLikelihood), "ELBO ≤ log p(y), up to rounding")
	assert.Len(t, rep.StartELBO, 2)
	again := runFHMMCmd(t, filepath.Join(dir, "again"), "-data", path, "-columns", cols, "-standardize", "-params", filepath.Join(dir, "fit", "params.json"), "-method", "exact")
	assert.InDelta(t, *rep.LogLikelihood, *again.LogLikelihood, 1e-9*math.Abs(*rep.LogLikelihood))
	checkPNG(t, filepath.Join(dir, "fit", "marginals.png"))
	checkPNG(t, filepath.Join(dir, "fit", "elbo.png"))
}

func TestFHMMMissingOut(t *testing.T) {
	dir := t.TempDir()
	data, params := writeTinyFHMM(t, dir)
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"fhmm", "-data", data, "-params", params}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-out is required")
}

// TestFHMMParamsFileRoundTrip: writeFHMMParams writes every float64 so
// that readFHMMParams reads it back bit for bit.
func TestFHMMParamsFileRoundTrip(t *testing.T) {
	p, err := fhmm.RandomParams(3, 4, 5, rand.New(rand.NewPCG(8, 8)))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "p.json")
	var b bytes.Buffer
	require.NoError(t, writeFHMMParams(&b, p))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	got, err := readFHMMParams(path, 0, 0, 5, "data")
	require.NoError(t, err)
	assert.Equal(t, p, got)
	assert.True(t, json.Valid(b.Bytes()))
}

// TestFHMMSeatbeltsExactEMIssue16: exact EM on the Seatbelts series with
// M = 2, L = 3 and ten starts failed at start 9 when a transition count of
// 5e-324 underflowed to a zero probability (models/fhmm
// TestMStepUnderflowIssue16); it must now finish, every start's trace
// being the log-likelihood.
func TestFHMMSeatbeltsExactEMIssue16(t *testing.T) {
	path, ok := datadir.Shipped("seatbelts/seatbelts.csv")
	require.True(t, ok)
	rep := runFHMMCmd(t, t.TempDir(), "-data", path, "-columns", "DriversKilled,front,rear,kms,PetrolPrice,VanKilled", "-standardize",
		"-learn", "-method", "exact", "-chains", "2", "-states", "3", "-starts", "10", "-seed", "1")
	assert.Len(t, rep.StartELBO, 10)
	require.NotNil(t, rep.LogLikelihood)
	assert.InDelta(t, rep.ELBOTrace[len(rep.ELBOTrace)-1], *rep.LogLikelihood, 1e-9*math.Abs(*rep.LogLikelihood))
}
