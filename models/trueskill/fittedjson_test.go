package trueskill

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestParseLinkAndCoding(t *testing.T) {
	t.Parallel()
	for _, l := range []Link{Probit, Logistic} {
		got, err := ParseLink(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	_, err := ParseLink("cauchit")
	assert.ErrorContains(t, err, `trueskill: unknown link "cauchit"`)
	for _, c := range []Coding{Signed, Score} {
		got, err := ParseCoding(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, got)
	}
	_, err = ParseCoding("auto")
	assert.ErrorContains(t, err, `unknown coding "auto"`)
}

func TestDetectCoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     Coding
		err      string // substring of the error, "" for none
	}{
		{"signed by its -1", "a,b,r\nX,Y,1\nX,Y,0\nY,X,-1\n", Signed, ""},
		{"score by its 0.5", "a,b,r\nX,Y,1\nX,Y,0.5\nY,X,0\n", Score, ""},
		{"spaces and BOM", "\ufeffa, b, r\nX,Y, 0.5\n", Score, ""},
		{"only 1 and 0", "a,b,r\nX,Y,1\nY,X,0\n", 0, `column "r" holds only 1 and 0`},
		{"both -1 and 0.5", "a,b,r\nX,Y,-1\nY,X,0.5\n", 0, `column "r" holds both -1 and 0.5`},
		{"no header: left to ReadCSV", "", Signed, ""},
		{"missing column: left to ReadCSV", "a,b,s\nX,Y,0.5\n", Signed, ""},
		{"short rows and text skipped", "a,b,r\nX,Y\nX,Y,draw\nX,Y,-1\n", Signed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DetectCoding(strings.NewReader(tc.in), "r")
			if tc.err != "" {
				var ce *CodingError
				require.ErrorAs(t, err, &ce)
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	path := filepath.Join(t.TempDir(), "r.csv")
	require.NoError(t, os.WriteFile(path, []byte("a,b,r\nX,Y,1\n"), 0o644))
	_, err := DetectCodingFile(path, "r")
	assert.ErrorContains(t, err, path+`: column "r" holds only 1 and 0`)
	_, err = DetectCodingFile(filepath.Join(t.TempDir(), "none.csv"), "r")
	assert.ErrorContains(t, err, "no such file")
}

// testFitted is a fit of three players (order ann, bob, cid; sorted by
// mean: bob, ann, cid) with a learned margin, a home advantage and a joint
// covariance.
func testFitted() *Fitted {
	return &Fitted{
		Posterior: Posterior{Players: []string{"ann", "bob", "cid"}, Mean: []float64{0.5, 1, -1}, Std: []float64{0.3, 0.2, 0.4},
			Cov: mat.NewSymDense(3, []float64{0.09, 0.01, 0.02, 0.01, 0.04, 0.03, 0.02, 0.03, 0.16})},
		Config:  Config{Mu0: 0, Sigma0: 1, Beta: 1, Margin: 0.25, Link: Logistic},
		Margin:  &Marginal{Mean: 0.25, Std: 0.05},
		Home:    &Marginal{Mean: 0.3, Std: 0.1},
		HomeCov: []float64{0.001, 0.002, 0.003},
	}
}

func TestFittedJSONRoundTrip(t *testing.T) {
	t.Parallel()
	f := testFitted()
	var buf bytes.Buffer
	require.NoError(t, WriteFitted(&buf, f))
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	assert.Equal(t, "trueskill", m["model"])
	cfg := m["config"].(map[string]any)
	assert.Equal(t, "logistic", cfg["likelihood"])
	assert.Equal(t, true, cfg["learn_margin"])
	assert.Equal(t, true, cfg["home_advantage"])
	p0 := m["players"].([]any)[0].(map[string]any)
	sd := f.Std[1] // run-time arithmetic, as Ratings does it (the constant 1 − 3·0.2 is exactly 0.4)
	assert.Equal(t, map[string]any{"name": "bob", "mean": 1.0, "std": 0.2, "conservative": 1 - 3*sd}, p0)

	g, err := ReadFitted(&buf)
	require.NoError(t, err)
	assert.Equal(t, []string{"bob", "ann", "cid"}, g.Players, "sorted by mean")
	assert.Equal(t, f.Config, g.Config)
	assert.Equal(t, f.Margin, g.Margin)
	assert.Equal(t, f.Home, g.Home)
	assert.Equal(t, []float64{0.002, 0.001, 0.003}, g.HomeCov)
	// Every forecast is the same whatever the order of the players.
	perm := []int{1, 0, 2} // position in g of f's player i
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if i == j {
				continue
			}
			want, err := f.Predict(i, j)
			require.NoError(t, err)
			got, err := g.Predict(perm[i], perm[j])
			require.NoError(t, err)
			assert.Equal(t, want, got, "%d vs %d", i, j)
		}
	}
}

// editFitted returns the JSON form of testFitted after edit.
func editFitted(t *testing.T, edit func(j *FittedJSON)) string {
	t.Helper()
	j := testFitted().JSON()
	edit(j)
	b, err := json.Marshal(j)
	require.NoError(t, err)
	return string(b)
}

func TestReadFittedErrors(t *testing.T) {
	t.Parallel()
	good, err := json.Marshal(testFitted().JSON())
	require.NoError(t, err)
	edit := func(f func(j *FittedJSON)) string { return editFitted(t, f) }
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "winner,loser\nann,bob\n", "invalid character"},
		{"another model", `{"model": "bnn", "players": [{"name": "a"}]}`, `not a fitted trueskill posterior (model "bnn"`},
		{"no players", edit(func(j *FittedJSON) { j.Players = nil }), "0 players"},
		{"link", edit(func(j *FittedJSON) { j.Config.Likelihood = "cauchit" }), `unknown link "cauchit"`},
		{"config", edit(func(j *FittedJSON) { j.Config.Beta = 0 }), "Beta = 0"},
		{"duplicate player", edit(func(j *FittedJSON) { j.Players[1].Name = j.Players[0].Name }), `"bob" is empty or appears twice`},
		{"covariance rows", edit(func(j *FittedJSON) { j.Covariance = j.Covariance[:2] }), "covariance has 2 rows for 3 players"},
		{"covariance row", edit(func(j *FittedJSON) { j.Covariance[1] = j.Covariance[1][:1] }), "covariance row 1 has 1 entries"},
		{"home covariance", edit(func(j *FittedJSON) { j.HomeCov = j.HomeCov[:1] }), "home covariance has 1 entries for 3 players"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFitted(strings.NewReader(tc.in))
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// A report that embeds the JSON form, among other fields, reads.
	report := `{"matches": "x.csv", "elbo": -3, ` + string(good[1:])
	f, err := ReadFitted(strings.NewReader(report))
	require.NoError(t, err)
	assert.Len(t, f.Players, 3)
	path := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"model": "trueskill"}`), 0o644))
	_, err = ReadFittedFile(path)
	assert.ErrorContains(t, err, path)
}

// TestScoreHeldOut checks the three log-losses against hand computation on
// two test games (P1 wins, then a draw) with a plug-in-equal posterior.
func TestScoreHeldOut(t *testing.T) {
	t.Parallel()
	c := Config{Sigma0: 1, Beta: 1, Margin: 0.5}
	// Zero posterior sds: the predictive equals the plug-in forecast.
	f := &Fitted{Posterior: Posterior{Players: []string{"a", "b"}, Mean: []float64{1, 0}, Std: []float64{0, 0}}, Config: c}
	test, err := NewDataset(f.Players, []Game{{P1: 0, P2: 1, Result: Win}, {P1: 1, P2: 0, Result: Draw}})
	require.NoError(t, err)
	fc := c.Probs(1)
	wantLoss := -(math.Log(fc.Win) + math.Log(fc.Draw)) / 2

	// A winner/loser training file (P1 always wins, a quarter of draws):
	// the baseline is symmetric, (3/8, 1/4, 3/8).
	wl, err := NewDataset(f.Players, []Game{{0, 1, Win}, {0, 1, Win}, {1, 0, Win}, {0, 1, Draw}})
	require.NoError(t, err)
	h, err := f.ScoreHeldOut(wl, test)
	require.NoError(t, err)
	const tol = 1e-12 // a few roundings of the same formulas
	assert.InDelta(t, wantLoss, h.LogLoss, tol)
	assert.InDelta(t, wantLoss, h.PlugInLogLoss, tol)
	assert.InDelta(t, 0.5, h.DrawRate, tol)
	assert.InDelta(t, (fc.Draw+c.Probs(-1).Draw)/2, h.PredDraw, tol)
	assert.Equal(t, [3]float64{3.0 / 8, 1.0 / 4, 3.0 / 8}, h.BaseRates)
	require.NotNil(t, h.BaseLogLoss)
	assert.InDelta(t, -(math.Log(3.0/8)+math.Log(1.0/4))/2, *h.BaseLogLoss, tol)

	// Rates with losses are kept as they are; a result they never saw
	// leaves the baseline's log-loss out.
	hl, err := NewDataset(f.Players, []Game{{0, 1, Win}, {1, 0, Loss}})
	require.NoError(t, err)
	h, err = f.ScoreHeldOut(hl, test)
	require.NoError(t, err)
	assert.Equal(t, [3]float64{0.5, 0, 0.5}, h.BaseRates)
	assert.Nil(t, h.BaseLogLoss)

	// A draw under a margin of 0 has probability 0.
	f.Config.Margin = 0
	_, err = f.ScoreHeldOut(wl, test)
	assert.ErrorIs(t, err, ErrZeroProbability)
}

// TestReadFittedValuesIssue14: negative or non-finite standard deviations
// and variances are refused, naming the field and the player; JSON errors
// give the file, line and column.
func TestReadFittedValuesIssue14(t *testing.T) {
	t.Parallel()
	edit := func(f func(j *FittedJSON)) string { return editFitted(t, f) }
	dir := t.TempDir()
	for _, tc := range []struct{ name, in, want string }{
		{"negative std", edit(func(j *FittedJSON) { j.Players[1].Std = -0.3 }), `players[1].std (player "ann") is -0.3, want a finite number ≥ 0`},
		{"negative variance", edit(func(j *FittedJSON) { j.Covariance[2][2] = -0.16 }), `covariance[2][2] (the variance of player "cid") is -0.16, want ≥ 0`},
		{"asymmetric", edit(func(j *FittedJSON) { j.Covariance[0][2] = 0.5 }), `covariance[0][2] = 0.5 but covariance[2][0] = 0.03 (players "bob", "cid"): not symmetric`},
		{"margin std", edit(func(j *FittedJSON) { j.Margin.Std = -1 }), "draw_margin.std is -1, want a finite number ≥ 0"},
		{"home std", edit(func(j *FittedJSON) { j.Home.Std = -0.1 }), "home_advantage.std is -0.1, want a finite number ≥ 0"},
		{"config", edit(func(j *FittedJSON) { j.Config.Sigma0 = -1 }), "config: Sigma0 = -1, want a finite positive value"},
		{"syntax", "{\n  \"model\": \"trueskill\",\n  \"players\": [}\n", "3:15: invalid character '}' looking for beginning of value"},
		{"type", "{\"model\": \"trueskill\",\n\"players\": [{\"name\": \"a\", \"std\": \"big\"}]}", `2:38: json: cannot unmarshal string into Go struct field Rating.players.std of type float64`},
		{"overflow", "{\"players\": [{\"std\": 1e999}]}", `1:26: json: cannot unmarshal number 1e999 into Go struct field Rating.players.std of type float64`},
		{"empty", "", "1:1: unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			require.NoError(t, os.WriteFile(path, []byte(tc.in), 0o644))
			_, err := ReadFittedFile(path)
			sep := ": "
			if tc.want[0] >= '0' && tc.want[0] <= '9' {
				sep = ":"
			}
			assert.EqualError(t, err, "trueskill: "+path+sep+tc.want)
		})
	}
	// Values JSON cannot hold, set in Go.
	j := testFitted().JSON()
	j.Players[0].Mean = math.NaN()
	_, err := j.Fitted()
	assert.EqualError(t, err, `trueskill: players[0].mean (player "bob") is NaN, want a finite number`)
	j.Players[0].Mean, j.Covariance[0][1] = 1, math.Inf(1)
	_, err = j.Fitted()
	assert.EqualError(t, err, `trueskill: covariance[0][1] (players "bob", "ann") is +Inf, want a finite number`)
}

// FuzzReadFitted: a posterior read without error has finite means,
// finite non-negative standard deviations, a finite symmetric covariance
// with non-negative variances over the players, and forecasts whose
// probabilities are finite and sum to 1; errors name the package.
func FuzzReadFitted(f *testing.F) {
	good, err := json.Marshal(testFitted().JSON())
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{"model": "trueskill", "config": {"sigma0": 1, "beta": 1, "likelihood": "probit"}, "players": [{"name": "a", "std": 1}, {"name": "b"}]}`))
	f.Add([]byte(`{"model": "trueskill", "config": {"sigma0": 1, "beta": 1, "likelihood": "probit"}, "players": [{"name": "a", "std": -1}]}`))
	f.Add([]byte(`{"model": "trueskill", "players": [{"name": "a"}], "covariance": [[-1]]}`))
	f.Add([]byte(`{"model": "bnn"}`))
	f.Add([]byte(""))
	f.Add([]byte("{\n\"players\": [}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fit, err := readFitted(strings.NewReader(string(in)), "fuzz.json")
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "trueskill: fuzz.json"), "error %q does not name the file", err)
			return
		}
		n := len(fit.Players)
		require.Positive(t, n)
		require.Len(t, fit.Mean, n)
		require.Len(t, fit.Std, n)
		for i := range n {
			require.False(t, math.IsNaN(fit.Mean[i]) || math.IsInf(fit.Mean[i], 0))
			require.True(t, fit.Std[i] >= 0 && !math.IsInf(fit.Std[i], 0), "std %v", fit.Std[i])
			if fit.Cov != nil {
				require.GreaterOrEqual(t, fit.Cov.At(i, i), 0.0)
			}
		}
		if n < 2 {
			return
		}
		fc, err := fit.Predict(0, 1)
		if err != nil {
			return
		}
		for _, p := range []float64{fc.Win, fc.Draw, fc.Loss} {
			require.True(t, p >= 0 && p <= 1, "forecast %+v", fc)
		}
		require.InDelta(t, 1, fc.Win+fc.Draw+fc.Loss, 1e-9, "forecast %+v", fc)
	})
}
