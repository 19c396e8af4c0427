package trueskill

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"gonum.org/v1/gonum/mat"
)

// FittedJSON is the JSON form of a [Fitted]: what a forecast needs. Players
// are sorted by posterior mean, best first, and Covariance and HomeCov
// follow that order. A program's report may embed it (the fields then
// stand at the report's top level); [ReadFitted] reads such a report as
// well as the output of [WriteFitted].
type FittedJSON struct {
	Model  string       `json:"model"` // always "trueskill": marks the file
	Config FittedConfig `json:"config"`
	// Margin is the posterior of a learned draw margin ε (Config.Margin
	// then holds its mean), absent when the margin was fixed.
	Margin *Marginal `json:"draw_margin,omitempty"`
	// Home is the posterior of the home advantage η, absent without one.
	Home    *Marginal `json:"home_advantage,omitempty"`
	Players []Rating  `json:"players"`
	// Covariance is the skills' joint covariance, absent when only the
	// marginals are known (the mean-field guide).
	Covariance [][]float64 `json:"covariance,omitempty"`
	// HomeCov[i] is cov(η, sᵢ), absent when η is independent of the skills.
	HomeCov []float64 `json:"home_covariance,omitempty"`
}

// FittedConfig is the [Config] in a [FittedJSON], with whether the margin
// and a home advantage were learned.
type FittedConfig struct {
	Mu0           float64 `json:"mu0"`
	Sigma0        float64 `json:"sigma0"`
	Beta          float64 `json:"beta"`
	Margin        float64 `json:"margin"` // the fixed margin, or the posterior mean of a learned one
	Likelihood    string  `json:"likelihood"`
	LearnMargin   bool    `json:"learn_margin"`
	HomeAdvantage bool    `json:"home_advantage"`
}

// modelName is FittedJSON.Model.
const modelName = "trueskill"

// JSON returns the JSON form of f.
func (f *Fitted) JSON() *FittedJSON {
	c := f.Config
	j := &FittedJSON{Model: modelName, Margin: f.Margin, Home: f.Home,
		Config: FittedConfig{Mu0: c.Mu0, Sigma0: c.Sigma0, Beta: c.Beta, Margin: c.Margin, Likelihood: c.Link.String(),
			LearnMargin: f.Margin != nil, HomeAdvantage: f.Home != nil}}
	index := make(map[string]int, len(f.Players))
	for i, n := range f.Players {
		index[n] = i
	}
	j.Players = f.Ratings()
	order := make([]int, len(j.Players))
	for k, r := range j.Players {
		order[k] = index[r.Name]
	}
	if f.Cov != nil {
		j.Covariance = make([][]float64, len(order))
		for a, i := range order {
			j.Covariance[a] = make([]float64, len(order))
			for b, k := range order {
				j.Covariance[a][b] = f.Cov.At(i, k)
			}
		}
	}
	if f.HomeCov != nil {
		for _, i := range order {
			j.HomeCov = append(j.HomeCov, f.HomeCov[i])
		}
	}
	return j
}

// Fitted returns the fit j describes, its players in j's order, after
// checking that j is complete and consistent.
func (j *FittedJSON) Fitted() (*Fitted, error) {
	if j.Model != modelName || len(j.Players) == 0 {
		return nil, fmt.Errorf("trueskill: not a fitted trueskill posterior (model %q, %d players)", j.Model, len(j.Players))
	}
	link, err := ParseLink(j.Config.Likelihood)
	if err != nil {
		return nil, err
	}
	c := Config{Mu0: j.Config.Mu0, Sigma0: j.Config.Sigma0, Beta: j.Config.Beta, Margin: j.Config.Margin, Link: link}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := len(j.Players)
	f := &Fitted{Config: c, Margin: j.Margin, Home: j.Home}
	seen := make(map[string]bool, n)
	for _, p := range j.Players {
		if p.Name == "" || seen[p.Name] {
			return nil, fmt.Errorf("trueskill: player name %q is empty or appears twice", p.Name)
		}
		seen[p.Name] = true
		f.Players = append(f.Players, p.Name)
		f.Mean = append(f.Mean, p.Mean)
		f.Std = append(f.Std, p.Std)
	}
	if j.Covariance != nil {
		if len(j.Covariance) != n {
			return nil, fmt.Errorf("trueskill: covariance has %d rows for %d players", len(j.Covariance), n)
		}
		f.Cov = mat.NewSymDense(n, nil)
		for i, row := range j.Covariance {
			if len(row) != n {
				return nil, fmt.Errorf("trueskill: covariance row %d has %d entries for %d players", i, len(row), n)
			}
			for k := i; k < n; k++ {
				f.Cov.SetSym(i, k, row[k])
			}
		}
	}
	if j.HomeCov != nil {
		if j.Home == nil || len(j.HomeCov) != n {
			return nil, fmt.Errorf("trueskill: home covariance has %d entries for %d players (home advantage given: %t)", len(j.HomeCov), n, j.Home != nil)
		}
		f.HomeCov = j.HomeCov
	}
	return f, nil
}

// WriteFitted writes the JSON form of f to w, indented.
func WriteFitted(w io.Writer, f *Fitted) error {
	b, err := json.MarshalIndent(f.JSON(), "", "  ")
	if err != nil {
		return fmt.Errorf("trueskill: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("trueskill: %w", err)
	}
	return nil
}

// ReadFitted reads a fit written by [WriteFitted], or a JSON document that
// embeds a [FittedJSON] (other fields are ignored).
func ReadFitted(r io.Reader) (*Fitted, error) {
	var j FittedJSON
	if err := json.NewDecoder(r).Decode(&j); err != nil {
		return nil, fmt.Errorf("trueskill: %w", err)
	}
	return j.Fitted()
}

// ReadFittedFile is [ReadFitted] on a file; its errors name the file.
func ReadFittedFile(path string) (*Fitted, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trueskill: %w", err)
	}
	defer fh.Close()
	f, err := ReadFitted(fh)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return f, nil
}
