package trueskill

import (
	"errors"
	"testing"

	"github.com/govi/govi/internal/datadir"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// footballPath returns the shipped football file or fails the test.
func footballPath(t testing.TB) string {
	t.Helper()
	p, ok := datadir.Shipped(FootballFile)
	require.True(t, ok, "shipped data file data/%s is missing", FootballFile)
	return p
}

// Counts below come from data/football_epl/README.md (1,900 matches,
// 5 seasons, 29 teams) and from counting the file's result column with
// Python's csv module (882 home wins, 505 draws, 513 away wins).
func TestReadFootball(t *testing.T) {
	t.Parallel()
	p := footballPath(t)
	ds, err := ReadFootball(p)
	require.NoError(t, err)
	assert.Len(t, ds.Games, 1900)
	assert.Len(t, ds.Players, 29)
	w, d, l := ds.Counts()
	assert.Equal(t, [3]int{882, 505, 513}, [3]int{w, d, l})
	// "Draws are about a quarter of all matches" (README): 505/1900.
	const drawRateTol = 0.03 // "about a quarter": 0.25 ± 0.03
	assert.InDelta(t, 0.25, float64(d)/float64(len(ds.Games)), drawRateTol)

	for _, tc := range []struct {
		season       string
		wins, draws  int
		losses, team int
	}{
		{"2008-9", 173, 97, 110, 20},
		{"2012-13", 166, 108, 106, 20},
	} {
		ds, err := ReadFootball(p, tc.season)
		require.NoError(t, err, tc.season)
		w, d, l := ds.Counts()
		assert.Equal(t, [3]int{tc.wins, tc.draws, tc.losses}, [3]int{w, d, l}, tc.season)
		assert.Len(t, ds.Players, tc.team, tc.season)
	}
	two, err := ReadFootball(p, "2008-9", "2009-10")
	require.NoError(t, err)
	assert.Len(t, two.Games, 760)

	_, err = ReadFootball(p, "2008-9", "1999-00")
	assert.ErrorContains(t, err, `no game in season "1999-00"`)
}

// Counts from shared/datasets/tennis_atp/README.md: 107 players, 1,801
// games; Novak-Djokovic won 67 of 74, Roger-Federer 58 of 70.
func TestReadTennis4F13(t *testing.T) {
	t.Parallel()
	ds, err := ReadTennis4F13(datadir.Require(t, Tennis4F13File))
	require.NoError(t, err)
	assert.Len(t, ds.Players, 107)
	assert.Len(t, ds.Games, 1801)
	assert.Equal(t, "Rafael-Nadal", ds.Players[0], "coursework order: W(1) is Rafael-Nadal")
	played := ds.GamesPlayed()
	won := make([]int, len(ds.Players))
	for _, g := range ds.Games {
		won[g.P1]++ // every game is a win for P1 in the winner/loser layout
	}
	for _, tc := range []struct {
		name        string
		won, played int
	}{
		{"Novak-Djokovic", 67, 74},
		{"Roger-Federer", 58, 70},
		{"Rafael-Nadal", 57, 72},
	} {
		i, err := ds.Index(tc.name)
		require.NoError(t, err)
		assert.Equal(t, [2]int{tc.won, tc.played}, [2]int{won[i], played[i]}, tc.name)
	}
}

// Counts from shared/datasets/tennis_atp/README.md (3,015 matches with 15
// walkovers and 459 players in 2011; 3,009 with 18 in 2012) and, for the
// 2012 games between 2011 players, from Python's csv module.
func TestReadSackmann(t *testing.T) {
	t.Parallel()
	p11 := datadir.Require(t, Sackmann2011File)
	p12 := datadir.Require(t, Sackmann2012File)
	all, err := ReadSackmann(p11, false)
	require.NoError(t, err)
	assert.Len(t, all.Games, 3015)
	assert.Len(t, all.Players, 459)
	train, err := ReadSackmann(p11, true)
	require.NoError(t, err)
	assert.Len(t, train.Games, 3000)

	// A test period read against the training players.
	opts := SackmannOptions(true)
	opts.Players = train.Players
	_, err = ReadFile(p12, opts)
	var le *LineError
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, 8, le.Line)
	assert.Contains(t, err.Error(), `unknown player "Benjamin Mitchell"`)

	opts.SkipUnknown = true
	test, err := ReadFile(p12, opts)
	require.NoError(t, err)
	assert.Len(t, test.Games, 2727)
	assert.Equal(t, 2991-2727, test.Skipped)
	assert.Equal(t, train.Players, test.Players)
}
