package svi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat"

	"github.com/govi/govi/dist"
)

// SiteSummary describes the fitted guide's marginal of one latent site, in
// the site's constrained space. Arrays are per element, flattened row-major.
type SiteSummary struct {
	Name      string
	Shape     []int
	Support   string
	Mean      []float64
	Std       []float64
	Probs     []float64   // the quantile levels
	Quantiles [][]float64 // Quantiles[k][i] is the Probs[k] quantile of element i
	Draws     []float64   // n×size row-major draws
}

// DefaultProbs are the quantile levels Summarize reports when none are given.
var DefaultProbs = []float64{0.025, 0.25, 0.5, 0.75, 0.975}

// Sample returns n draws of every latent site from the fitted guide, in the
// sites' constrained spaces, as n×size row-major arrays keyed by site name.
func (t *Trainer) Sample(st *State, n int, r *rand.Rand) (map[string][]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("svi: Sample needs n ≥ 1, got %d", n)
	}
	if r == nil {
		return nil, fmt.Errorf("svi: Sample needs a random generator, got nil")
	}
	if err := t.checkState(st); err != nil {
		return nil, err
	}
	hd, ok := t.guide.(HostDrawer)
	if !ok {
		return nil, fmt.Errorf("svi: the guide %T cannot draw outside the graph (svi.HostDrawer)", t.guide)
	}
	u, err := hd.Draw(st.Params, t.sites, r, n)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float64, len(t.sites))
	for _, s := range t.sites {
		us, ok := u[s.Name]
		if !ok || len(us) != n*s.Size() {
			return nil, fmt.Errorf("svi: guide drew %d values of site %q, want %d", len(us), s.Name, n*s.Size())
		}
		xs := make([]float64, n*size(s.Shape))
		k, ck := s.Size(), size(s.Shape)
		for i := 0; i < n; i++ {
			s.Support.ForwardHost(xs[i*ck:(i+1)*ck], us[i*k:(i+1)*k])
		}
		out[s.Name] = xs
	}
	return out, nil
}

// Summarize returns per-site means, standard deviations and quantiles at the
// levels probs (DefaultProbs when nil), from n draws of the fitted guide.
// For a real-valued site of a guide that knows its moments (a [Momenter])
// the mean and standard deviation are exact; the rest are Monte Carlo.
func (t *Trainer) Summarize(st *State, n int, r *rand.Rand, probs []float64) ([]SiteSummary, error) {
	if probs == nil {
		probs = DefaultProbs
	}
	for _, p := range probs {
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("svi: quantile level %v outside [0, 1]", p)
		}
	}
	draws, err := t.Sample(st, n, r)
	if err != nil {
		return nil, err
	}
	out := make([]SiteSummary, 0, len(t.sites))
	for si, s := range t.sites {
		d := draws[s.Name]
		k := size(s.Shape)
		ss := SiteSummary{Name: s.Name, Shape: s.Shape, Support: s.Support.String(), Probs: probs, Draws: d,
			Mean: make([]float64, k), Std: make([]float64, k), Quantiles: make([][]float64, len(probs))}
		for q := range ss.Quantiles {
			ss.Quantiles[q] = make([]float64, k)
		}
		col := make([]float64, n)
		for i := 0; i < k; i++ {
			for j := 0; j < n; j++ {
				col[j] = d[j*k+i]
			}
			ss.Mean[i], ss.Std[i] = stat.MeanStdDev(col, nil)
			sort.Float64s(col)
			for q, p := range probs {
				ss.Quantiles[q][i] = stat.Quantile(p, stat.LinInterp, col, nil)
			}
		}
		if n == 1 {
			for i := range ss.Std {
				ss.Std[i] = math.NaN()
			}
		}
		if mom, ok := t.guide.(Momenter); ok && isIdentity(s.Support) {
			mean, std, err := mom.Moments(st.Params, t.sites, si)
			if err == nil && len(mean) == k {
				ss.Mean, ss.Std = mean, std
			}
		}
		out = append(out, ss)
	}
	return out, nil
}

func isIdentity(b dist.Bijector) bool {
	_, ok := b.(dist.Identity)
	return ok
}
