package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/stat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// vec returns a float64 vector input node holding v.
func vec(g *G.ExprGraph, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewVector(g, tensor.Float64, G.WithShape(len(v)), G.WithName(graph.Name(g, "v")), G.WithValue(t))
}

// eval runs the graph holding n and returns n's value as a slice.
func eval(t *testing.T, n *G.Node) []float64 {
	t.Helper()
	vm := G.NewTapeMachine(n.Graph())
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	switch v := n.Value().(type) {
	case *tensor.Dense:
		return append([]float64(nil), v.Data().([]float64)...)
	case *G.F64:
		return []float64{float64(*v)}
	default:
		t.Fatalf("unexpected value type %T", v)
		return nil
	}
}

// Tolerances shared by the distribution tests (logProbTol, the agreement
// with gonum's distuv, is in normal_test.go).
const (
	// gradFDTol bounds |∂ − FD|/max(1, |∂|) between a gorgonia gradient and
	// central differences of the oracle with step 1e-6·max(1, |θ|):
	// truncation ~1e-12·f‴, roundoff ~1e-10·|f|.
	gradFDTol = 1e-6
	// mcSigmas is how many Monte Carlo standard errors a sample moment may
	// be from its exact value: a false failure has probability ~6e-7 per
	// check under normality of the estimator.
	mcSigmas = 5
	// mcDraws is the number of reparameterized draws per moment check.
	mcDraws = 200_000
)

// scalarIn returns a float64 scalar input node holding v.
func scalarIn(g *G.ExprGraph, v float64) *G.Node {
	return G.NewScalar(g, tensor.Float64, G.WithName(graph.Name(g, "s")), G.WithValue(v))
}

// evalNodes runs a TapeMachine over g, binding dual values for wrt, and
// returns the values of outs read through G.Read (safe from register reuse).
func evalNodes(t *testing.T, g *G.ExprGraph, wrt G.Nodes, outs ...*G.Node) [][]float64 {
	t.Helper()
	vals := make([]G.Value, len(outs))
	for i, o := range outs {
		G.Read(o, &vals[i])
	}
	scalarIn(g, 0) // gorgonia refuses to compile a graph without input nodes
	var opts []G.VMOpt
	if len(wrt) > 0 {
		opts = append(opts, G.BindDualValues(wrt...))
	}
	vm := G.NewTapeMachine(g, opts...)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	res := make([][]float64, len(outs))
	for i, v := range vals {
		switch v := v.(type) {
		case *tensor.Dense:
			res[i] = append([]float64(nil), v.Data().([]float64)...)
		case *G.F64:
			res[i] = []float64{float64(*v)}
		default:
			t.Fatalf("output %d: unexpected value type %T", i, v)
		}
	}
	return res
}

// near asserts |got − want| ≤ tol·max(1, |want|) and returns the scaled error.
func near(t *testing.T, want, got, tol float64, msg string, args ...any) float64 {
	t.Helper()
	if math.IsInf(want, 0) && want == got {
		return 0
	}
	e := math.Abs(got-want) / math.Max(1, math.Abs(want))
	if !(e <= tol) {
		t.Errorf("%s: got %v, want %v (scaled error %.2g > %.2g)", fmt.Sprintf(msg, args...), got, want, e, tol)
	}
	return e
}

// lpCase is one row of a LogProb table: a distribution built from constant
// parameters, a gonum oracle and the points to evaluate.
type lpCase struct {
	name   string
	build  func(g *G.ExprGraph) (LogProber, error)
	oracle func(x float64) float64
	xs     []float64
}

// checkLogProbs evaluates each case's LogProb at its points in one graph and
// compares with the oracle at logProbTol; it logs the worst scaled error.
func checkLogProbs(t *testing.T, cases []lpCase) {
	t.Helper()
	var worst float64
	for _, tc := range cases {
		g := G.NewGraph()
		d, err := tc.build(g)
		require.NoError(t, err, tc.name)
		lp, err := d.LogProb(vec(g, tc.xs))
		require.NoError(t, err, tc.name)
		got := evalNodes(t, g, nil, lp)[0]
		require.Len(t, got, len(tc.xs), tc.name)
		for i, x := range tc.xs {
			worst = math.Max(worst, near(t, tc.oracle(x), got[i], logProbTol, "%s at x=%v", tc.name, x))
		}
	}
	t.Logf("worst scaled LogProb error vs oracle: %.2g (tolerance %.0e)", worst, logProbTol)
}

// checkGradFD builds a scalar from input nodes holding params (a
// one-element slice gives a scalar node, a longer one a vector), takes its
// gorgonia gradient with respect to every input, and compares it with
// central differences of oracle.
func checkGradFD(t *testing.T, params [][]float64, build func(n []*G.Node) (*G.Node, error), oracle func(p [][]float64) float64) {
	t.Helper()
	g := G.NewGraph()
	nodes := make([]*G.Node, len(params))
	for i, p := range params {
		if len(p) == 1 {
			nodes[i] = scalarIn(g, p[0])
		} else {
			nodes[i] = vec(g, p)
		}
	}
	y, err := build(nodes)
	require.NoError(t, err)
	if !y.IsScalar() {
		y, err = G.Sum(y, allAxes(y)...)
		require.NoError(t, err)
	}
	grads, err := G.Grad(y, nodes...)
	require.NoError(t, err)
	got := evalNodes(t, g, nodes, grads...)
	cp := make([][]float64, len(params))
	for i, p := range params {
		cp[i] = append([]float64(nil), p...)
	}
	var worst float64
	for i, p := range params {
		for j, v := range p {
			f := func(h float64) float64 {
				cp[i][j] = h
				defer func() { cp[i][j] = v }()
				return oracle(cp)
			}
			want := fd.Derivative(f, v, &fd.Settings{Formula: fd.Central, Step: 1e-6 * math.Max(1, math.Abs(v))})
			worst = math.Max(worst, near(t, want, got[i][j], gradFDTol, "∂/∂param%d[%d] at %v", i, j, v))
		}
	}
	t.Logf("worst scaled gradient error vs finite differences: %.2g (tolerance %.0e)", worst, gradFDTol)
}

func allAxes(n *G.Node) []int {
	axes := make([]int, n.Shape().Dims())
	for i := range axes {
		axes[i] = i
	}
	return axes
}

// checkMoments compares the sample mean and variance of draws with their
// exact values, within mcSigmas standard errors estimated from the draws.
func checkMoments(t *testing.T, draws []float64, mean, variance float64) {
	t.Helper()
	n := float64(len(draws))
	m, v := stat.MeanVariance(draws, nil)
	sq := make([]float64, len(draws))
	for i, x := range draws {
		sq[i] = (x - m) * (x - m)
	}
	seMean := math.Sqrt(v / n)
	seVar := stat.StdDev(sq, nil) / math.Sqrt(n)
	assert.InDelta(t, mean, m, mcSigmas*seMean, "sample mean (SE %.2g)", seMean)
	assert.InDelta(t, variance, v, mcSigmas*seVar, "sample variance (SE %.2g)", seVar)
	t.Logf("mean %.5g (exact %.5g, %.1f SE), variance %.5g (exact %.5g, %.1f SE)",
		m, mean, math.Abs(m-mean)/seMean, v, variance, math.Abs(v-variance)/seVar)
}

// rsampleDraws returns mcDraws reparameterized draws of the distribution
// built by build, with noise filled by fill from a seeded PCG.
func rsampleDraws(t *testing.T, build func(g *G.ExprGraph) (Rsampler, error), fill func([]float64, *rand.Rand), seed uint64) []float64 {
	t.Helper()
	g := G.NewGraph()
	d, err := build(g)
	require.NoError(t, err)
	eps := make([]float64, mcDraws)
	fill(eps, rand.New(rand.NewPCG(seed, seed+1)))
	x, err := d.Rsample(vec(g, eps))
	require.NoError(t, err)
	return evalNodes(t, g, nil, x)[0]
}

// checkEntropy compares d.Entropy() with want at logProbTol.
func checkEntropy(t *testing.T, g *G.ExprGraph, d Entropier, want float64) {
	t.Helper()
	h, err := d.Entropy()
	require.NoError(t, err)
	e := near(t, want, evalNodes(t, g, nil, h)[0][0], logProbTol, "entropy")
	t.Logf("entropy scaled error vs oracle: %.2g", e)
}

// checkEntropyMC compares the analytic entropy h with the Monte Carlo
// estimate −mean(log p) over draws, within mcSigmas standard errors.
func checkEntropyMC(t *testing.T, h float64, draws []float64, logProb func(float64) float64) {
	t.Helper()
	nlp := make([]float64, len(draws))
	for i, x := range draws {
		nlp[i] = -logProb(x)
	}
	m, v := stat.MeanVariance(nlp, nil)
	se := math.Sqrt(v / float64(len(nlp)))
	assert.InDelta(t, h, m, mcSigmas*se, "Monte Carlo entropy (SE %.2g)", se)
	t.Logf("entropy %.6g, Monte Carlo %.6g (%.1f SE)", h, m, math.Abs(h-m)/se)
}

// entropyOf evaluates d.Entropy() as a single value.
func entropyOf(t *testing.T, g *G.ExprGraph, d Entropier) float64 {
	t.Helper()
	h, err := d.Entropy()
	require.NoError(t, err)
	return evalNodes(t, g, nil, h)[0][0]
}

func fmtG(v float64) string { return fmt.Sprintf("%g", v) }

// sigmoid and softplus for oracles are the host helpers in bijector.go.
