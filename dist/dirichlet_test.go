package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dirichletLogProb is the oracle: gonum's stat/distmv.Dirichlet.
func dirichletLogProb(alpha, x []float64) float64 {
	return distmv.NewDirichlet(alpha, nil).LogProb(x)
}

func TestDirichletLogProb(t *testing.T) {
	var worst float64
	for _, tc := range []struct {
		name  string
		alpha []float64
		xs    [][]float64 // points on the simplex
	}{
		{"uniform", []float64{1, 1, 1}, [][]float64{{0.2, 0.3, 0.5}, {1e-10, 0.5, 0.5 - 1e-10}}},
		{"moderate", []float64{2.5, 0.7, 4}, [][]float64{{0.3, 0.1, 0.6}, {0.05, 0.05, 0.9}}},
		{"concentrations 1e-3", []float64{1e-3, 1e-3, 1e-3, 1e-3}, [][]float64{{1e-100, 1e-50, 1 - 1e-9, 1e-9}, {0.25, 0.25, 0.25, 0.25}}},
		{"concentrations 1e3", []float64{1e3, 1e3}, [][]float64{{0.5, 0.5}, {0.48, 0.52}}},
		{"mixed, one row", []float64{1e-3, 1e3, 1}, [][]float64{{1e-6, 0.99, 0.01 - 1e-6}}},
	} {
		k := len(tc.alpha)
		flat := make([]float64, 0, k*len(tc.xs))
		for _, x := range tc.xs {
			flat = append(flat, x...)
		}
		g := G.NewGraph()
		d, err := NewDirichlet(g, tc.alpha)
		require.NoError(t, err)
		lp, err := d.LogProb(matIn(g, len(tc.xs), k, flat))
		require.NoError(t, err)
		require.Equal(t, tensor.Shape{len(tc.xs)}, lp.Shape())
		got := evalNodes(t, g, nil, lp)[0]
		for i, x := range tc.xs {
			worst = math.Max(worst, near(t, dirichletLogProb(tc.alpha, x), got[i], logProbTol, "%s at %v", tc.name, x))
		}
	}
	t.Logf("worst scaled LogProb error vs distmv.Dirichlet: %.2g", worst)
}

func TestDirichletGradSupport(t *testing.T) {
	alpha := []float64{1.5, 0.6, 3}
	x := []float64{0.2, 0.3, 0.5}
	checkGradFD(t, [][]float64{alpha, x},
		func(n []*G.Node) (*G.Node, error) { return Dirichlet{Concentration: n[0]}.LogProb(n[1]) },
		func(p [][]float64) float64 { return dirichletLogProb(p[0], p[1]) })
	require.Equal(t, Simplex, SupportOf(Dirichlet{}))
}

var _ Drawer = Dirichlet{}

// drawSumTol bounds |Σₖ xₖ − 1| for a drawn row of K = 3 elements: each
// xₖ is rounded once in the division by the total (2⁻⁵³ relative), and
// the check's own sum rounds twice.
const drawSumTol = 1e-15

// TestDirichletDraw checks that drawn rows lie on the simplex and that each
// component's mean and variance match distmv.Dirichlet's Mean and
// CovarianceMatrix within mcSigmas standard errors (10⁵ rows per setting),
// for one row of concentrations broadcast and for two alternating rows,
// one with concentrations of order 10⁻³ whose gamma variates underflow.
func TestDirichletDraw(t *testing.T) {
	const k = 3
	alphas := [][]float64{{0.5, 2, 4}, {1e-3, 1e-3, 2e-3}}
	g := G.NewGraph()
	d := Dirichlet{Concentration: vec(g, alphas[0])}
	perRow := cycleRows(mcDraws, alphas...)
	for _, tc := range []struct {
		name   string
		conc   []float64
		rows   int
		alphas [][]float64 // the concentrations of row i are alphas[i%len(alphas)]
	}{
		{"broadcast", alphas[0], mcDraws / 2, alphas[:1]},
		{"per row", perRow, mcDraws, alphas},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float64, tc.rows*k)
			require.NoError(t, d.Draw(dst, [][]float64{tc.conc}, rand.New(rand.NewPCG(31, 32))))
			for i := range tc.rows {
				row := dst[i*k : (i+1)*k]
				assert.InDelta(t, 1, row[0]+row[1]+row[2], drawSumTol, "row %d sums to 1", i)
				for _, x := range row {
					require.True(t, x >= 0 && x <= 1, "row %d: %v outside [0, 1]", i, row)
				}
			}
			for h, alpha := range tc.alphas {
				oracle := distmv.NewDirichlet(alpha, nil)
				var cov mat.SymDense
				oracle.CovarianceMatrix(&cov)
				mean := oracle.Mean(nil)
				for c := range k {
					checkMoments(t, every(dst, h*k+c, len(tc.alphas)*k), mean[c], cov.At(c, c))
				}
			}
		})
	}
}
