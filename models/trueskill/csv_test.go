package trueskill

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCSVLayouts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		in      string
		opts    CSVOptions
		players []string
		games   []Game
	}{
		{
			name:    "winner,loser",
			in:      "winner,loser\nann,bob\nbob,cat\n",
			players: []string{"ann", "bob", "cat"},
			games:   []Game{{0, 1, Win}, {1, 2, Win}},
		},
		{
			name:    "winner,loser,draw with 1/true/0/false/empty",
			in:      "winner,loser,draw\nann,bob,1\nbob,cat,true\ncat,ann,0\nann,cat,false\nbob,ann,\n",
			players: []string{"ann", "bob", "cat"},
			games:   []Game{{0, 1, Draw}, {1, 2, Draw}, {2, 0, Win}, {0, 2, Win}, {1, 0, Win}},
		},
		{
			name:    "quoted fields, extra columns, blank line, spaces",
			in:      "\"id\",\"winner\",\"loser\"\n7,\"Smith, J\",\"O'Neil\"\n\n8, \"O'Neil\",\"Smith, J\"\n",
			players: []string{"Smith, J", "O'Neil"},
			games:   []Game{{0, 1, Win}, {1, 0, Win}},
		},
		{
			name:    "named columns, signed coding",
			in:      "season,home,away,result\ns1,ann,bob,1\ns1,bob,cat,0\ns1,cat,ann,-1\n",
			opts:    CSVOptions{P1: "home", P2: "away", Result: "result"},
			players: []string{"ann", "bob", "cat"},
			games:   []Game{{0, 1, Win}, {1, 2, Draw}, {2, 0, Loss}},
		},
		{
			name:    "named columns, score coding",
			in:      "a,b,score\nann,bob,1\nbob,cat,0.5\ncat,ann,0\n",
			opts:    CSVOptions{P1: "a", P2: "b", Result: "score", Coding: Score},
			players: []string{"ann", "bob", "cat"},
			games:   []Game{{0, 1, Win}, {1, 2, Draw}, {2, 0, Loss}},
		},
		{
			name:    "keep filter",
			in:      "season,home,away,result\ns1,ann,bob,1\ns2,bob,cat,0\n",
			opts:    FootballOptions("s2"),
			players: []string{"bob", "cat"},
			games:   []Game{{0, 1, Draw}},
		},
		{
			name:    "fixed player list",
			in:      "winner,loser\ncat,ann\n",
			opts:    CSVOptions{Players: []string{"ann", "bob", "cat"}},
			players: []string{"ann", "bob", "cat"},
			games:   []Game{{2, 0, Win}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ds, err := ReadCSV(strings.NewReader(tc.in), tc.opts)
			require.NoError(t, err)
			assert.Equal(t, tc.players, ds.Players)
			assert.Equal(t, tc.games, ds.Games)
			for i, p := range tc.players {
				j, err := ds.Index(p)
				require.NoError(t, err)
				assert.Equal(t, i, j)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	t.Parallel()
	signed := CSVOptions{P1: "home", P2: "away", Result: "result"}
	for _, tc := range []struct {
		name string
		in   string
		opts CSVOptions
		line int
		msg  string // must appear in the error
	}{
		{"empty file", "", CSVOptions{}, 1, "empty file"},
		{"missing winner column", "win,loser\na,b\n", CSVOptions{}, 1, `no column "winner"`},
		{"missing result column", "home,away,res\na,b,1\n", signed, 1, `no column "result"`},
		{"missing draw column when named", "winner,loser\na,b\n", CSVOptions{Draw: "tie"}, 1, `no column "tie"`},
		{"duplicate column", "winner,loser,winner\na,b,c\n", CSVOptions{}, 1, `"winner" appears twice`},
		{"header only", "winner,loser\n", CSVOptions{}, 2, "no games"},
		{"self-match", "winner,loser\na,b\nb,c\nc,c\n", CSVOptions{}, 4, `"c" plays itself`},
		{"empty name", "winner,loser\na,b\n,c\n", CSVOptions{}, 3, "empty player name"},
		{"too few fields", "winner,loser,draw\na,b,0\nb,c\n", CSVOptions{}, 3, "2 fields, want 3"},
		{"too many fields", "winner,loser\na,b\nb,c,d\n", CSVOptions{}, 3, "3 fields, want 2"},
		{"bad draw flag", "winner,loser,draw\na,b,0\nb,c,maybe\n", CSVOptions{}, 3, `draw field "maybe"`},
		{"signed result 2", "home,away,result\na,b,1\nb,c,2\n", signed, 3, `result "2" is not 1, 0 or -1`},
		{"signed result 0.5", "home,away,result\na,b,0.5\n", signed, 2, `result "0.5" is not 1, 0 or -1`},
		{"signed result text", "home,away,result\na,b,1\nb,c,1\nc,a,W\n", signed, 4, `result "W"`},
		{"score result -1", "a,b,s\nx,y,-1\n", CSVOptions{P1: "a", P2: "b", Result: "s", Coding: Score}, 2, `result "-1" is not 1, 0.5 or 0`},
		{"bare quote", "winner,loser\na,b\nb,c\"d\n", CSVOptions{}, 3, "quote"},
		{"unknown player", "winner,loser\na,b\nb,z\n", CSVOptions{Players: []string{"a", "b"}}, 3, `unknown player "z"`},
		{"everything filtered", "season,home,away,result\ns1,a,b,1\n", FootballOptions("s9"), 3, "no games"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadCSV(strings.NewReader(tc.in), tc.opts)
			require.Error(t, err)
			var le *LineError
			require.True(t, errors.As(err, &le), "error %v is not a *LineError", err)
			assert.Equal(t, tc.line, le.Line, "line of %q", err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "trueskill: line "), "prefix of %q", err)
		})
	}
}

func TestReadCSVSkipUnknown(t *testing.T) {
	t.Parallel()
	in := "winner,loser\na,b\nb,z\nz,y\nb,a\n"
	ds, err := ReadCSV(strings.NewReader(in), CSVOptions{Players: []string{"a", "b"}, SkipUnknown: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, ds.Players)
	assert.Equal(t, []Game{{0, 1, Win}, {1, 0, Win}}, ds.Games)
	assert.Equal(t, 2, ds.Skipped)
}

func TestReadFileNamesPath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "games.csv")
	require.NoError(t, os.WriteFile(path, []byte("winner,loser\na,b\na,a\n"), 0o644))
	_, err := ReadFile(path, CSVOptions{})
	require.Error(t, err)
	assert.Equal(t, "trueskill: "+path+":3: player \"a\" plays itself", err.Error())

	_, err = ReadFile(filepath.Join(t.TempDir(), "absent.csv"), CSVOptions{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "trueskill: "), err.Error())
}

func TestReadCSVBadOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range []CSVOptions{
		{P1: "a"},
		{P1: "a", P2: "b", Result: "r", Coding: Coding(7)},
		{Players: []string{"a", "a"}},
	} {
		_, err := ReadCSV(strings.NewReader("a,b,r,winner,loser\nx,y,1,x,y\n"), opts)
		require.Error(t, err, "%+v", opts)
		assert.True(t, strings.HasPrefix(err.Error(), "trueskill: "), err.Error())
	}
}

func TestNewDataset(t *testing.T) {
	t.Parallel()
	ds, err := NewDataset([]string{"a", "b"}, []Game{{0, 1, Win}, {1, 0, Draw}})
	require.NoError(t, err)
	i, err := ds.Index("b")
	require.NoError(t, err)
	assert.Equal(t, 1, i)
	_, err = ds.Index("zed")
	assert.EqualError(t, err, `trueskill: unknown player "zed"`)
	w, d, l := ds.Counts()
	assert.Equal(t, [3]int{1, 1, 0}, [3]int{w, d, l})
	assert.Equal(t, []int{2, 2}, ds.GamesPlayed())

	// A literal Dataset without the name index still answers Index.
	lit := &Dataset{Players: []string{"x", "y"}}
	j, err := lit.Index("y")
	require.NoError(t, err)
	assert.Equal(t, 1, j)

	for _, tc := range []struct {
		name    string
		players []string
		games   []Game
	}{
		{"duplicate name", []string{"a", "a"}, nil},
		{"empty name", []string{"a", " "}, nil},
		{"index out of range", []string{"a", "b"}, []Game{{0, 2, Win}}},
		{"self-match", []string{"a", "b"}, []Game{{1, 1, Win}}},
		{"invalid result", []string{"a", "b"}, []Game{{0, 1, 0}}},
	} {
		_, err := NewDataset(tc.players, tc.games)
		assert.Error(t, err, tc.name)
	}
}

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
