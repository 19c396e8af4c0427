package trueskill

import (
	"fmt"
	"math"
	"strings"
)

// Result is the outcome of a game for its first player, P1.
// The zero value is not a valid result.
type Result int8

const (
	Win  Result = iota + 1 // P1 beats P2
	Draw                   // a draw
	Loss                   // P2 beats P1
)

// String returns "win", "draw" or "loss".
func (r Result) String() string {
	switch r {
	case Win:
		return "win"
	case Draw:
		return "draw"
	case Loss:
		return "loss"
	default:
		return fmt.Sprintf("Result(%d)", int(r))
	}
}

// Reverse returns the result seen from P2.
func (r Result) Reverse() Result {
	switch r {
	case Win:
		return Loss
	case Loss:
		return Win
	default:
		return r
	}
}

// interval returns the range of the performance difference t = sᵢ − sⱼ + n
// that produces r with draw margin eps: (eps, ∞), [−eps, eps] or (−∞, −eps).
func (r Result) interval(eps float64) (lo, hi float64) {
	switch r {
	case Win:
		return eps, math.Inf(1)
	case Loss:
		return math.Inf(-1), -eps
	default:
		return -eps, eps
	}
}

// Game is one game between players P1 and P2, indices into Dataset.Players.
type Game struct {
	P1, P2 int
	Result Result // the outcome for P1
}

// Dataset is a list of players and the games between them.
//
// Build it with [NewDataset] or one of the readers, which fill the name index
// used by [Dataset.Index]. A Dataset is safe for concurrent reads.
type Dataset struct {
	Players []string // player names; a player's index is its position here
	Games   []Game   // games, in file order
	// Skipped counts games left out because a player was not in a fixed
	// player list (CSVOptions.SkipUnknown).
	Skipped int

	index map[string]int
}

// NewDataset returns a Dataset of the given players and games after checking
// that names are non-empty and distinct, indices are in range, no player
// meets itself and every result is valid. The slices are copied.
func NewDataset(players []string, games []Game) (*Dataset, error) {
	ds := &Dataset{
		Players: append([]string(nil), players...),
		Games:   append([]Game(nil), games...),
		index:   make(map[string]int, len(players)),
	}
	for i, name := range ds.Players {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("trueskill: player %d has an empty name", i)
		}
		if j, dup := ds.index[name]; dup {
			return nil, fmt.Errorf("trueskill: player %q appears twice (indices %d and %d)", name, j, i)
		}
		ds.index[name] = i
	}
	n := len(ds.Players)
	for g, gm := range ds.Games {
		switch {
		case gm.P1 < 0 || gm.P1 >= n || gm.P2 < 0 || gm.P2 >= n:
			return nil, fmt.Errorf("trueskill: game %d: player index (%d, %d) outside [0, %d)", g, gm.P1, gm.P2, n)
		case gm.P1 == gm.P2:
			return nil, fmt.Errorf("trueskill: game %d: player %q plays itself", g, ds.Players[gm.P1])
		case gm.Result != Win && gm.Result != Draw && gm.Result != Loss:
			return nil, fmt.Errorf("trueskill: game %d: invalid %v", g, gm.Result)
		}
	}
	return ds, nil
}

// Index returns the index of the named player.
func (d *Dataset) Index(name string) (int, error) {
	if d.index != nil {
		if i, ok := d.index[name]; ok {
			return i, nil
		}
	} else {
		for i, p := range d.Players {
			if p == name {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("trueskill: unknown player %q", name)
}

// Counts returns the numbers of wins, draws and losses for P1 over all games.
func (d *Dataset) Counts() (wins, draws, losses int) {
	for _, g := range d.Games {
		switch g.Result {
		case Win:
			wins++
		case Draw:
			draws++
		case Loss:
			losses++
		}
	}
	return wins, draws, losses
}

// GamesPlayed returns the number of games of every player.
func (d *Dataset) GamesPlayed() []int {
	n := make([]int, len(d.Players))
	for _, g := range d.Games {
		n[g.P1]++
		n[g.P2]++
	}
	return n
}
