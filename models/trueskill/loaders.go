package trueskill

import (
	"fmt"
	"strings"
)

// Data files known to this package. Paths are relative to the data folder:
// the repository's data/ for shipped files, GOVI_DATA for the others.
const (
	// FootballFile holds the English Premier League results 2008/9–2012/13
	// (BradleyTerry2::football, GPL; shipped in data/).
	FootballFile = "football_epl/football.csv"
	// Tennis4F13File holds the 2011 ATP games of the Cambridge 4F13
	// coursework (107 players, 1,801 games; not redistributable, read from
	// GOVI_DATA).
	Tennis4F13File = "tennis_atp/cam4f13_2011/games.csv"
	// Sackmann2011File and Sackmann2012File hold Jeff Sackmann's ATP
	// tour-level singles as winner/loser pairs (CC BY-NC-SA 4.0; read from
	// GOVI_DATA).
	Sackmann2011File = "tennis_atp/sackmann/atp_2011_pairs.csv"
	Sackmann2012File = "tennis_atp/sackmann/atp_2012_pairs.csv"
)

// FootballOptions returns the CSVOptions of the football file: columns
// season, home, away, result (for the home team: 1 win, 0 draw, −1 loss).
// P1 is the home team. With seasons given (as written in the file, e.g.
// "2008-9"), only games of those seasons are kept.
func FootballOptions(seasons ...string) CSVOptions {
	opts := CSVOptions{P1: "home", P2: "away", Result: "result", Coding: Signed}
	if len(seasons) > 0 {
		want := make(map[string]bool, len(seasons))
		for _, s := range seasons {
			want[s] = true
		}
		opts.Keep = func(r Row) bool {
			s, _ := r.Field("season")
			return want[strings.TrimSpace(s)]
		}
	}
	return opts
}

// ReadFootball reads the football file at path, keeping only the given
// seasons when any are given; a season with no game is an error.
func ReadFootball(path string, seasons ...string) (*Dataset, error) {
	opts := FootballOptions(seasons...)
	seen := make(map[string]bool)
	if keep := opts.Keep; keep != nil {
		opts.Keep = func(r Row) bool {
			ok := keep(r)
			if ok {
				s, _ := r.Field("season")
				seen[strings.TrimSpace(s)] = true
			}
			return ok
		}
	}
	ds, err := ReadFile(path, opts)
	if err != nil {
		return nil, err
	}
	for _, s := range seasons {
		if !seen[s] {
			return nil, fmt.Errorf("trueskill: %s: no game in season %q", path, s)
		}
	}
	return ds, nil
}

// Tennis4F13Options returns the CSVOptions of the 4F13 games file: columns
// winner_index, loser_index, winner_name, loser_name; players are keyed by
// name and, read alone, indexed in the coursework's order.
func Tennis4F13Options() CSVOptions {
	return CSVOptions{Winner: "winner_name", Loser: "loser_name"}
}

// ReadTennis4F13 reads the 4F13 coursework games file (Tennis4F13File).
func ReadTennis4F13(path string) (*Dataset, error) {
	return ReadFile(path, Tennis4F13Options())
}

// SackmannOptions returns the CSVOptions of Sackmann's pair files (columns
// winner_name and loser_name among others; players keyed by name, which is
// one-to-one with Sackmann's ids in the 2011 and 2012 files). With
// skipWalkovers, matches whose score is "W/O" (not played) are left out.
func SackmannOptions(skipWalkovers bool) CSVOptions {
	opts := CSVOptions{Winner: "winner_name", Loser: "loser_name"}
	if skipWalkovers {
		opts.Keep = func(r Row) bool {
			s, _ := r.Field("score")
			return strings.TrimSpace(s) != "W/O"
		}
	}
	return opts
}

// ReadSackmann reads one of Sackmann's pair files.
func ReadSackmann(path string, skipWalkovers bool) (*Dataset, error) {
	return ReadFile(path, SackmannOptions(skipWalkovers))
}
