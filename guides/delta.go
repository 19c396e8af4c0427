package guides

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/svi"
)

// Delta is the point-mass guide q(u) = δ(u − loc). Fitting it maximizes the
// log-joint log p(x, z) in the constrained space: maximum a posteriori
// estimation. Its parameter is "guides/<site>/loc".
type Delta struct {
	// InitLoc optionally gives initial unconstrained locations by site name;
	// others start at zero.
	InitLoc map[string][]float64
}

var _ svi.Guide = Delta{}
var _ svi.HostDrawer = Delta{}
var _ svi.PointMasser = deltaBuilt{}

// deltaBuilt is Delta's contribution to a graph: draws that are parameters.
type deltaBuilt struct {
	drawn
	point map[string]bool
}

// PointMass names every site of the build.
func (d deltaBuilt) PointMass() map[string]bool { return d.point }

// Build declares loc per site; every particle's draw is loc itself.
func (g Delta) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	S := c.Particles()
	gg := deltaBuilt{drawn: newDrawn(S, false), point: map[string]bool{}}
	for _, site := range sites {
		var init func([]float64, *rand.Rand)
		if v, ok := g.InitLoc[site.Name]; ok {
			if len(v) != site.Size() {
				return nil, fmt.Errorf("guides: Delta InitLoc of site %q has %d values, want %d", site.Name, len(v), site.Size())
			}
			init = func(dst []float64, _ *rand.Rand) { copy(dst, v) }
		}
		loc := c.Param("guides/"+site.Name+"/loc", paramShape(site), init)
		gg.point[site.Name] = true
		for s := 0; s < S; s++ {
			gg.draws[s][site.Name] = loc
		}
	}
	return gg, c.Err()
}

// Draw repeats loc n times.
func (Delta) Draw(p *svi.Params, sites []svi.Site, _ *rand.Rand, n int) (map[string][]float64, error) {
	out := make(map[string][]float64, len(sites))
	for _, site := range sites {
		loc, ok := p.Get("guides/" + site.Name + "/loc")
		if !ok {
			return nil, fmt.Errorf("guides: no Delta parameter for site %q", site.Name)
		}
		d := make([]float64, 0, n*len(loc))
		for i := 0; i < n; i++ {
			d = append(d, loc...)
		}
		out[site.Name] = d
	}
	return out, nil
}
