package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/models/lfm"
)

const (
	// lfmSumRelTol compares summed log evidences and ELBOs of ~10³–10⁴
	// nats computed by the command and by the test's own enumeration
	// (gonum distuv densities, floats.LogSumExp): rounding only, ~1e-15
	// relative observed.
	lfmSumRelTol = 1e-10
	// lfmMargTol compares posterior marginals with the test's
	// enumeration: rounding only.
	lfmMargTol = 1e-10
)

// runLFMTest runs train lfm with args and -out dir and returns the report.
func runLFMTest(t *testing.T, args ...string) (lfmReport, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	err := run(context.Background(), append(append([]string{"lfm"}, args...), "-out", dir), &out, &errb)
	require.NoError(t, err, "stderr: %s", errb.String())
	b, err := os.ReadFile(filepath.Join(dir, reportName))
	require.NoError(t, err)
	var rep lfmReport
	require.NoError(t, json.Unmarshal(b, &rep))
	t.Log(strings.TrimSpace(errb.String()))
	return rep, dir
}

// barsOf redraws the data of -data bars -factors k -rows n -seed seed as
// the help of -data documents it.
func barsOf(t *testing.T, k, n int, seed uint64, noise float64) (lfm.Params, [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, lfmBarsStream))
	p, err := lfm.Bars(k, r)
	require.NoError(t, err)
	if noise > 0 {
		p.Sigma = noise
	}
	_, x, err := lfm.Generate(p, n, r)
	require.NoError(t, err)
	return p, x
}

// enumLogJoint returns log p(x, z) for the 0/1 state z, from gonum's
// distuv densities of each output: no code shared with models/lfm.
func enumLogJoint(p lfm.Params, x []float64, z []bool) float64 {
	var lp float64
	for j, on := range z {
		lp += distuv.Bernoulli{P: p.Pi[j]}.LogProb(b2f(on))
	}
	for i, xi := range x {
		eta := p.B[i]
		for j, on := range z {
			if on {
				eta += p.W[j][i]
			}
		}
		if p.Likelihood == lfm.Bernoulli {
			lp += distuv.Bernoulli{P: 1 / (1 + math.Exp(-eta))}.LogProb(xi)
		} else {
			lp += distuv.Normal{Mu: eta, Sigma: p.Sigma}.LogProb(xi)
		}
	}
	return lp
}

func stateOf(s, k int) []bool {
	z := make([]bool, k)
	for j := range z {
		z[j] = s>>j&1 == 1
	}
	return z
}

// enumEvidence returns log p(x) and p(z_j = 1 | x) by enumeration.
func enumEvidence(p lfm.Params, x []float64) (float64, []float64) {
	k := len(p.W)
	lj := make([]float64, 1<<k)
	for s := range lj {
		lj[s] = enumLogJoint(p, x, stateOf(s, k))
	}
	le := floats.LogSumExp(lj)
	marg := make([]float64, k)
	for s, v := range lj {
		for j, on := range stateOf(s, k) {
			if on {
				marg[j] += math.Exp(v - le)
			}
		}
	}
	return le, marg
}

// enumELBO returns E_q[log p(x, z) − log q(z)] for q(z) = Π_j
// Bernoulli(λ_j) by enumeration.
func enumELBO(p lfm.Params, x, lambda []float64) float64 {
	k := len(p.W)
	var elbo float64
	for s := 0; s < 1<<k; s++ {
		z := stateOf(s, k)
		var logq float64
		for j, on := range z {
			logq += distuv.Bernoulli{P: lambda[j]}.LogProb(b2f(on))
		}
		if q := math.Exp(logq); q > 0 {
			elbo += q * (enumLogJoint(p, x, z) - logq)
		}
	}
	return elbo
}

// paramsOf returns the parameters in a report.
func paramsOf(rep lfmReport) lfm.Params {
	p := lfm.Params{W: rep.Weights, B: rep.Bias, Pi: rep.Prior, Likelihood: lfm.Gaussian}
	if rep.Noise != nil {
		p.Sigma = *rep.Noise
	} else {
		p.Likelihood = lfm.Bernoulli
	}
	return p
}

// checkEvidence compares the report's log evidence and (when exact) its
// marginals with the test's enumeration over the data x.
func checkEvidence(t *testing.T, rep lfmReport, x [][]float64) {
	t.Helper()
	p := paramsOf(rep)
	require.NotNil(t, rep.LogEvidence)
	require.Len(t, rep.Marginals, len(x))
	var total float64
	for n, row := range x {
		le, marg := enumEvidence(p, row)
		total += le
		if rep.Method == "exact" {
			assert.InDeltaSlice(t, marg, rep.Marginals[n], lfmMargTol, "row %d marginals", n)
		}
	}
	assert.InEpsilon(t, total, *rep.LogEvidence, lfmSumRelTol, "log evidence")
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	require.NoError(t, err, "%s is a PNG", path)
	assert.Greater(t, cfg.Width, 100)
}

// TestLFMBarsExact: with the generating parameters of -data bars, the
// exact method's log evidence and marginals are the test's enumeration
// over the same rows (redrawn from the documented stream), the ELBO is
// the log evidence and the gap 0.
func TestLFMBarsExact(t *testing.T) {
	rep, dir := runLFMTest(t, "-data", "bars", "-factors", "4", "-rows", "60", "-seed", "3", "-method", "exact")
	truth, x := barsOf(t, 4, 60, 3, 0)
	assert.Equal(t, "exact", rep.Method)
	assert.Equal(t, truth.W, rep.Weights)
	assert.Equal(t, truth.Pi, rep.Prior)
	require.NotNil(t, rep.Noise)
	assert.Equal(t, lfm.BarsSigma, *rep.Noise)
	checkEvidence(t, rep, x)
	post, err := lfm.Exact(truth, x)
	require.NoError(t, err)
	assert.InEpsilon(t, post.Total, *rep.LogEvidence, lfmSumRelTol, "lfm.Exact's log evidence")
	assert.Equal(t, *rep.LogEvidence, rep.ELBO)
	require.NotNil(t, rep.Gap)
	assert.Zero(t, rep.Gap.Total)
	checkPNG(t, filepath.Join(dir, "features.png"))
	assert.NoFileExists(t, filepath.Join(dir, "elbo.png"), "exact inference has no trace")
}

// TestLFMBarsCAVI: on noisy bars (σ = 2, so that overlapping bars open a
// gap) the CAVI ELBO is the test's enumerated ELBO at the reported λ, lies
// below the enumerated log evidence, rises every sweep, and the gap is
// their difference, row by row.
func TestLFMBarsCAVI(t *testing.T) {
	rep, dir := runLFMTest(t, "-data", "bars", "-factors", "6", "-rows", "40", "-seed", "5", "-noise", "2")
	_, x := barsOf(t, 6, 40, 5, 2)
	assert.Equal(t, "cavi", rep.Method, "the default for gaussian outputs")
	checkEvidence(t, rep, x)
	p := paramsOf(rep)
	var elbo float64
	for n, row := range x {
		e := enumELBO(p, row, rep.Marginals[n])
		elbo += e
		le, _ := enumEvidence(p, row)
		assert.InDelta(t, le-e, rep.Gap.PerDatum[n], 1e-9, "row %d gap", n)
		assert.GreaterOrEqual(t, rep.Gap.PerDatum[n], -1e-9, "row %d: ELBO above log p(x)", n)
	}
	assert.InEpsilon(t, elbo, rep.ELBO, lfmSumRelTol, "closed-form ELBO against the enumeration")
	assert.Less(t, rep.ELBO, *rep.LogEvidence)
	assert.InEpsilon(t, *rep.LogEvidence-rep.ELBO, rep.Gap.Total, 1e-9)
	assert.Greater(t, rep.Gap.Total, 0.1, "σ = 2: overlapping bars open a visible gap")
	require.Len(t, rep.ELBOTrace, rep.Iterations+1)
	for i := 1; i < len(rep.ELBOTrace); i++ {
		assert.GreaterOrEqual(t, rep.ELBOTrace[i], rep.ELBOTrace[i-1])
	}
	checkPNG(t, filepath.Join(dir, "elbo.png"))
}

// TestLFMLearnBars: -learn on 400 bars rows recovers the generating bars
// up to a permutation of the factors, within five standard errors of a
// weight (σ/√(N/4) = 0.05), and σ within 0.03 (five SE of σ̂ plus the
// (K+1)/N maximum-likelihood bias); the EM trace never falls.
func TestLFMLearnBars(t *testing.T) {
	const k, n = 4, 400
	rep, dir := runLFMTest(t, "-data", "bars", "-factors", strconv.Itoa(k), "-rows", strconv.Itoa(n), "-seed", "2", "-learn")
	truth, x := barsOf(t, k, n, 2, 0)
	weightTol := 5 * lfm.BarsSigma / math.Sqrt(n/4.0)
	best := math.Inf(1)
	permutations(k, func(m []int) {
		var worst float64
		for j, w := range truth.W {
			for i, v := range w {
				worst = math.Max(worst, math.Abs(rep.Weights[m[j]][i]-v))
			}
		}
		best = math.Min(best, worst)
	})
	assert.LessOrEqual(t, best, weightTol, "largest weight error under the best permutation")
	require.NotNil(t, rep.Noise)
	assert.InDelta(t, lfm.BarsSigma, *rep.Noise, 0.03)
	for i := 1; i < len(rep.ELBOTrace); i++ {
		assert.GreaterOrEqual(t, rep.ELBOTrace[i], rep.ELBOTrace[i-1]-1e-9*math.Abs(rep.ELBOTrace[i-1]), "EM iteration %d", i)
	}
	checkEvidence(t, rep, x)
	require.NotNil(t, rep.Learn)
	assert.Len(t, rep.Learn.StartELBO, 5)
	require.NotNil(t, rep.Truth)
	checkPNG(t, filepath.Join(dir, "features.png"))
	checkPNG(t, filepath.Join(dir, "elbo.png"))
	t.Logf("largest weight error %.3f (tol %.3f), σ %.4f", best, weightTol, *rep.Noise)
}

// permutations calls f with every permutation of 0, …, k−1.
func permutations(k int, f func([]int)) {
	perm, used := make([]int, k), make([]bool, k)
	var rec func(i int)
	rec = func(i int) {
		if i == k {
			f(perm)
			return
		}
		for j := 0; j < k; j++ {
			if !used[j] {
				used[j], perm[i] = true, j
				rec(i + 1)
				used[j] = false
			}
		}
	}
	rec(0)
}

// readDigitsBinary reads the shipped digits with encoding/csv (not
// internal/table) and binarizes the 64 pixels at > 8.
func readDigitsBinary(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, "label", recs[0][64])
	var x [][]float64
	for _, rec := range recs[1:] {
		row := make([]float64, 64)
		for j := range row {
			v, err := strconv.Atoi(rec[j])
			require.NoError(t, err)
			row[j] = b2f(v > 8)
		}
		x = append(x, row)
	}
	return x
}

// TestLFMDigitsBernoulli: the shipped 8×8 digits, binarized at 8 with the
// label column dropped, under Bernoulli outputs with given weights: the
// exact log evidence and marginals are the test's enumeration.
func TestLFMDigitsBernoulli(t *testing.T) {
	path, ok := datadir.Shipped("digits_8x8/digits.csv")
	require.True(t, ok)
	dir := t.TempDir()
	// Three factors: the left half, the centre column pair, the bottom rows.
	var w, b strings.Builder
	for j := 0; j < 3; j++ {
		for i := 0; i < 64; i++ {
			r, c := i/8, i%8
			on := [3]bool{c < 4, c == 3 || c == 4, r >= 6}[j]
			fmt.Fprintf(&w, "%s%g", map[bool]string{true: ",", false: ""}[i > 0], 2*b2f(on)-0.5)
		}
		w.WriteString("\n")
	}
	for i := 0; i < 64; i++ {
		fmt.Fprintf(&b, "%s%g", map[bool]string{true: " ", false: ""}[i > 0], -1+0.01*float64(i))
	}
	wf, bf := filepath.Join(dir, "w.csv"), filepath.Join(dir, "b.txt")
	require.NoError(t, os.WriteFile(wf, []byte(w.String()), 0o644))
	require.NoError(t, os.WriteFile(bf, []byte(b.String()+"\n"), 0o644))
	rep, out := runLFMTest(t, "-data", path, "-binarize", "8", "-likelihood", "bernoulli", "-factors", "3",
		"-weights", wf, "-bias", bf, "-prior", "0.3,0.5,0.2")
	assert.Equal(t, "exact", rep.Method, "the default for bernoulli outputs")
	assert.Equal(t, []string{"label"}, rep.Dropped)
	assert.Equal(t, 1797, rep.N)
	assert.Equal(t, 64, rep.D)
	assert.Nil(t, rep.Noise, "bernoulli outputs have no σ")
	assert.Equal(t, []float64{0.3, 0.5, 0.2}, rep.Prior)
	checkEvidence(t, rep, readDigitsBinary(t, path))
	checkPNG(t, filepath.Join(out, "features.png"))
}

// TestLFMRefusals: command lines refused before any output, with the
// flag named (the bad-input corpus adds -out to every case, so the
// missing -out is checked here).
func TestLFMRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no -out", []string{"-data", "bars", "-factors", "2"}, "-out is required"},
		{"hidden with svi", []string{"-data", "bars", "-factors", "2", "-method", "svi", "-hidden", "8", "-out", "x"}, "-hidden applies to -method amortized"},
		{"grad-draws", []string{"-data", "bars", "-factors", "2", "-method", "svi", "-grad-draws", "1", "-out", "x"}, "-grad-draws 1"},
		{"estimator", []string{"-data", "bars", "-factors", "2", "-estimator", "trace", "-out", "x"}, "-estimator applies to -method svi|amortized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append([]string{"lfm"}, tc.args...), &out, &errb)
			assert.ErrorContains(t, err, tc.want)
			assert.NoDirExists(t, "x")
		})
	}
}

// TestLFMRoundTrip: the weights.csv and bias.csv of a -learn run, given
// back with its σ and π, reproduce the run's exact log evidence and are
// the report's parameters to the bit.
func TestLFMRoundTrip(t *testing.T) {
	rep, dir := runLFMTest(t, "-data", "bars", "-factors", "3", "-rows", "80", "-learn", "-starts", "2")
	prior := make([]string, len(rep.Prior))
	for j, v := range rep.Prior {
		prior[j] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	again, _ := runLFMTest(t, "-data", "bars", "-factors", "3", "-rows", "80", "-method", "exact",
		"-weights", filepath.Join(dir, "weights.csv"), "-bias", filepath.Join(dir, "bias.csv"),
		"-noise", strconv.FormatFloat(*rep.Noise, 'g', -1, 64), "-prior", strings.Join(prior, ","))
	assert.Equal(t, rep.Weights, again.Weights)
	assert.Equal(t, rep.Bias, again.Bias)
	assert.Equal(t, rep.Prior, again.Prior)
	require.NotNil(t, again.LogEvidence)
	assert.Equal(t, *rep.LogEvidence, *again.LogEvidence)
	assert.Equal(t, "given: -weights, -bias (default 0), -noise, -prior (default 0.5)", again.Params)
}

// TestLFMSVI: -method svi with enum and score on bars reaches the CAVI
// optimum within 0.02 nats per row (enum) and 0.05 (score), every ELBO
// (exact, by enumeration) stays below the log evidence, the gap is the
// difference, each fit reports its gradient variance (zero for enum's
// logits), and elbo.png is written.
func TestLFMSVI(t *testing.T) {
	args := []string{"-data", "bars", "-factors", "3", "-rows", "40"}
	cavi, _ := runLFMTest(t, append(args, "-method", "cavi")...)
	rep, dir := runLFMTest(t, append(args, "-method", "svi", "-estimator", "enum,score", "-steps", "1500", "-lr", "0.1", "-grad-draws", "20")...)
	require.Len(t, rep.Estimators, 2)
	require.NotNil(t, rep.LogEvidence)
	n := float64(rep.N)
	for i, tol := range []float64{0.02, 0.05} {
		e := rep.Estimators[i]
		t.Logf("%s: ELBO %.4f, CAVI %.4f, log evidence %.4f", e.Estimator, e.ELBO, cavi.ELBO, *rep.LogEvidence)
		assert.InDelta(t, cavi.ELBO, e.ELBO, tol*n, e.Estimator)
		assert.LessOrEqual(t, e.ELBO, *rep.LogEvidence)
		require.NotNil(t, e.GradientVariance)
		assert.Len(t, e.Trace, 1500)
	}
	assert.Less(t, rep.Estimators[0].GradientVariance.Block("guides/z/logits").TotalVar, 1e-12)
	assert.Greater(t, rep.Estimators[1].GradientVariance.Block("guides/z/logits").TotalVar, 1e-6)
	assert.InDelta(t, *rep.LogEvidence-rep.ELBO, rep.Gap.Total, 1e-9*n)
	assert.Equal(t, rep.Estimators[0].ELBO, rep.ELBO)
	checkPNG(t, filepath.Join(dir, "elbo.png"))
}

// TestLFMAmortizedLearnBernoulli: -learn with bernoulli outputs through
// SVI (the amortized encoder on minibatches, enum) gives parameters whose
// exact log evidence beats fair coin flips for every pixel (N·D·log ½)
// by more than 100 nats, and an ELBO below that log evidence.
func TestLFMAmortizedLearnBernoulli(t *testing.T) {
	rep, _ := runLFMTest(t, "-data", "bars", "-factors", "3", "-rows", "60", "-likelihood", "bernoulli", "-learn",
		"-method", "amortized", "-estimator", "enum", "-steps", "600", "-lr", "0.1", "-batch", "20", "-hidden", "16")
	require.NotNil(t, rep.LogEvidence)
	t.Logf("learned: log evidence %.2f, ELBO %.2f (%s)", *rep.LogEvidence, rep.ELBO, rep.Params)
	assert.Less(t, rep.ELBO, *rep.LogEvidence)
	assert.Greater(t, *rep.LogEvidence, -float64(rep.N*rep.D)*math.Log(2)+100, "better than coin flips by 100 nats")
	assert.Contains(t, rep.Params, "through SVI")
	require.NotNil(t, rep.AmortizationGap)
	assert.GreaterOrEqual(t, rep.AmortizationGap.Total, 0.0)
	t.Logf("amortization gap %.4f per row", rep.AmortizationGap.Mean)
	// The two gaps split the encoder's: log p(x_n) − ELBO_n = approximation
	// (mean field's) + amortization, row by row; and mean field's gap is
	// not negative (its ELBO is below the log evidence).
	require.NotNil(t, rep.Gap)
	require.NotEmpty(t, rep.GapOf)
	n := float64(rep.N)
	assert.InDelta(t, *rep.LogEvidence-rep.ELBO, rep.Gap.Total+rep.AmortizationGap.Total, 1e-9*n)
	for i, g := range rep.Gap.PerDatum {
		assert.GreaterOrEqual(t, g, -1e-9, "row %d: mean-field ELBO above log p(x)", i)
	}
}

// TestLFMSVIDefaults: -method svi with every SVI flag at its default (the
// score estimator, leave-one-out over 8 particles, 2000 steps, Adam 0.05)
// ends within 0.03 nats per row of CAVI's optimum (0.013 observed) and below the log
// evidence.
func TestLFMSVIDefaults(t *testing.T) {
	args := []string{"-data", "bars", "-factors", "3", "-rows", "40"}
	cavi, _ := runLFMTest(t, append(args, "-method", "cavi")...)
	rep, _ := runLFMTest(t, append(args, "-method", "svi")...)
	require.Len(t, rep.Estimators, 1)
	e := rep.Estimators[0]
	assert.Equal(t, "score", e.Estimator)
	assert.Equal(t, 8, e.Particles)
	assert.Equal(t, "loo", e.Baseline)
	assert.Len(t, e.Trace, 2000)
	t.Logf("defaults: ELBO %.4f, CAVI %.4f, log evidence %.4f", e.ELBO, cavi.ELBO, *rep.LogEvidence)
	assert.InDelta(t, cavi.ELBO, e.ELBO, 0.03*float64(rep.N))
	assert.LessOrEqual(t, e.ELBO, *rep.LogEvidence)
}
