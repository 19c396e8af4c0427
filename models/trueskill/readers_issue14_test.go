package trueskill

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadFileErrorsIssue14: a results file's errors name the file, the
// line and, for a field, its column (from 1).
func TestReadFileErrorsIssue14(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	signed := CSVOptions{P1: "home", P2: "away", Result: "result"}
	for _, tc := range []struct {
		name, in string
		opts     CSVOptions
		want     string // after "trueskill: PATH:"
	}{
		{"empty", "", CSVOptions{}, "1: empty file, want a header line"},
		{"empty winner", "winner,loser\n ,b\n", CSVOptions{}, "2: empty player name (column 1)"},
		{"empty loser", "\ufeffwinner,loser\na,\n", CSVOptions{}, "2: empty player name (column 2)"},
		{"result", "season,home,away,result\ns,a,b,1\ns,b,c,2\n", signed, `3: result "2" is not 1, 0 or -1 for a win, draw or loss (column 4)`},
		{"draw flag", "winner,loser,draw\na,b,maybe\n", CSVOptions{}, `2: draw field "maybe" is not 1/true or 0/false (column 3)`},
		{"unknown player", "winner,loser\na,b\nb,z\n", CSVOptions{Players: []string{"a", "b"}}, `3: unknown player "z", not in the fixed player list (column 2)`},
		{"bare quote", "winner,loser\na,b\nb,c\"d\n", CSVOptions{}, `3: bare " in non-quoted-field at byte 4 of the line`},
		{"quote over two lines", "winner,loser\n\"a\nb\"x,c\n", CSVOptions{}, `3: extraneous or missing " in quoted-field at byte 2 of the line`},
		{"ragged", "winner,loser\na,b,c\n", CSVOptions{}, "2: 3 fields, want 2 as in the header"},
		{"plays itself", "winner,loser\na,a\n", CSVOptions{}, `2: player "a" plays itself`},
		{"no games", "winner,loser\n", CSVOptions{}, "2: no games (after the rows kept)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			require.NoError(t, os.WriteFile(path, []byte(tc.in), 0o644))
			_, err := ReadFile(path, tc.opts)
			assert.EqualError(t, err, "trueskill: "+path+":"+tc.want)
		})
	}
}

// TestReadFittedValuesIssue14: negative or non-finite standard deviations
// and variances are refused, naming the field and the player; JSON errors
// give the file, line and column.
func TestReadFittedValuesIssue14(t *testing.T) {
	t.Parallel()
	good, err := json.Marshal(testFitted().JSON())
	require.NoError(t, err)
	edit := func(f func(j *FittedJSON)) string {
		var j FittedJSON
		require.NoError(t, json.Unmarshal(good, &j))
		f(&j)
		b, err := json.Marshal(j)
		require.NoError(t, err)
		return string(b)
	}
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
	var j FittedJSON
	require.NoError(t, json.Unmarshal(good, &j))
	j.Players[0].Mean = math.NaN()
	_, err = j.Fitted()
	assert.EqualError(t, err, `trueskill: players[0].mean (player "bob") is NaN, want a finite number`)
	j.Players[0].Mean, j.Covariance[0][1] = 1, math.Inf(1)
	_, err = j.Fitted()
	assert.EqualError(t, err, `trueskill: covariance[0][1] (players "bob", "ann") is +Inf, want a finite number`)
}

// FuzzReadCSV: a results file read without error has games between two
// distinct known players with valid results, which NewDataset accepts;
// every error is a *LineError or names the package.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"winner,loser\nann,bob\nbob,cat\n", "winner,loser,draw\na,b,1\nb,c,0\nc,a,\n", "\ufeffwinner,loser\na,b\n",
		"season,home,away,result\ns1,a,b,1\ns1,b,a,-1\ns2,a,b,0\n", "p,q,s\nx,y,0.5\ny,x,1\n", "", "winner,loser\n",
		"winner,loser\na,a\n", "winner,loser\na,b\nb,c\"d\n", "winner,loser\n\"a\nb\",c\n", "home,away,result\na,b,NaN\n",
		"winner,loser,winner\na,b,c\n", "winner,loser\n,b\n", "winner,loser\na,b,c\n",
	} {
		for layout := range 4 {
			f.Add([]byte(s), uint8(layout))
		}
	}
	layouts := []CSVOptions{
		{},
		{P1: "home", P2: "away", Result: "result"},
		{P1: "p", P2: "q", Result: "s", Coding: Score},
		{Players: []string{"a", "b", "c"}, SkipUnknown: true},
	}
	f.Fuzz(func(t *testing.T, in []byte, layout uint8) {
		ds, err := ReadCSV(strings.NewReader(string(in)), layouts[int(layout)%len(layouts)])
		if err != nil {
			var le *LineError
			require.True(t, errors.As(err, &le) || strings.HasPrefix(err.Error(), "trueskill: "), "error %q", err)
			if le != nil {
				require.Positive(t, le.Line)
			}
			return
		}
		require.NotEmpty(t, ds.Games)
		_, err = NewDataset(ds.Players, ds.Games)
		require.NoError(t, err)
		for i, p := range ds.Players {
			j, err := ds.Index(p)
			require.NoError(t, err)
			require.Equal(t, i, j)
		}
	})
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
