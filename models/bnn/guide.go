package bnn

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// Guide selects the variational family q of a fit.
type Guide int

const (
	// MeanField is a Gaussian with a diagonal covariance over every weight
	// and log τ: the default, and the only one that scales to wide nets.
	MeanField Guide = iota
	// LowRank is a Gaussian over all weights jointly with a low-rank-plus-
	// diagonal covariance of rank Settings.Rank.
	LowRank
	// FullRank is a Gaussian over all weights jointly with a Cholesky
	// factor: D(D+1)/2 parameters for D weights (a 13-50-1 net has D = 752,
	// so 283,000), practical for small nets only.
	FullRank
	// MAP is a point mass: maximum a posteriori weights, no uncertainty
	// (the predictive spread is the noise alone).
	MAP
)

var guideNames = []string{"meanfield", "lowrank", "fullrank", "map"}

// String returns the guide's name as ParseGuide reads it.
func (g Guide) String() string { return enumString(guideNames, int(g), "Guide") }

// ParseGuide returns the guide named s: meanfield, lowrank, fullrank or map.
func ParseGuide(s string) (Guide, error) { return parseEnum[Guide](guideNames, s, "guide") }

// newGuide returns the guide g for the model's sites, every family starting
// from the same means (He initialization, see initLoc) drawn from seed.
func newGuide(g Guide, rank int, cfg Config, sites []svi.Site, initScale float64, seed uint64) (svi.Guide, error) {
	fill := initLoc(cfg)
	if g == MeanField {
		return guides.MeanField{InitScale: initScale, InitLocFn: fill}, nil
	}
	r := rand.New(rand.NewPCG(seed, 0x696e6974))
	locs := map[string][]float64{}
	for _, s := range sites {
		locs[s.Name] = make([]float64, s.Size())
		fill(s, locs[s.Name], r)
	}
	switch g {
	case LowRank:
		if rank < 1 {
			return nil, fmt.Errorf("bnn: the lowrank guide needs Rank ≥ 1, got %d", rank)
		}
		return guides.LowRank{Rank: rank, InitScale: initScale, InitLoc: locs}, nil
	case FullRank:
		return guides.FullRank{InitScale: initScale, InitLoc: locs}, nil
	case MAP:
		return guides.Delta{InitLoc: locs}, nil
	}
	return nil, fmt.Errorf("bnn: unknown guide %v", g)
}
