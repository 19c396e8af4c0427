package dist

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

func TestConstructorsRejectBadParameters(t *testing.T) {
	g := G.NewGraph()
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		new  func() error
		msg  string
	}{
		{"Normal scale −1", func() error { _, err := NewNormal(g, 0, -1); return err }, "dist: Normal scale must be positive and finite, got -1"},
		{"Normal loc NaN", func() error { _, err := NewNormal(g, nan, 1); return err }, "dist: Normal loc must be finite, got NaN"},
		{"LogNormal scale 0", func() error { _, err := NewLogNormal(g, 0, 0); return err }, "dist: LogNormal scale must be positive and finite, got 0"},
		{"HalfNormal scale +Inf", func() error { _, err := NewHalfNormal(g, inf); return err }, "dist: HalfNormal scale must be positive and finite, got +Inf"},
		{"Exponential rate NaN", func() error { _, err := NewExponential(g, nan); return err }, "dist: Exponential rate must be positive and finite, got NaN"},
		{"Gamma concentration −2", func() error { _, err := NewGamma(g, -2, 1); return err }, "dist: Gamma concentration must be positive and finite, got -2"},
		{"Gamma rate 0", func() error { _, err := NewGamma(g, 1, 0); return err }, "dist: Gamma rate must be positive and finite, got 0"},
		{"Beta concentration0 0", func() error { _, err := NewBeta(g, 1, 0); return err }, "dist: Beta concentration0 must be positive and finite, got 0"},
		{"StudentT df −1", func() error { _, err := NewStudentT(g, -1, 0, 1); return err }, "dist: StudentT df must be positive and finite, got -1"},
		{"StudentT loc Inf", func() error { _, err := NewStudentT(g, 1, inf, 1); return err }, "dist: StudentT loc must be finite, got +Inf"},
		{"Laplace scale −3", func() error { _, err := NewLaplace(g, 0, -3); return err }, "dist: Laplace scale must be positive and finite, got -3"},
		{"Bernoulli logit −Inf", func() error { _, err := NewBernoulli(g, -inf); return err }, "dist: Bernoulli logit must be finite, got -Inf"},
		{"Poisson rate −1", func() error { _, err := NewPoisson(g, -1); return err }, "dist: Poisson rate must be positive and finite, got -1"},
		{"Categorical logits[1] NaN", func() error { _, err := NewCategorical(g, []float64{0, nan}); return err }, "dist: Categorical logits[1] must be finite, got NaN"},
		{"Dirichlet concentration[2] 0", func() error { _, err := NewDirichlet(g, []float64{1, 1, 0}); return err }, "dist: Dirichlet concentration[2] must be positive and finite, got 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.new()
			require.Error(t, err)
			assert.EqualError(t, err, tc.msg)
			var pe *ParamError
			assert.True(t, errors.As(err, &pe), "a *ParamError")
		})
	}
	for _, err := range []error{
		func() error { _, err := NewCategorical(g, nil); return err }(),
		func() error { _, err := NewDirichlet(g, []float64{1}); return err }(),
		func() error { _, err := NewNormal(nil, 0, 1); return err }(),
	} {
		assert.Error(t, err)
	}
}

// TestNilNodesGiveErrors checks that graph-building methods report nil
// nodes as errors instead of panicking.
func TestNilNodesGiveErrors(t *testing.T) {
	g := G.NewGraph()
	x := vec(g, []float64{0.5})
	for name, f := range map[string]func() (*G.Node, error){
		"Normal x":        func() (*G.Node, error) { return Normal{}.LogProb(nil) },
		"Normal params":   func() (*G.Node, error) { return Normal{}.LogProb(x) },
		"Gamma":           func() (*G.Node, error) { return Gamma{}.LogProb(x) },
		"Beta entropy":    func() (*G.Node, error) { return Beta{}.Entropy() },
		"StudentT":        func() (*G.Node, error) { return StudentT{}.LogProb(x) },
		"Categorical":     func() (*G.Node, error) { return Categorical{}.LogProb(x) },
		"Categorical H":   func() (*G.Node, error) { return Categorical{}.Entropy() },
		"Dirichlet":       func() (*G.Node, error) { return Dirichlet{}.LogProb(x) },
		"Laplace rsample": func() (*G.Node, error) { return Laplace{}.Rsample(nil) },
		"Poisson":         func() (*G.Node, error) { return Poisson{}.LogProb(x) },
		"Bernoulli":       func() (*G.Node, error) { return Bernoulli{}.LogProb(x) },
		"KL":              func() (*G.Node, error) { return KL(Normal{}, Normal{}) },
	} {
		assert.NotPanics(t, func() {
			_, err := f()
			assert.Error(t, err, name)
		}, name)
	}
}

// TestCheckConstantsIssue14: a distribution built as a struct literal with
// a constant parameter outside its domain is refused by CheckConstants,
// naming the distribution and the parameter (and the element of a vector
// constant); parameters the graph computes are left to the run.
func TestCheckConstantsIssue14(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	c := func(v float64) *G.Node { return G.NewConstant(v, G.In(g)) }
	x := vec(g, []float64{0.5, -1})
	for _, tc := range []struct {
		name string
		d    any
		msg  string // "" when accepted
	}{
		{"Normal scale −1", Normal{Loc: c(0), Scale: c(-1)}, "dist: Normal scale must be positive and finite, got -1"},
		{"Normal loc NaN", Normal{Loc: c(math.NaN()), Scale: c(1)}, "dist: Normal loc must be finite, got NaN"},
		{"Gamma rate 0", Gamma{Concentration: c(2), Rate: c(0)}, "dist: Gamma rate must be positive and finite, got 0"},
		{"StudentT df −2", StudentT{DF: c(-2), Loc: c(0), Scale: c(1)}, "dist: StudentT df must be positive and finite, got -2"},
		{"HalfNormal scale vector", HalfNormal{Scale: vectorConst(g, []float64{1, 0, 2})}, "dist: HalfNormal scale[1] must be positive and finite, got 0"},
		{"Dirichlet concentration", Dirichlet{Concentration: vectorConst(g, []float64{1, -1})}, "dist: Dirichlet concentration[1] must be positive and finite, got -1"},
		{"valid constants", Normal{Loc: c(0), Scale: c(2)}, ""},
		{"computed scale", Normal{Loc: c(0), Scale: x}, ""},
		{"nil scale", Normal{Loc: c(0)}, ""},
		{"not a dist", 3, ""},
	} {
		err := CheckConstants(tc.d)
		if tc.msg == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		assert.EqualError(t, err, tc.msg, tc.name)
		var pe *ParamError
		assert.True(t, errors.As(err, &pe), "%s: a *ParamError", tc.name)
	}
}
