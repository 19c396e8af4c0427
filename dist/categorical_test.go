package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// oneHot returns n one-hot rows of length k for the given classes.
func oneHot(k int, classes ...int) []float64 {
	out := make([]float64, k*len(classes))
	for i, c := range classes {
		out[i*k+c] = 1
	}
	return out
}

func matIn(g *G.ExprGraph, r, c int, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(graph.Name(g, "m")), G.WithValue(t))
}

// categoricalOracle returns log P(class) from distuv.Categorical, whose
// weights are exp(logits − max) (distuv normalizes them).
func categoricalOracle(logits []float64) func(int) float64 {
	m := math.Inf(-1)
	for _, l := range logits {
		m = math.Max(m, l)
	}
	w := make([]float64, len(logits))
	for i, l := range logits {
		w[i] = math.Exp(l - m)
	}
	c := distuv.NewCategorical(w, nil)
	return func(k int) float64 { return c.LogProb(float64(k)) }
}

func TestCategoricalLogProb(t *testing.T) {
	var worst float64
	for _, tc := range []struct {
		name   string
		logits []float64
	}{
		{"small", []float64{0.1, -0.4, 1.3}},
		{"uniform", []float64{2, 2, 2, 2}},
		{"huge logits", []float64{1000, 999, 990}},
		{"huge negative", []float64{-1000, -1003, -1001.5}},
		{"spread", []float64{-30, 0, 30}},
	} {
		k := len(tc.logits)
		oracle := categoricalOracle(tc.logits)
		classes := make([]int, k)
		for i := range classes {
			classes[i] = i
		}
		// Shared logits [K] scoring a batch of one-hot rows [K, K].
		g := G.NewGraph()
		d, err := NewCategorical(g, tc.logits)
		require.NoError(t, err)
		lp, err := d.LogProb(matIn(g, k, k, oneHot(k, classes...)))
		require.NoError(t, err)
		require.Equal(t, tensor.Shape{k}, lp.Shape())
		got := evalNodes(t, g, nil, lp)[0]
		for c := range k {
			worst = math.Max(worst, near(t, oracle(c), got[c], logProbTol, "%s class %d", tc.name, c))
		}
		// A single draw [K] gives a scalar.
		g1 := G.NewGraph()
		d1, err := NewCategorical(g1, tc.logits)
		require.NoError(t, err)
		lp1, err := d1.LogProb(vec(g1, oneHot(k, k-1)))
		require.NoError(t, err)
		require.True(t, lp1.IsScalar())
		near(t, oracle(k-1), evalNodes(t, g1, nil, lp1)[0][0], logProbTol, "%s single draw", tc.name)
	}
	t.Logf("worst scaled LogProb error vs distuv: %.2g", worst)
}

// TestCategoricalBatchedLogits gives every row its own logits, [N, K].
func TestCategoricalBatchedLogits(t *testing.T) {
	logits := []float64{0.1, -0.4, 1.3, 5, 5, -5}
	g := G.NewGraph()
	lp, err := Categorical{Logits: matIn(g, 2, 3, logits)}.LogProb(matIn(g, 2, 3, oneHot(3, 2, 0)))
	require.NoError(t, err)
	got := evalNodes(t, g, nil, lp)[0]
	near(t, categoricalOracle(logits[:3])(2), got[0], logProbTol, "row 0")
	near(t, categoricalOracle(logits[3:])(0), got[1], logProbTol, "row 1")
}

func TestCategoricalEntropyGrad(t *testing.T) {
	for _, logits := range [][]float64{{0.1, -0.4, 1.3}, {500, 0, -500}, {1, 1}} {
		g := G.NewGraph()
		d, err := NewCategorical(g, logits)
		require.NoError(t, err)
		m := math.Inf(-1)
		for _, l := range logits {
			m = math.Max(m, l)
		}
		w := make([]float64, len(logits))
		for i, l := range logits {
			w[i] = math.Exp(l - m)
		}
		checkEntropy(t, g, d, distuv.NewCategorical(w, nil).Entropy())
	}
	r := rand.New(rand.NewPCG(7, 8))
	logits := []float64{0.3, -1.1, 2.2, 0.5}
	for range 2 {
		x := oneHot(4, r.IntN(4))
		checkGradFD(t, [][]float64{logits, x},
			func(n []*G.Node) (*G.Node, error) { return Categorical{Logits: n[0]}.LogProb(n[1]) },
			// Σₖ xₖ lₖ − log Σ exp(l), the formula's continuous extension in x.
			func(p [][]float64) float64 {
				var s, z float64
				for k, l := range p[0] {
					s += p[1][k] * l
					z += math.Exp(l)
				}
				return s - math.Log(z)
			})
	}
}

// TestCategoricalOneRow is the [1, K] case, where gorgonia.Sum along the
// last axis returns a scalar value for a vector node.
func TestCategoricalOneRow(t *testing.T) {
	logits := []float64{0.5, -1, 2}
	g := G.NewGraph()
	lp, err := Categorical{Logits: matIn(g, 1, 3, logits)}.LogProb(matIn(g, 1, 3, oneHot(3, 1)))
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{1}, lp.Shape())
	near(t, categoricalOracle(logits)(1), evalNodes(t, g, nil, lp)[0][0], logProbTol, "one row")
}

var _ Drawer = Categorical{}

// TestCategoricalDraw checks the frequency of every category against
// softmax(logits), from distuv.Categorical (categoricalOracle), within
// mcSigmas binomial standard errors √(p(1 − p)/n), for one row of logits
// broadcast to every draw and for two rows alternating draw by draw.
func TestCategoricalDraw(t *testing.T) {
	const k = 4
	rows := [][]float64{{0.1, -0.4, 1.3, 0}, {1000, 999, 990, -1000}}
	g := G.NewGraph()
	d := Categorical{Logits: matIn(g, 2, k, append(append([]float64(nil), rows[0]...), rows[1]...))}
	perRow := cycleRows(mcDraws, rows...)
	for _, tc := range []struct {
		name   string
		logits []float64
		rows   [][]float64 // the logits of draw i are rows[i%len(rows)]
	}{
		{"broadcast", rows[0], rows[:1]},
		{"per row", perRow, rows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float64, mcDraws)
			require.NoError(t, d.Draw(dst, [][]float64{tc.logits}, rand.New(rand.NewPCG(21, 22))))
			var worst float64
			for h, row := range tc.rows {
				draws := every(dst, h, len(tc.rows))
				counts := make([]float64, k)
				for _, x := range draws {
					require.True(t, x == math.Trunc(x) && x >= 0 && x < k, "draw %v is not a category", x)
					counts[int(x)]++
				}
				oracle := categoricalOracle(row)
				for c := range k {
					p, n := math.Exp(oracle(c)), float64(len(draws))
					se := math.Sqrt(p * (1 - p) / n)
					f := counts[c] / n
					if se == 0 {
						assert.Zero(t, counts[c], "row %d category %d has probability 0", h, c)
						continue
					}
					assert.InDelta(t, p, f, mcSigmas*se, "row %d category %d (SE %.2g)", h, c, se)
					worst = math.Max(worst, math.Abs(f-p)/se)
				}
			}
			t.Logf("worst frequency error: %.1f SE (tolerance %d)", worst, mcSigmas)
		})
	}
}
