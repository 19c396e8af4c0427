package trueskill

import (
	"cmp"
	"fmt"
	"slices"
)

// Rating is one player's skill summary.
type Rating struct {
	Name         string  `json:"name"`
	Mean         float64 `json:"mean"`
	Std          float64 `json:"std"`
	Conservative float64 `json:"conservative"` // Mean − 3·Std, TrueSkill's leaderboard value
}

// Ratings returns one Rating per player, sorted by Mean descending (ties by
// name).
func Ratings(names []string, mean, std []float64) ([]Rating, error) {
	if len(mean) != len(names) || len(std) != len(names) {
		return nil, fmt.Errorf("trueskill: Ratings: %d names, %d means, %d stds", len(names), len(mean), len(std))
	}
	r := make([]Rating, len(names))
	for i, name := range names {
		r[i] = Rating{Name: name, Mean: mean[i], Std: std[i], Conservative: mean[i] - 3*std[i]}
	}
	slices.SortStableFunc(r, func(a, b Rating) int {
		if c := cmp.Compare(b.Mean, a.Mean); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return r, nil
}

// TopK returns the names of the first k ratings (all of them if k exceeds
// their number), in order.
func TopK(r []Rating, k int) []string {
	k = min(max(k, 0), len(r))
	names := make([]string, k)
	for i := range names {
		names[i] = r[i].Name
	}
	return names
}

// Swap is a pair of players ranked in opposite orders by two rankings.
type Swap struct{ First, Second string } // First is ahead in the first ranking

// OrderSwaps returns the pairs of names, among those in both a and b, that
// a and b order differently; each pair lists first the name a puts ahead.
func OrderSwaps(a, b []string) []Swap {
	pos := make(map[string]int, len(b))
	for i, n := range b {
		pos[n] = i
	}
	var s []Swap
	for i := range a {
		pi, ok := pos[a[i]]
		if !ok {
			continue
		}
		for j := i + 1; j < len(a); j++ {
			if pj, ok := pos[a[j]]; ok && pj < pi {
				s = append(s, Swap{First: a[i], Second: a[j]})
			}
		}
	}
	return s
}
