package trueskill

import (
	"fmt"
	"math"
	"strings"
)

// Link selects the distribution of the performance noise, and so the outcome
// probability as a function of the skill difference.
type Link int

const (
	// Probit is TrueSkill's Gaussian performance noise: P(i wins) = Φ((d − ε)/(√2 β)).
	Probit Link = iota
	// Logistic is the Bradley–Terry link: P(i wins) = σ((d − ε)/β).
	Logistic
)

// String returns "probit" or "logistic".
func (l Link) String() string {
	switch l {
	case Probit:
		return "probit"
	case Logistic:
		return "logistic"
	default:
		return fmt.Sprintf("Link(%d)", int(l))
	}
}

// ParseLink returns the link named s: "probit" or "logistic", the names
// String gives.
func ParseLink(s string) (Link, error) { return parseName("link", s, Probit, Logistic) }

// parseName returns the value of all whose String is s, or an error naming
// what is parsed and the names allowed.
func parseName[T fmt.Stringer](what, s string, all ...T) (T, error) {
	names := make([]string, len(all))
	for i, v := range all {
		if v.String() == s {
			return v, nil
		}
		names[i] = v.String()
	}
	var zero T
	return zero, fmt.Errorf("trueskill: unknown %s %q (want %s)", what, s, strings.Join(names, " or "))
}

// Config fixes the model: the skill prior sᵢ ~ N(Mu0, Sigma0²), the
// performance scale Beta, the draw margin Margin (ε) and the Link.
// The zero value is not valid: Sigma0 and Beta must be positive.
type Config struct {
	Mu0    float64 // prior mean of every skill, μ₀
	Sigma0 float64 // prior standard deviation of every skill, σ₀ > 0
	Beta   float64 // performance scale β > 0
	Margin float64 // draw margin ε ≥ 0; 0 means draws have probability 0
	Link   Link
}

// Validate reports whether c is a usable model.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.Mu0) || math.IsInf(c.Mu0, 0):
		return fmt.Errorf("trueskill: Mu0 = %v is not finite", c.Mu0)
	case !(c.Sigma0 > 0) || math.IsInf(c.Sigma0, 0):
		return fmt.Errorf("trueskill: Sigma0 = %v, want a finite positive value", c.Sigma0)
	case !(c.Beta > 0) || math.IsInf(c.Beta, 0):
		return fmt.Errorf("trueskill: Beta = %v, want a finite positive value", c.Beta)
	case !(c.Margin >= 0) || math.IsInf(c.Margin, 0):
		return fmt.Errorf("trueskill: Margin = %v, want a finite value ≥ 0", c.Margin)
	case c.Link != Probit && c.Link != Logistic:
		return fmt.Errorf("trueskill: unknown %v", c.Link)
	}
	return nil
}

// noiseScale returns the scale of the performance-difference noise: √2·β for
// the probit link (the standard deviation) and β for the logistic link.
func (c Config) noiseScale() float64 {
	if c.Link == Probit {
		return math.Sqrt2 * c.Beta
	}
	return c.Beta
}

// checkData reports data the model cannot explain: a draw when Margin is 0.
func (c Config) checkData(ds *Dataset) error {
	if len(ds.Games) == 0 {
		return ErrNoGames
	}
	if c.Margin == 0 {
		for g, gm := range ds.Games {
			if gm.Result == Draw {
				return fmt.Errorf("trueskill: game %d is a draw but Margin is 0 (draws then have probability 0)", g)
			}
		}
	}
	return nil
}
