package trueskill

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

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
// checking that j is complete and consistent: every mean finite, every
// standard deviation and variance finite and non-negative, the covariance
// square, symmetric and finite. Errors name the field at fault as a JSON
// path (players[2].std) and its player.
func (j *FittedJSON) Fitted() (*Fitted, error) { return j.fitted("") }

// fitted is Fitted with errors naming the file name (when not empty).
func (j *FittedJSON) fitted(name string) (*Fitted, error) {
	fail := func(format string, args ...any) (*Fitted, error) {
		if name != "" {
			return nil, fmt.Errorf("trueskill: %s: %s", name, fmt.Sprintf(format, args...))
		}
		return nil, fmt.Errorf("trueskill: %s", fmt.Sprintf(format, args...))
	}
	if j.Model != modelName || len(j.Players) == 0 {
		return fail("not a fitted trueskill posterior (model %q, %d players)", j.Model, len(j.Players))
	}
	link, err := ParseLink(j.Config.Likelihood)
	if err != nil {
		return fail("config.likelihood: %v", strings.TrimPrefix(err.Error(), "trueskill: "))
	}
	c := Config{Mu0: j.Config.Mu0, Sigma0: j.Config.Sigma0, Beta: j.Config.Beta, Margin: j.Config.Margin, Link: link}
	if err := c.Validate(); err != nil {
		return fail("config: %v", strings.TrimPrefix(err.Error(), "trueskill: "))
	}
	if msg := j.checkValues(); msg != "" {
		return fail("%s", msg)
	}
	n := len(j.Players)
	f := &Fitted{Config: c, Margin: j.Margin, Home: j.Home}
	seen := make(map[string]bool, n)
	for _, p := range j.Players {
		if p.Name == "" || seen[p.Name] {
			return fail("player name %q is empty or appears twice", p.Name)
		}
		seen[p.Name] = true
		f.Players = append(f.Players, p.Name)
		f.Mean = append(f.Mean, p.Mean)
		f.Std = append(f.Std, p.Std)
	}
	if j.Covariance != nil {
		if msg := j.checkCovariance(); msg != "" {
			return fail("%s", msg)
		}
		f.Cov = mat.NewSymDense(n, nil)
		for i, row := range j.Covariance {
			for k := i; k < n; k++ {
				f.Cov.SetSym(i, k, row[k])
			}
		}
	}
	if j.HomeCov != nil {
		if j.Home == nil || len(j.HomeCov) != n {
			return fail("home covariance has %d entries for %d players (home advantage given: %t)", len(j.HomeCov), n, j.Home != nil)
		}
		f.HomeCov = j.HomeCov
	}
	return f, nil
}

// checkValues returns what is wrong with the means, standard deviations
// and home covariances of j, or "".
func (j *FittedJSON) checkValues() string {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for i, p := range j.Players {
		switch {
		case !finite(p.Mean):
			return fmt.Sprintf("players[%d].mean (player %q) is %v, want a finite number", i, p.Name, p.Mean)
		case !finite(p.Std) || p.Std < 0:
			return fmt.Sprintf("players[%d].std (player %q) is %v, want a finite number ≥ 0", i, p.Name, p.Std)
		}
	}
	for _, m := range []struct {
		field string
		m     *Marginal
	}{{"draw_margin", j.Margin}, {"home_advantage", j.Home}} {
		switch {
		case m.m == nil:
		case !finite(m.m.Mean):
			return fmt.Sprintf("%s.mean is %v, want a finite number", m.field, m.m.Mean)
		case !finite(m.m.Std) || m.m.Std < 0:
			return fmt.Sprintf("%s.std is %v, want a finite number ≥ 0", m.field, m.m.Std)
		}
	}
	for i, v := range j.HomeCov {
		if !finite(v) {
			return fmt.Sprintf("home_covariance[%d] (player %q) is %v, want a finite number", i, j.playerName(i), v)
		}
	}
	return ""
}

// checkCovariance returns what is wrong with j.Covariance, or "": it must
// be square over the players, finite, symmetric (to 1e-12 relative: a
// writer's rounding) with non-negative variances.
func (j *FittedJSON) checkCovariance() string {
	n := len(j.Players)
	if len(j.Covariance) != n {
		return fmt.Sprintf("covariance has %d rows for %d players", len(j.Covariance), n)
	}
	for i, row := range j.Covariance {
		if len(row) != n {
			return fmt.Sprintf("covariance row %d has %d entries for %d players", i, len(row), n)
		}
	}
	const symTol = 1e-12 // relative: far above a float64 round trip, far below a real asymmetry
	for i, row := range j.Covariance {
		for k, v := range row {
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				return fmt.Sprintf("covariance[%d][%d] (players %q, %q) is %v, want a finite number", i, k, j.playerName(i), j.playerName(k), v)
			case i == k && v < 0:
				return fmt.Sprintf("covariance[%d][%d] (the variance of player %q) is %v, want ≥ 0", i, k, j.playerName(i), v)
			case math.Abs(v-j.Covariance[k][i]) > symTol*math.Max(math.Abs(v), math.Abs(j.Covariance[k][i])):
				return fmt.Sprintf("covariance[%d][%d] = %v but covariance[%d][%d] = %v (players %q, %q): not symmetric",
					i, k, v, k, i, j.Covariance[k][i], j.playerName(i), j.playerName(k))
			}
		}
	}
	return ""
}

// playerName returns the name of player i of j.
func (j *FittedJSON) playerName(i int) string { return j.Players[i].Name }

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
func ReadFitted(r io.Reader) (*Fitted, error) { return readFitted(r, "") }

// ReadFittedFile is [ReadFitted] on a file; its errors name the file.
func ReadFittedFile(path string) (*Fitted, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trueskill: %w", err)
	}
	defer fh.Close()
	return readFitted(fh, path)
}

// readFitted is ReadFitted with errors naming name (when not empty), and
// the line and column of a JSON syntax or type error.
func readFitted(r io.Reader, name string) (*Fitted, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("trueskill: %w", err)
	}
	var j FittedJSON
	if err := json.Unmarshal(b, &j); err != nil {
		where := ""
		if name != "" {
			where = name + ":"
		}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(b, se.Offset)
			return nil, fmt.Errorf("trueskill: %s%d:%d: %w", where, line, col, err)
		case errors.As(err, &te):
			line, col := lineCol(b, te.Offset)
			return nil, fmt.Errorf("trueskill: %s%d:%d: %w", where, line, col, err)
		case name != "":
			return nil, fmt.Errorf("trueskill: %s: %w", name, err)
		}
		return nil, fmt.Errorf("trueskill: %w", err)
	}
	return j.fitted(name)
}

// lineCol returns the 1-based line and byte column of offset off of b (an
// offset just past the byte at fault, as encoding/json gives).
func lineCol(b []byte, off int64) (line, col int) {
	before := b[:min(max(off-1, 0), int64(len(b)))]
	line = 1 + bytes.Count(before, []byte("\n"))
	return line, len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
}
