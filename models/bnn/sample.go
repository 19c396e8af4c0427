package bnn

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/svi"
)

// Sample returns t draws of every latent site from the fitted guide (0
// means DefaultDraws), seeded by seed, as t×size row-major arrays keyed by
// site name ([WeightSite], [BiasSite], [NoiseSite], …): the weights of
// the standardized inputs, and τ of the standardized target. The state's
// own random source is left alone.
func (n *Net) Sample(t int, seed uint64) (map[string][]float64, error) {
	if t == 0 {
		t = DefaultDraws
	}
	if t < 1 {
		return nil, fmt.Errorf("bnn: need at least one posterior draw, got %d", t)
	}
	return n.trainer.Sample(n.state, t, rand.New(svi.NewRNG(seed)))
}
