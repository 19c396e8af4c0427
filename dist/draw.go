package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

// Host draws ([Drawer]) share one broadcasting rule and one validation.
//
// A distribution with K values per element (Categorical's logits, one
// per category; Dirichlet's concentration, whose value has K elements
// per row) takes K from the last axis of its parameter node; every other
// distribution has K = 1. With n = len(dst)/K rows, each params[i] holds
// either K values (one row, broadcast to every row: a scalar parameter
// when K = 1) or n·K values (one row per row of dst). Any other length is
// an error naming the distribution and the parameter. Every value is
// checked before anything is drawn, so an invalid one (a non-positive
// scale, a NaN) gives a [*ParamError] naming the distribution, the
// parameter and the element, and leaves dst and r untouched.

// drawParam names a parameter of a Drawer, in the order of Params, and
// the check each of its values must pass (positive or finite).
type drawParam struct {
	name  string
	check func(dist, param string, v float64) error
}

// paramSpec names a distribution and its parameters, in the order of
// Params: what Draw and CheckConstants check.
type paramSpec struct {
	dist   string
	params []drawParam
}

// checkDraw checks that r is non-nil, that params has one slice per spec,
// each of length k or n·k, and that every value passes its spec's check;
// it returns, for each parameter, the stride between rows (0 for a
// broadcast row, k otherwise).
func checkDraw(ps paramSpec, n, k int, params [][]float64, r *rand.Rand) ([]int, error) {
	dist, specs := ps.dist, ps.params
	if r == nil {
		return nil, fmt.Errorf("dist: %s.Draw: nil *rand.Rand", dist)
	}
	if len(params) != len(specs) {
		return nil, fmt.Errorf("dist: %s.Draw: got %d parameter slices, want %d (%s)", dist, len(params), len(specs), specNames(specs))
	}
	strides := make([]int, len(specs))
	for j, s := range specs {
		switch p := params[j]; {
		case len(p) == k:
			strides[j] = 0
		case len(p) == n*k:
			strides[j] = k
		case k == 1:
			return nil, fmt.Errorf("dist: %s.Draw: %s has %d values, want 1 (broadcast) or %d (one per element)",
				dist, s.name, len(p), n)
		default:
			return nil, fmt.Errorf("dist: %s.Draw: %s has %d values, want %d (one row, broadcast) or %d (%d rows of %d)",
				dist, s.name, len(p), k, n*k, n, k)
		}
		for i, v := range params[j] {
			if s.check(dist, s.name, v) != nil { // name the element only on failure
				return nil, s.check(dist, fmt.Sprintf("%s[%d]", s.name, i), v)
			}
		}
	}
	return strides, nil
}

// specNames lists the parameter names, as in "loc, scale".
func specNames(specs []drawParam) string {
	names := make([]string, len(specs))
	for i, p := range specs {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

// drawElems checks params (K = 1) and then sets dst[i] = draw(p, r) for
// i = 0, 1, … in order, where p[j] is the value of params[j] at element i.
func drawElems(ps paramSpec, dst []float64, params [][]float64, r *rand.Rand, draw func(p []float64, r *rand.Rand) float64) error {
	strides, err := checkDraw(ps, len(dst), 1, params, r)
	if err != nil {
		return err
	}
	p := make([]float64, len(ps.params))
	for i := range dst {
		for j, v := range params {
			p[j] = v[i*strides[j]]
		}
		dst[i] = draw(p, r)
	}
	return nil
}

// categories returns K, the length of the last axis of a per-category
// parameter node.
func categories(dist, param string, n *G.Node) (int, error) {
	if n == nil {
		return 0, fmt.Errorf("dist: %s.Draw: nil %s node", dist, param)
	}
	s := n.Shape()
	if n.IsScalar() || s.Dims() == 0 || s[s.Dims()-1] < 1 {
		return 0, fmt.Errorf("dist: %s.Draw: %s must have a category axis, got shape %v", dist, param, s)
	}
	return s[s.Dims()-1], nil
}

// logGammaVariate returns log G for G ~ Gamma(alpha, 1), alpha > 0, without
// underflow: for alpha < 1, G = G'·U^(1/alpha) with G' ~ Gamma(alpha + 1, 1)
// and U ~ U(0, 1) (Marsaglia and Tsang 2000), so
// log G = log G' + log(U)/alpha stays finite where G itself would round to
// 0 (about half the draws for alpha = 1e-3).
func logGammaVariate(alpha float64, r *rand.Rand) float64 {
	if alpha >= 1 {
		return math.Log(distuv.Gamma{Alpha: alpha, Beta: 1, Src: r}.Rand())
	}
	g := distuv.Gamma{Alpha: alpha + 1, Beta: 1, Src: r}.Rand()
	return math.Log(g) + math.Log(openUniform(r))/alpha
}

// softmaxHost writes softmax(l) into dst (which may be l), shifting by the
// maximum so that no exponential overflows.
func softmaxHost(dst, l []float64) {
	m := math.Inf(-1)
	for _, v := range l {
		m = math.Max(m, v)
	}
	var total float64
	for i, v := range l {
		dst[i] = math.Exp(v - m)
		total += dst[i]
	}
	for i := range dst {
		dst[i] /= total
	}
}
