package bnn

import (
	"fmt"
	"math/rand/v2"
	"slices"

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
	// LastLayer is a Gaussian over the output layer's weights and biases
	// and the skip path's weights β (Config.Skip) jointly with a
	// low-rank-plus-diagonal covariance of rank Settings.Rank
	// (guides.LowRank), and the mean field over every other site (hidden
	// layers, τ, λ_l): guides.Join of the two. With D_L = (d_L + 1)·d_out
	// output weights ((d_L + 1 + d_in)·d_out with the skip path) it has
	// D_L·(R + 2) parameters where the mean field has 2·D_L (13-50-1,
	// R = 2: 204 against 102).
	LastLayer
	// LastLayerFull is LastLayer with a full-rank (Cholesky) covariance
	// over the output weights (guides.FullRank): D_L·(D_L + 3)/2 free
	// parameters (13-50-1: 1,428), for small last layers.
	LastLayerFull
)

var guideNames = []string{"meanfield", "lowrank", "fullrank", "map", "lastlayer", "lastlayer-full"}

// String returns the guide's name as ParseGuide reads it.
func (g Guide) String() string { return enumString(guideNames, int(g), "Guide") }

// ParseGuide returns the guide named s: meanfield, lowrank, fullrank, map,
// lastlayer or lastlayer-full.
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
	case LastLayer, LastLayerFull:
		return lastLayerGuide(g, rank, cfg, sites, initScale, locs)
	}
	return nil, fmt.Errorf("bnn: unknown guide %v", g)
}

// lastLayerGuide joins a low-rank (LastLayer) or full-rank (LastLayerFull)
// Gaussian over the output layer's weights and biases with the mean field
// over the other sites, every mean starting at locs.
func lastLayerGuide(g Guide, rank int, cfg Config, sites []svi.Site, initScale float64, locs map[string][]float64) (svi.Guide, error) {
	out := len(cfg.Hidden)
	last := []string{WeightSite(out), BiasSite(out)}
	if cfg.skip() {
		last = append(last, SkipSite) // the output's weights on the inputs
	}
	var rest []string
	for _, s := range sites {
		if !slices.Contains(last, s.Name) {
			rest = append(rest, s.Name)
		}
	}
	var joint svi.Guide = guides.FullRank{InitScale: initScale, InitLoc: locs}
	if g == LastLayer {
		if rank < 1 {
			return nil, fmt.Errorf("bnn: the lastlayer guide needs Rank ≥ 1, got %d", rank)
		}
		joint = guides.LowRank{Rank: rank, InitScale: initScale, InitLoc: locs}
	}
	parts := []guides.Part{{Guide: joint, Sites: last}}
	if len(rest) > 0 {
		mf := guides.MeanField{InitScale: initScale, InitLoc: locs}
		parts = append(parts, guides.Part{Guide: mf, Sites: rest})
	}
	j, err := guides.Join(parts...)
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	return j, nil
}
