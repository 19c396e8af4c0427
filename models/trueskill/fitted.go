package trueskill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/svi"
)

// Fitted is the Gaussian summary of a variational fit of a [Model], with
// what forecasts need.
//
// The skills' means and standard deviations are exact functions of the
// guide's parameters when the guide knows its moments (svi.Momenter: the
// mean-field and full-rank guides), and their joint covariance is set when
// the guide has one (a Cov method: the full-rank and low-rank guides);
// otherwise they are estimated from draws.
type Fitted struct {
	Posterior // the skills
	// Config is the model's; with a learned margin its Margin is the
	// posterior mean of ε, which forecasts plug in.
	Config Config
	// Margin is the posterior of a learned draw margin ε, nil when fixed.
	// ε is log-normal under the guide; Mean and Std are its exact moments.
	Margin *Marginal
	// Home is the posterior of the home advantage η, nil without one.
	Home *Marginal
	// HomeCov[i] is cov(η, sᵢ) under a guide with a joint covariance; nil
	// otherwise (then η is independent of the skills).
	HomeCov []float64
}

// Marginal is the mean and standard deviation of a scalar.
type Marginal struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// covGuide is a guide with a joint covariance of all sites' unconstrained
// values (guides.FullRank); covGuideErr is the same with an error
// (guides.LowRank).
type (
	covGuide interface {
		Cov(*svi.Params, []svi.Site) *mat.SymDense
	}
	covGuideErr interface {
		Cov(*svi.Params, []svi.Site) (*mat.SymDense, error)
	}
)

// summaryDraws is the number of draws used to summarize a guide that knows
// neither its moments nor its covariance; the Monte Carlo error of a mean
// is then 1 % of the posterior standard deviation.
const summaryDraws = 10_000

// Fitted summarizes the fit in st of the trainer tr, built from m and
// guide. The guide must be the one tr was built with.
func (m *Model) Fitted(tr *svi.Trainer, st *svi.State, guide svi.Guide) (*Fitted, error) {
	sites := tr.Sites()
	if len(sites) == 0 || sites[0].Name != SiteSkill || sites[0].Size() != len(m.players) {
		return nil, fmt.Errorf("trueskill: Fitted: the trainer is not of this model (sites %v)", siteNames(sites))
	}
	// Offsets of each site in the joint unconstrained vector.
	off := map[string]int{}
	k := 0
	for _, s := range sites {
		off[s.Name] = k
		k += s.Size()
	}
	f := &Fitted{Config: m.cfg}
	f.Players = append([]string(nil), m.players...)
	var cov *mat.SymDense
	switch g := guide.(type) {
	case covGuide:
		cov = g.Cov(st.Params, sites)
	case covGuideErr:
		c, err := g.Cov(st.Params, sites)
		if err != nil {
			return nil, fmt.Errorf("trueskill: Fitted: %w", err)
		}
		cov = c
	}
	mean := make([][]float64, len(sites))
	std := make([][]float64, len(sites))
	if mo, ok := guide.(svi.Momenter); ok {
		for i := range sites {
			mu, sd, err := mo.Moments(st.Params, sites, i)
			if err != nil {
				return nil, fmt.Errorf("trueskill: Fitted: %w", err)
			}
			mean[i], std[i] = mu, sd
		}
	} else {
		if err := drawMoments(tr, st, sites, mean, std, &cov); err != nil {
			return nil, err
		}
	}
	P := len(m.players)
	f.Mean, f.Std = mean[0], std[0]
	if cov != nil {
		f.Cov = mat.NewSymDense(P, nil)
		for i := 0; i < P; i++ {
			for j := i; j < P; j++ {
				f.Cov.SetSym(i, j, cov.At(i, j))
			}
			f.Std[i] = math.Sqrt(cov.At(i, i))
		}
	}
	for i, s := range sites {
		switch s.Name {
		case SiteMargin:
			// ε = exp(u), u ~ N(μ, v): log-normal moments.
			mu, v := mean[i][0], std[i][0]*std[i][0]
			e := math.Exp(mu + v/2)
			f.Margin = &Marginal{Mean: e, Std: e * math.Sqrt(math.Expm1(v))}
			f.Config.Margin = e
		case SiteHome:
			f.Home = &Marginal{Mean: mean[i][0], Std: std[i][0]}
			if cov != nil {
				h := off[SiteHome]
				f.HomeCov = make([]float64, P)
				for j := range f.HomeCov {
					f.HomeCov[j] = cov.At(h, j)
				}
			}
		}
	}
	return f, nil
}

// drawMoments estimates each site's unconstrained mean and standard
// deviation, and the skills' covariance, from the guide's draws.
func drawMoments(tr *svi.Trainer, st *svi.State, sites []svi.Site, mean, std [][]float64, cov **mat.SymDense) error {
	draws, err := tr.Sample(st, summaryDraws, rand.New(svi.NewRNG(0)))
	if err != nil {
		return fmt.Errorf("trueskill: Fitted: %w", err)
	}
	for i, s := range sites {
		d := draws[s.Name]
		k := s.Size()
		mean[i] = make([]float64, k)
		std[i] = make([]float64, k)
		for j := 0; j < k; j++ {
			var sum, sum2 float64
			for n := 0; n < summaryDraws; n++ {
				x := d[n*k+j]
				if s.Name == SiteMargin {
					x = math.Log(x) // back to the unconstrained value
				}
				sum += x
				sum2 += x * x
			}
			mu := sum / summaryDraws
			mean[i][j] = mu
			std[i][j] = math.Sqrt(math.Max(sum2/summaryDraws-mu*mu, 0))
		}
	}
	return nil
}

func siteNames(sites []svi.Site) []string {
	n := make([]string, len(sites))
	for i, s := range sites {
		n[i] = s.Name
	}
	return n
}

// diff returns the mean and variance of the outcome-relevant difference
// sᵢ − sⱼ + η of a game between i (P1, the home side) and j.
func (f *Fitted) diff(i, j int) (m, v float64, err error) {
	m, v, err = f.Posterior.diff(i, j)
	if err != nil || f.Home == nil {
		return m, v, err
	}
	m += f.Home.Mean
	v += f.Home.Std * f.Home.Std
	if f.HomeCov != nil {
		v += 2 * (f.HomeCov[i] - f.HomeCov[j])
	}
	return m, math.Max(v, 0), nil
}

// Predict returns the posterior-predictive probabilities of a game between
// players i (P1, the home side when the model has a home advantage) and j,
// integrating over the skills and the home advantage: sᵢ − sⱼ + η is
// Gaussian under the fitted approximation. A learned margin is plugged in
// at its posterior mean.
func (f *Fitted) Predict(i, j int) (Forecast, error) {
	m, v, err := f.diff(i, j)
	if err != nil {
		return Forecast{}, err
	}
	return f.Config.Predictive(m, v), nil
}

// PredictPlugIn returns the outcome probabilities at the posterior means,
// ignoring the uncertainty of the skills and of η.
func (f *Fitted) PredictPlugIn(i, j int) (Forecast, error) {
	m, _, err := f.diff(i, j)
	if err != nil {
		return Forecast{}, err
	}
	return f.Config.Probs(m), nil
}

// Extend returns f over f's players followed by every name of names that f
// does not know, in order of first appearance. A new player gets the prior
// N(μ₀, σ₀²), independent of everything else: nothing was learned about
// them. f itself is not modified.
func (f *Fitted) Extend(names []string) *Fitted {
	known := make(map[string]bool, len(f.Players))
	for _, n := range f.Players {
		known[n] = true
	}
	var add []string
	for _, n := range names {
		if !known[n] {
			known[n] = true
			add = append(add, n)
		}
	}
	out := *f
	P, Q := len(f.Players), len(f.Players)+len(add)
	out.Players = append(slices.Clone(f.Players), add...)
	out.Mean = slices.Clone(f.Mean)
	out.Std = slices.Clone(f.Std)
	for range add {
		out.Mean = append(out.Mean, f.Config.Mu0)
		out.Std = append(out.Std, f.Config.Sigma0)
	}
	if f.Cov != nil {
		out.Cov = mat.NewSymDense(Q, nil)
		for i := 0; i < Q; i++ {
			for j := i; j < Q; j++ {
				switch {
				case j < P:
					out.Cov.SetSym(i, j, f.Cov.At(i, j))
				case i == j:
					out.Cov.SetSym(i, j, f.Config.Sigma0*f.Config.Sigma0)
				}
			}
		}
	}
	if f.HomeCov != nil {
		out.HomeCov = append(slices.Clone(f.HomeCov), make([]float64, len(add))...)
	}
	return &out
}
