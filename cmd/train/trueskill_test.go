package main

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const football = "../../data/football_epl/football.csv"

// footballSeasons writes the named seasons of the shipped football file to
// a new CSV in dir and returns its path.
func footballSeasons(t *testing.T, dir, name string, seasons ...string) string {
	t.Helper()
	in, err := os.Open(football)
	require.NoError(t, err)
	defer in.Close()
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	require.NoError(t, err)
	defer out.Close()
	sc := bufio.NewScanner(in)
	first := true
	for sc.Scan() {
		line := sc.Text()
		keep := first
		for _, s := range seasons {
			keep = keep || strings.HasPrefix(line, `"`+s+`"`)
		}
		if keep {
			_, err := out.WriteString(line + "\n")
			require.NoError(t, err)
		}
		first = false
	}
	require.NoError(t, sc.Err())
	return path
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

// quick are SVI flags for a short fit: enough for the checks below, which
// are about the command, not about convergence.
var quick = []string{"-steps", "1500", "-particles", "2", "-lr", "0.02", "-stop=false", "-diagnostic-draws", "200"}

// TestTrueSkillCommand fits one EPL season with a learned draw margin and
// home advantage, scores the next, and forecasts a game from the report.
func TestTrueSkillCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	train := footballSeasons(t, dir, "train.csv", "2011-12")
	test := footballSeasons(t, dir, "test.csv", "2012-13")
	out := filepath.Join(dir, "fit")
	args := append([]string{"trueskill", "-matches", train, "-p1", "home", "-p2", "away", "-result", "result",
		"-draw-margin", "learn", "-home", "-guide", "fullrank", "-test", test, "-unknown", "prior", "-out", out}, quick...)
	stdout, stderr, err := runCmd(args...)
	require.NoError(t, err, stderr)
	assert.Contains(t, stdout, "test log-loss")
	rep := readReport(t, out)
	players := rep["players"].([]any)
	require.Len(t, players, 20)
	prev := math.Inf(1)
	for _, p := range players {
		pm := p.(map[string]any)
		mean, std := pm["mean"].(float64), pm["std"].(float64)
		assert.LessOrEqual(t, mean, prev, "players sorted by mean")
		assert.InDelta(t, mean-3*std, pm["conservative"].(float64), 1e-12)
		prev = mean
	}
	for _, k := range []string{"test_logloss", "test_accuracy", "test_draw_rate", "diagnostics", "covariance", "draw_margin", "home_advantage", "home_covariance"} {
		assert.Contains(t, rep, k)
	}
	tst := rep["test"].(map[string]any)
	// 2012-13 has three promoted teams (Rdg, Sou, Wes): 114 of its 380 games
	// involve one of them; with -unknown prior all 380 are scored.
	assert.EqualValues(t, 380, tst["games"])
	assert.EqualValues(t, 3, tst["new_players"])
	// The skill model beats the training season's constant rates.
	assert.Less(t, rep["test_logloss"].(float64), tst["baseline_logloss"].(float64))
	assert.InDelta(t, 108.0/380, rep["test_draw_rate"].(float64), 1e-12, "108 draws in 2012-13 (counted with awk)")
	home := rep["home_advantage"].(map[string]any)["mean"].(float64)
	assert.Greater(t, home, 0.0, "home sides win more often")
	_, err = os.Stat(filepath.Join(out, "elbo.png"))
	assert.NoError(t, err)

	// predict: the three probabilities form a distribution, and swapping
	// the sides swaps win and loss up to the home advantage.
	rp := filepath.Join(out, "report.json")
	top := players[0].(map[string]any)["name"].(string)
	bottom := players[len(players)-1].(map[string]any)["name"].(string)
	stdout, stderr, err = runCmd("trueskill", "predict", "-posterior", rp, "-p1", top, "-p2", bottom)
	require.NoError(t, err, stderr)
	w, d, l := parseForecast(t, stdout)
	assert.InDelta(t, 1, w+d+l, 1e-9)
	assert.Greater(t, w, l, "the best team at home beats the worst")
	stdout, _, err = runCmd("trueskill", "predict", "-posterior", rp, "-p1", top, "-p2", bottom, "-plugin")
	require.NoError(t, err)
	wp, _, _ := parseForecast(t, stdout)
	assert.Greater(t, wp, w, "plug-in forecasts are more confident than the predictive")

	_, _, err = runCmd("trueskill", "predict", "-posterior", rp, "-p1", top, "-p2", "Nobody FC")
	assert.ErrorContains(t, err, `unknown player "Nobody FC"`)
	_, _, err = runCmd("trueskill", "predict", "-posterior", rp, "-p1", top, "-p2", top)
	assert.ErrorContains(t, err, "cannot play itself")
}

var forecastRE = regexp.MustCompile(`wins ([0-9.]+), draw ([0-9.]+), .* wins ([0-9.]+)`)

func parseForecast(t *testing.T, s string) (w, d, l float64) {
	t.Helper()
	m := forecastRE.FindStringSubmatch(s)
	require.NotNil(t, m, s)
	w, _ = strconv.ParseFloat(m[1], 64)
	d, _ = strconv.ParseFloat(m[2], 64)
	l, _ = strconv.ParseFloat(m[3], 64)
	return w, d, l
}

// TestTrueSkillLayouts fits the winner/loser layout (no draws: the margin is
// 0 and the predicted draw probability 0) with the logistic link and the
// mean-field guide, and reads a score-coded file.
func TestTrueSkillLayouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	games := "winner,loser\n" + strings.Repeat("Ann,Bob\nBob,Cid\nAnn,Cid\nCid,Bob\n", 5)
	train := writeFile(t, dir, "wl.csv", games)
	test := writeFile(t, dir, "wl_test.csv", "winner,loser\nAnn,Cid\nBob,Ann\n")
	out := filepath.Join(dir, "wl")
	_, stderr, err := runCmd(append([]string{"trueskill", "-matches", train, "-likelihood", "logistic", "-test", test, "-out", out}, quick...)...)
	require.NoError(t, err, stderr)
	rep := readReport(t, out)
	assert.Equal(t, "Ann", rep["players"].([]any)[0].(map[string]any)["name"])
	assert.NotContains(t, rep, "covariance", "mean-field: no joint covariance")
	cfg := rep["config"].(map[string]any)
	assert.Equal(t, "logistic", cfg["likelihood"])
	assert.EqualValues(t, 0, cfg["margin"])
	assert.EqualValues(t, 0, rep["test_draw_rate"])
	tst := rep["test"].(map[string]any)
	assert.InDelta(t, math.Ln2, tst["baseline_logloss"].(float64), 1e-12, "winner/loser files: a coin")

	// Score coding (1/0.5/0) is recognized by its 0.5.
	score := writeFile(t, dir, "score.csv", "a,b,pts\n"+strings.Repeat("X,Y,1\nX,Y,0.5\nY,X,0\n", 4))
	out = filepath.Join(dir, "score")
	_, stderr, err = runCmd(append([]string{"trueskill", "-matches", score, "-p1", "a", "-p2", "b", "-result", "pts", "-out", out}, quick...)...)
	require.NoError(t, err, stderr)
	rep = readReport(t, out)
	assert.Equal(t, "X", rep["players"].([]any)[0].(map[string]any)["name"])
	assert.Contains(t, rep, "draw_margin", "a file with draws learns its margin by default")
}

// TestTrueSkillErrors checks that problems of the input files are reported
// with their file and line.
func TestTrueSkillErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "winner,loser\nAnn,Bob\nBob,Cid\n")
	for _, tc := range []struct {
		name  string
		file  string // contents of the -matches file
		test  string // contents of the -test file, if any
		extra []string
		want  string
	}{
		{name: "empty file", file: "", want: "empty.csv:1: empty file"},
		{name: "self-match", file: "winner,loser\nAnn,Bob\nBob,Bob\n", want: `self.csv:3: player "Bob" plays itself`},
		{name: "malformed result", file: "p,q,r\nAnn,Bob,1\nAnn,Bob,2\n", extra: []string{"-p1", "p", "-p2", "q", "-result", "r", "-coding", "signed"},
			want: `result.csv:3: result "2" is not 1, 0 or -1`},
		{name: "malformed draw flag", file: "winner,loser,draw\nAnn,Bob,maybe\n", want: `flag.csv:2: draw field "maybe"`},
		{name: "unknown player", file: "winner,loser\nAnn,Bob\n", test: "winner,loser\nAnn,Bob\nAnn,Zed\n", want: `unknown.csv.test:3: unknown player "Zed"`},
		{name: "ambiguous coding", file: "p,q,r\nAnn,Bob,1\nBob,Ann,0\n", extra: []string{"-p1", "p", "-p2", "q", "-result", "r"}, want: "holds only 1 and 0"},
		{name: "missing column", file: "home,away\nAnn,Bob\n", want: `missing.csv:1: header has no column "winner"`},
		{name: "draws without margin", file: "winner,loser,draw\nAnn,Bob,1\n", extra: []string{"-draw-margin", "0"}, want: "draw but Margin is 0"},
		{name: "bad margin", file: "winner,loser\nAnn,Bob\n", extra: []string{"-draw-margin", "-1"}, want: `-draw-margin "-1"`},
		{name: "test draws, margin 0", file: "winner,loser\nAnn,Bob\n", test: "winner,loser,draw\nAnn,Bob,1\n", want: "forecast probability 0"},
		{name: "sigma0", file: "winner,loser\nAnn,Bob\n", extra: []string{"-sigma0", "0"}, want: "train trueskill: -sigma0 must be positive and finite, got 0"},
		{name: "beta", file: "winner,loser\nAnn,Bob\n", extra: []string{"-beta", "Inf"}, want: "train trueskill: -beta must be positive and finite, got +Inf"},
		{name: "mu0", file: "winner,loser\nAnn,Bob\n", extra: []string{"-mu0", "NaN"}, want: "train trueskill: -mu0 must be finite, got NaN"},
		{name: "vectorize guide", file: "winner,loser\nAnn,Bob\n", extra: []string{"-vectorize", "-guide", "lowrank"}, want: `train trueskill: -vectorize needs -guide meanfield, got "lowrank"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := map[string]string{"empty file": "empty.csv", "self-match": "self.csv", "malformed result": "result.csv",
				"malformed draw flag": "flag.csv", "unknown player": "unknown.csv", "missing column": "missing.csv"}[tc.name]
			if name == "" {
				name = "other.csv"
			}
			path := writeFile(t, dir, name, tc.file)
			args := []string{"trueskill", "-matches", path, "-out", filepath.Join(dir, "out-"+name)}
			if tc.test != "" {
				args = append(args, "-test", writeFile(t, dir, name+".test", tc.test))
			}
			args = append(append(args, tc.extra...), "-steps", "10", "-stop=false", "-diagnostic-draws", "25")
			_, _, err := runCmd(args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, _, err := runCmd("trueskill", "-out", dir)
	assert.ErrorContains(t, err, "-matches is required")
	_, _, err = runCmd("trueskill", "-matches", good, "-out", dir, "-likelihood", "cauchit")
	assert.ErrorContains(t, err, `unknown -likelihood "cauchit"`)
	_, _, err = runCmd("trueskill", "predict", "-posterior", good, "-p1", "Ann", "-p2", "Bob")
	assert.Error(t, err, "a CSV file is not a report")
}

// TestTrueSkillVectorize: -vectorize (one kernel for all particles, here
// shared by two goroutines) fits the same posterior as the default
// per-particle graphs, step for step: the guide draws the same noise in
// both modes, so the reports agree to the order of the sums (1e-7 on the
// skills after 400 steps). blr refuses -workers with -vectorize.
func TestTrueSkillVectorize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	train := footballSeasons(t, dir, "train.csv", "2011-12")
	reports := map[bool]map[string]any{}
	for _, vec := range []bool{false, true} {
		out := filepath.Join(dir, "fit-"+strconv.FormatBool(vec))
		args := []string{"trueskill", "-matches", train, "-p1", "home", "-p2", "away", "-result", "result", "-draw-margin", "learn", "-home",
			"-steps", "400", "-particles", "4", "-stop=false", "-diagnostic-draws", "100", "-out", out}
		if vec {
			args = append(args, "-vectorize", "-workers", "2")
		}
		_, stderr, err := runCmd(args...)
		require.NoError(t, err, stderr)
		reports[vec] = readReport(t, out)
	}
	a, b := reports[false]["players"].([]any), reports[true]["players"].([]any)
	require.Len(t, b, len(a))
	for i := range a {
		pa, pb := a[i].(map[string]any), b[i].(map[string]any)
		assert.Equal(t, pa["name"], pb["name"])
		assert.InDelta(t, pa["mean"].(float64), pb["mean"].(float64), 1e-7, "%v", pa["name"])
		assert.InDelta(t, pa["std"].(float64), pb["std"].(float64), 1e-7, "%v", pa["name"])
	}
	_, _, err := runCmd("blr", "-data", "../../data/boston_mass/boston.csv", "-vectorize", "-workers", "2", "-out", filepath.Join(dir, "blr"))
	assert.ErrorContains(t, err, "-workers > 1 goes with it only for trueskill")
}

// TestTrueSkillFloat32: `train trueskill -dtype float32` (the fused kernel
// computing in float64 on the widened float32 skills, the float32 guide)
// fits the skills, the learned draw margin and the home advantage of the
// float64 fit of the same seed: f32SkillTol below, in skill units (prior
// sd σ₀ = 1). The report names the dtype.
func TestTrueSkillFloat32(t *testing.T) {
	t.Parallel()
	// Both fits draw the same noise; float32 rounds the parameters (1e-7
	// relative) and the gradients before every step, and the likelihood is
	// log-concave, so the trajectories stay close: 2.3e-9 is the largest
	// difference seen over the 22 means; 1e-6 leaves a margin of 400 and
	// is far below the skills' posterior sds (≈ 0.3).
	const f32SkillTol = 1e-6
	dir := t.TempDir()
	train := footballSeasons(t, dir, "train.csv", "2011-12")
	means := map[string]map[string]float64{}
	for _, dt := range []string{"float64", "float32"} {
		out := filepath.Join(dir, dt)
		args := append([]string{"trueskill", "-matches", train, "-p1", "home", "-p2", "away", "-result", "result",
			"-draw-margin", "learn", "-home", "-dtype", dt, "-out", out}, quick...)
		_, stderr, err := runCmd(args...)
		require.NoError(t, err, stderr)
		rep := readReport(t, out)
		if dt == "float32" {
			assert.Equal(t, "float32", rep["dtype"])
		}
		m := map[string]float64{}
		for _, p := range rep["players"].([]any) {
			pm := p.(map[string]any)
			m[pm["name"].(string)] = pm["mean"].(float64)
		}
		m["home advantage"] = rep["home_advantage"].(map[string]any)["mean"].(float64)
		m["draw margin"] = rep["draw_margin"].(map[string]any)["mean"].(float64)
		means[dt] = m
	}
	require.Len(t, means["float32"], 22)
	worst := 0.0
	for k, v := range means["float64"] {
		assert.InDelta(t, v, means["float32"][k], f32SkillTol, k)
		worst = math.Max(worst, math.Abs(v-means["float32"][k]))
	}
	t.Logf("max |float32 − float64| over the skills, margin and home advantage: %.3g", worst)
}
